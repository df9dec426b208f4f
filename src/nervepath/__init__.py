# SPDX-License-Identifier: AGPL-3.0-or-later
"""nervepath: a clinic platform for restless legs, leg movements and nerve decompression."""

__version__ = "0.1.0"
