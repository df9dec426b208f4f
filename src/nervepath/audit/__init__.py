# SPDX-License-Identifier: AGPL-3.0-or-later
"""The audit trail: one append-only event per read or write of patient data, per sign-in,
per refusal and per emergency access (HIPAA Security Rule, 45 CFR 164.312(b))."""
