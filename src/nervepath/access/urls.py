# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path

from nervepath.access import views

app_name = "access"

urlpatterns = [
    path("", views.patient_list, name="patients"),
    path("<id:pk>/", views.patient_record, name="patient"),
    path("<id:pk>/care-team/", views.assign_clinician, name="assign"),
    path("<id:pk>/care-team/<id:assignment_pk>/end/", views.end_assignment, name="unassign"),
    path("emergency-access/", views.emergency_access, name="emergency"),
]
