# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path

from nervepath.inbox import views

app_name = "inbox"

urlpatterns = [
    path("staff/inbox/", views.inbox_list, name="list"),
    path("staff/inbox/<id:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
]
