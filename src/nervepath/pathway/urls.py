# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path

from nervepath.pathway.views import follow_ups, surgery

app_name = "pathway"

# Staff pages: /staff/patients/<pk>/...; portal pages: /portal/...
urlpatterns: list = [  # type: ignore[type-arg]
    path("staff/patients/<int:pk>/surgery/", surgery.surgeries, name="surgeries"),
    path("staff/patients/<int:pk>/surgery/new/", surgery.surgery_new, name="surgery_new"),
    path(
        "staff/patients/<int:pk>/surgery/<int:surgery_pk>/", surgery.surgery_detail, name="surgery"
    ),
    path("staff/follow-ups/", follow_ups.follow_ups_to_book, name="follow_ups"),
    path(
        "staff/follow-ups/<int:follow_up_pk>/book/",
        follow_ups.follow_up_book,
        name="follow_up_book",
    ),
    path("portal/follow-ups/", follow_ups.my_follow_ups, name="my_follow_ups"),
]
