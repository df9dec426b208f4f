# SPDX-License-Identifier: AGPL-3.0-or-later
"""The care pathway: nerve blocks and relief diaries, decompression surgery with nerve
monitoring and follow-ups, non-surgical therapy courses, medications, and the
patient's whole course on one page."""
