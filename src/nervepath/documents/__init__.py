# SPDX-License-Identifier: AGPL-3.0-or-later
"""Patients' documents (referral letters, lab results, imaging reports) and the safe
file storage every upload in nervepath goes through (``documents.storage``)."""
