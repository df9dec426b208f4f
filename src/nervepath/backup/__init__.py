# SPDX-License-Identifier: AGPL-3.0-or-later
"""Backup and restore of the whole installation: database rows and stored files."""
