# SPDX-License-Identifier: AGPL-3.0-or-later
"""The hard moment for today's second test run (issue 14): moments in the clinic's zone
(America/Denver) where code that takes "now" from the wall clock by chance breaks.

    python3 scripts/hard_moment.py          # today's: "<ISO instant> <name>"
    python3 scripts/hard_moment.py --all    # every moment, one a line

The moment is picked by the day of the year, so CI goes through all of them over a year.
The instants are fixed (not "next Sunday"), so a failure can be run again exactly:
``NERVEPATH_TEST_NOW=<instant> make test``.
"""

from __future__ import annotations

import sys
from datetime import date

# Denver offsets: -07:00 in winter (MST), -06:00 in summer (MDT).
MOMENTS = [
    ("2027-01-10T14:00:00-07:00", "Sunday 14:00, no clinic open"),
    ("2027-01-16T23:30:00-07:00", "Saturday 23:30, already Sunday in UTC"),
    ("2027-03-13T20:00:00-07:00", "the evening before DST starts (2027-03-14)"),
    ("2027-11-06T20:00:00-06:00", "the evening before DST ends (2027-11-07)"),
    ("2026-12-31T23:30:00-07:00", "New Year's Eve 23:30, already next year in UTC"),
    ("2028-02-29T12:00:00-07:00", "29 February 2028 at noon"),
    ("2027-01-18T06:59:00-07:00", "Monday 06:59, before the clinics open"),
]


def main(argv: list[str]) -> int:
    if "--all" in argv:
        for instant, name in MOMENTS:
            print(f"{instant} {name}")
        return 0
    instant, name = MOMENTS[date.today().timetuple().tm_yday % len(MOMENTS)]
    print(f"{instant} {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
