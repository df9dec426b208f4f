# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path, register_converter

from nervepath.scheduling.views import desk, manage, messages, patients, public, staff


class TokenConverter:
    """The URL-safe base64 alphabet of ``secrets.token_urlsafe``: anything else is a 404
    before it reaches the database."""

    regex = "[A-Za-z0-9_-]{8,128}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "token")

app_name = "scheduling"

urlpatterns = [
    path("book/", public.book_start, name="book"),
    path("book/<slug:location_slug>/<slug:type_slug>/", public.book_slots, name="book_slots"),
    path(
        "book/<slug:location_slug>/<slug:type_slug>/confirm/",
        public.book_confirm,
        name="book_confirm",
    ),
    path(
        "book/<slug:location_slug>/<slug:type_slug>/waitlist/",
        public.join_waitlist,
        name="join_waitlist",
    ),
    path("book-confirm/<token:token>/", public.confirm_booking, name="confirm_booking"),
    path("appointments/<token:token>/", manage.manage, name="manage"),
    path("appointments/<token:token>/cancel/", manage.cancel, name="cancel"),
    path("appointments/<token:token>/move/", manage.move, name="move"),
    path("appointments/<token:token>/appointment.ics", manage.appointment_ics, name="ics"),
    path("waitlist/<token:token>/", manage.waitlist_offer, name="waitlist_offer"),
    path("portal/", manage.portal, name="portal"),
    path("portal/texts/", messages.my_texts, name="my_texts"),
    path("staff/messages/", messages.outbox, name="outbox"),
    path("staff/messages/<id:pk>/send-again/", messages.send_again, name="send_again"),
    path("staff/", desk.staff_home, name="staff_home"),
    path("staff/calendar/<slug:location_slug>/", desk.calendar, name="calendar"),
    path("staff/calendar/<slug:location_slug>/book-time/", desk.book, name="desk_book"),
    path("staff/today/<slug:location_slug>/", desk.today, name="today"),
    path("staff/calendar/<slug:location_slug>/series/", desk.series, name="series"),
    path(
        "staff/day-sheet/<slug:location_slug>/<id:clinician_id>/",
        desk.day_sheet,
        name="day_sheet",
    ),
    path("staff/appointments/<id:pk>/check-in/", desk.check_in, name="check_in"),
    path("staff/appointments/<id:pk>/confirmation/", patients.confirmation, name="confirmation"),
    path("staff/patients/new/", patients.patient_new, name="patient_new"),
    path("portal/contact/", patients.portal_contact, name="portal_contact"),
    path("staff/calendar/<slug:location_slug>/book/", staff.staff_book, name="staff_book"),
    path("staff/calendar/<slug:location_slug>/time-off/", staff.time_off, name="time_off"),
    path(
        "staff/calendar/<slug:location_slug>/time-off/confirm/",
        staff.time_off_confirm,
        name="time_off_confirm",
    ),
    path(
        "staff/calendar/<slug:location_slug>/time-off/<id:pk>/delete/",
        staff.time_off_delete,
        name="time_off_delete",
    ),
    path("staff/appointments/<id:pk>/", staff.staff_appointment, name="staff_appointment"),
    path("staff/appointments/<id:pk>/cancel/", staff.staff_cancel, name="staff_cancel"),
    path("staff/appointments/<id:pk>/outcome/", staff.staff_outcome, name="staff_outcome"),
    path("calendar/<token:token>.ics", staff.clinician_feed, name="clinician_feed"),
    path("staff/calendar-feed/rotate/", staff.rotate_feed, name="rotate_feed"),
]
