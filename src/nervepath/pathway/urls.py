# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path

from nervepath.pathway.views import medications as medication_views
from nervepath.pathway.views import therapy as therapy_views

app_name = "pathway"

# Staff pages: /staff/patients/<pk>/...; portal pages: /portal/...
urlpatterns: list = [  # type: ignore[type-arg]
    path("staff/patients/<int:pk>/therapy/", therapy_views.therapy_list, name="therapy"),
    path(
        "staff/patients/<int:pk>/therapy/<int:course_pk>/",
        therapy_views.therapy_course,
        name="therapy_course",
    ),
    path("portal/therapy/", therapy_views.my_therapy, name="my_therapy"),
    path(
        "staff/patients/<int:pk>/medications/",
        medication_views.medication_list,
        name="medications",
    ),
    path("portal/medications/", medication_views.my_medications, name="my_medications"),
]
