# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path

from nervepath.documents import views

app_name = "documents"

urlpatterns = [
    path("portal/documents/", views.my_documents, name="mine"),
    path("staff/patients/<id:pk>/documents/", views.patient_documents, name="patient"),
    path("documents/<uuid:public_id>/", views.download, name="download"),
]
