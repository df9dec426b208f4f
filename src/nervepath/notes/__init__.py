# SPDX-License-Identifier: AGPL-3.0-or-later
"""The clinician's notes: visit notes with the leg examination, problems, allergies and
vitals, referring doctors and letters, and consent forms."""
