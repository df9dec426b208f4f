# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path

from nervepath.site import views

app_name = "site"

urlpatterns = [
    path("", views.home, name="home"),
    path("locations/", views.locations, name="locations"),
    path("<slug:section>/", views.section, name="section"),
    path("<slug:section>/<slug:slug>/", views.page, name="page"),
]
