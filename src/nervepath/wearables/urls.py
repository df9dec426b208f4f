# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path

from nervepath.wearables import views

app_name = "wearables"

urlpatterns = [
    path("portal/nights/", views.my_nights, name="mine"),
    path("staff/patients/<id:pk>/nights/", views.patient_nights, name="patient"),
    path("staff/patients/<id:pk>/nights/timeline.svg", views.timeline, name="timeline"),
    path("nights/<uuid:public_id>/", views.night_page, name="night"),
    path("nights/<uuid:public_id>/figure.png", views.night_figure, name="figure"),
    path("nights/<uuid:public_id>/report.<str:kind>", views.night_download, name="download"),
    path("recordings/<uuid:public_id>/status", views.recording_status, name="status"),
    path("recordings/<uuid:public_id>/file", views.recording_file, name="file"),
    path("recordings/<uuid:public_id>/rerun", views.rerun, name="rerun"),
]
