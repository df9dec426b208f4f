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


def _keep_freed_memory() -> None:
    """Let glibc's allocator keep freed memory for reuse in this short-lived process.

    A night's analysis allocates and frees arrays of a few hundred kB to tens of MB many
    times (the CSV reader's blocks, the envelopes). By default glibc gives such memory
    back to the system at each free (mmap and heap trimming), so every new array costs
    page faults: about 230,000 of them and 0.45 s of system time for an 8-hour 100 Hz
    CSV night. Raising the two thresholds (``mallopt``; the same as the
    ``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_TRIM_THRESHOLD_`` environment settings,
    which must be set before a process starts) keeps it in the heap; the process ends
    soon after. Only when ``nervepath`` runs as its own process; nothing happens where
    the C library is not glibc.
    """
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process runs on
    except (OSError, AttributeError):
        return
    mallopt(-1, 512 << 20)  # M_TRIM_THRESHOLD: keep up to 512 MB of freed heap
    mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: heap (not mmap) up to 32 MB, glibc's most


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("analyze", "compare-movements"):
        _one_blas_thread()
        if argv is None:  # a process of its own (not a caller's, such as a test run)
            _keep_freed_memory()
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
