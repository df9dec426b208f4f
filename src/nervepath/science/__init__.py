# SPDX-License-Identifier: AGPL-3.0-or-later
"""The science layer: pure Python and NumPy/SciPy, never Django."""
