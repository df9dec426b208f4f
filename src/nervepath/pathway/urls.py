# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path  # noqa: F401 (routes land with each part)

app_name = "pathway"

# Staff pages: /staff/patients/<pk>/...; portal pages: /portal/...
urlpatterns: list = [  # type: ignore[type-arg]
]
