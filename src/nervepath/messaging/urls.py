# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path

from nervepath.messaging import views

app_name = "messaging"

urlpatterns = [
    path("texts/twilio/inbound/", views.twilio_inbound, name="twilio_inbound"),
    path("texts/twilio/status/", views.twilio_status, name="twilio_status"),
]
