# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path

from nervepath.notes.views import chart, consents, intake, notes, referrals

app_name = "notes"

# Staff pages: /staff/patients/<pk>/...; portal pages: /portal/...
urlpatterns: list = [
    path("staff/patients/<id:pk>/notes/", notes.note_list, name="list"),
    path("staff/patients/<id:pk>/notes/new/", notes.note_new, name="new"),
    path("staff/patients/<id:pk>/notes/<id:note_pk>/", notes.note_detail, name="note"),
    path(
        "staff/patients/<id:pk>/notes/<id:note_pk>/autosave/", notes.note_autosave, name="autosave"
    ),
    path(
        "staff/patients/<id:pk>/notes/<id:note_pk>/addendum/", notes.note_addendum, name="addendum"
    ),
    path("staff/patients/<id:pk>/notes/<id:note_pk>/letter/", notes.note_letter, name="letter"),
    path("staff/patients/<id:pk>/chart/", chart.chart_page, name="chart"),
    path(
        "staff/patients/<id:pk>/referring-doctors/", referrals.patient_referrals, name="referrals"
    ),
    path("staff/referring-doctors/", referrals.doctors, name="doctors"),
    path("staff/referrals/", intake.intake_new, name="intake_new"),
    path("staff/referrals/<id:pk>/", intake.intake_detail, name="intake"),
    path("staff/referring-doctors/<id:doctor_pk>/", referrals.doctor_edit, name="doctor"),
    path("staff/patients/<id:pk>/consents/", consents.consent_list, name="consents"),
    path(
        "staff/patients/<id:pk>/consents/<id:consent_pk>/", consents.consent_detail, name="consent"
    ),
    path("portal/consents/", consents.my_consents, name="my_consents"),
    path("portal/consents/<id:consent_pk>/", consents.my_consent, name="my_consent"),
]
