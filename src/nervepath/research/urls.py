# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path

from nervepath.research import views

app_name = "research"

urlpatterns = [
    path("", views.home, name="home"),
    path("cohorts/new/", views.cohort_new, name="cohort_new"),
    path("cohorts/<id:pk>/", views.cohort_detail, name="cohort"),
    path("cohorts/<id:pk>/edit/", views.cohort_edit, name="cohort_edit"),
    path("cohorts/<id:pk>/analyse/", views.run_analysis, name="run"),
    path(
        "cohorts/<id:pk>/export/deidentified/",
        views.export_cohort,
        {"kind": "deidentified"},
        name="export_csv",
    ),
    path("cohorts/<id:pk>/export/fhir/", views.export_cohort, {"kind": "fhir"}, name="export_fhir"),
    path("analyses/<uuid:public_id>/", views.analysis, name="analysis"),
    path(
        "analyses/<uuid:public_id>/figures/<slug:name>.<str:fmt>",
        views.analysis_figure,
        name="figure",
    ),
    path("analyses/<uuid:public_id>/report.<str:fmt>", views.analysis_report, name="report"),
    path("jobs/<uuid:public_id>/", views.job, name="job"),
    path("jobs/<uuid:public_id>/download/", views.job_download, name="job_download"),
]
