# SPDX-License-Identifier: AGPL-3.0-or-later
"""Who may see or change which patient's record: one policy, used by every view, API
route, download and export (HIPAA Security Rule, 45 CFR 164.312(a), access control)."""
