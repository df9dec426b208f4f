# SPDX-License-Identifier: AGPL-3.0-or-later
"""One source of course events per kind of record (see ``PathwayConfig.ready``, which
registers them). Visits, questionnaires and nights belong to apps below the pathway,
which cannot import it, so their sources live here; none imports from above it."""
