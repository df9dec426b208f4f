# SPDX-License-Identifier: AGPL-3.0-or-later
"""Started by every child process of a travelling test session (see ``tests/clock.py``):
its folder is put first on the child's ``PYTHONPATH`` by ``clock.child_env``."""

import clock

clock.travel_from_env()
