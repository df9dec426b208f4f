# SPDX-License-Identifier: AGPL-3.0-or-later
"""The ``nervepath`` command.

``nervepath analyze ...`` runs the leg-movement engine without Django, and
``nervepath compare-movements STUDY.edf`` compares its movements with a scorer's; every other
sub-command is a Django management command (``nervepath seed_demo``,
``nervepath runserver``, ``nervepath migrate``...).
"""

from __future__ import annotations

import os
import sys


def _one_blas_thread() -> None:
    """Keep NumPy's BLAS to one thread for a night's analysis (set before NumPy loads).

    The detector's only BLAS calls are small matrix-vector products in the mains fit;
    a second BLAS thread gains nothing there and spins, costing about 0.1 s of CPU per
    8-hour night on a busy machine. Nights run in parallel with ``--workers`` instead.
    A value the user has set is kept.
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("analyze", "compare-movements"):
        _one_blas_thread()
    if args and args[0] == "analyze":
        from nervepath.science.movement.cli import main as analyze

        return analyze(args[1:])
    if args and args[0] == "compare-movements":
        from nervepath.science.movement.cli import compare_main

        return compare_main(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nervepath.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["nervepath", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
