# SPDX-License-Identifier: AGPL-3.0-or-later
"""Names that come from data but patients read, listed for the translation catalogue.

A clinic names its appointment types itself; pages and messages show a name translated
when the catalogue has it (``{% translate kind.name %}``) and as typed otherwise. These
are the demo clinic's names and the default follow-up labels (``NERVEPATH_FOLLOW_UPS``);
a clinic with other names adds them here and to ``locale/*/LC_MESSAGES/django.po``.
"""

from django.utils.translation import gettext_noop

WORDS = [
    gettext_noop("New-patient consultation"),
    gettext_noop("Follow-up visit"),
    gettext_noop("Diagnostic nerve block"),
    gettext_noop("Decompression surgery, right leg"),
    gettext_noop("Decompression surgery, left leg"),
    gettext_noop("Post-operative check"),
    gettext_noop("Electrical-stimulation session"),
    gettext_noop("Laser session"),
    gettext_noop("2 weeks"),
    gettext_noop("3 months"),
    gettext_noop("6 months"),
    gettext_noop("12 months"),
]
