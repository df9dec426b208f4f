# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

# Registers the <id:...> converter before the apps' URL modules use it.
from nervepath.config import converters  # noqa: F401  (isort: skip)
from nervepath.api.routes import api
from nervepath.config.health import healthz

admin.site.site_header = "nervepath administration"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("accounts/", include("nervepath.accounts.urls")),
    path("", include("nervepath.documents.urls")),
    path("staff/patients/", include("nervepath.access.urls")),
    path("", include("nervepath.assessment.urls")),
    path("", include("nervepath.inbox.urls")),
    path("", include("nervepath.wearables.urls")),
    path("", include("nervepath.pathway.urls")),
    path("", include("nervepath.notes.urls")),
    path("research/", include("nervepath.research.urls")),
    path("", include("nervepath.messaging.urls")),
    path("", include("nervepath.scheduling.urls")),
    path("", include("nervepath.site.urls")),
]

# Branded error pages (templates/404.html, 403.html); the 500 page renders without the
# database or context processors (site/errors.py).
handler500 = "nervepath.site.errors.server_error"
