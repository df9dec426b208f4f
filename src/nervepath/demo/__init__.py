# SPDX-License-Identifier: AGPL-3.0-or-later
"""The demo clinic: ``nervepath seed_demo`` and each app's demo data (accounts, assessment,
wearables, pathway, research), plus ``nervepath demo_totp``.

It sits at the top of the layers (pyproject.toml, import-linter): it may import every web
app, and no app imports it, so no behaviour depends on what the demo happens to contain.
"""
