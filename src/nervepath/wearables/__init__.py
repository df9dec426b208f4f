# SPDX-License-Identifier: AGPL-3.0-or-later
"""Nights in the clinic: device files uploaded, analysed in the background, reported."""
