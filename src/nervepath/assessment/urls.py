# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path

from nervepath.assessment.views import portal, staff

app_name = "assessment"

STAFF = "staff/patients/<id:patient_pk>/assessment/"

urlpatterns = [
    path("portal/questionnaires/", portal.portal_list, name="portal_list"),
    path("portal/questionnaires/<id:pk>/", portal.fill, name="fill"),
    path("portal/questionnaires/answers/<id:pk>/", portal.portal_answers, name="portal_answers"),
    path(STAFF, staff.patient_summary, name="summary"),
    path(STAFF + "trend/<slug:instrument_id>.svg", staff.trend, name="trend"),
    path(STAFF + "responses/<id:pk>/", staff.answers, name="answers"),
    path(STAFF + "responses/<id:pk>/correct/", staff.correct, name="correct"),
    path(STAFF + "send/", staff.send_now, name="send"),
    path(STAFF + "enter/<slug:instrument_id>/", staff.enter, name="enter"),
    path(STAFF + "schedules/", staff.add_schedule, name="schedule"),
    path(STAFF + "schedules/<id:pk>/stop/", staff.stop_schedule, name="stop_schedule"),
    path(STAFF + "requests/<id:pk>/withdraw/", staff.withdraw, name="withdraw"),
]
