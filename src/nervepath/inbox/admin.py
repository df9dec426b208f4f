# SPDX-License-Identifier: AGPL-3.0-or-later
"""Inbox items are not in the admin: they carry clinical detail, which administrators
never read (docs/security.md), and they are made and acknowledged only through the
inbox pages, which ask the access policy and audit every step."""
