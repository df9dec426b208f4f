# SPDX-License-Identifier: AGPL-3.0-or-later
import sys

from nervepath.cli import main

sys.exit(main())
