# SPDX-License-Identifier: AGPL-3.0-or-later
"""Who may use the research pages: the research-access rule (docs/security.md).

No role both sees identities and takes research outputs, unless the clinic grants both
deliberately: researchers (who see no identity) always; administrators (who see names
and visits) only when ``NERVEPATH_ADMINS_DO_RESEARCH`` is on, or while another
administrator's :class:`~nervepath.research.models.ResearchGrant` for them is open.
Front desk and clinicians never.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from nervepath.accounts.models import Role


def may_do_research(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role == Role.RESEARCHER:
        return True
    if user.role != Role.ADMIN:
        return False
    if settings.NERVEPATH.get("ADMINS_DO_RESEARCH", False):
        return True
    from nervepath.research.models import ResearchGrant

    return ResearchGrant.objects.filter(user=user, ended_at__isnull=True).exists()
