# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path

from nervepath.pathway.views import course

app_name = "pathway"

# Staff pages: /staff/patients/<pk>/...; portal pages: /portal/...
urlpatterns: list = [  # type: ignore[type-arg]
    path("staff/patients/<int:pk>/course/", course.course_page, name="course"),
]
