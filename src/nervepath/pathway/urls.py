# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path

from nervepath.pathway.views import blocks, course, diary, follow_ups, surgery
from nervepath.pathway.views import medications as medication_views
from nervepath.pathway.views import therapy as therapy_views

app_name = "pathway"

# Staff pages: /staff/patients/<pk>/...; portal pages: /portal/...
urlpatterns: list = [
    path("staff/patients/<id:pk>/course/", course.course_page, name="course"),
    path("staff/patients/<id:pk>/blocks/", blocks.block_list, name="blocks"),
    path("staff/patients/<id:pk>/blocks/new/", blocks.block_new, name="block_new"),
    path("staff/patients/<id:pk>/blocks/<id:block_pk>/", blocks.block_detail, name="block"),
    path("portal/diary/", diary.diary_list, name="diary_list"),
    path("portal/diary/<id:block_pk>/", diary.diary, name="diary"),
    path("staff/patients/<id:pk>/therapy/", therapy_views.therapy_list, name="therapy"),
    path(
        "staff/patients/<id:pk>/therapy/<id:course_pk>/",
        therapy_views.therapy_course,
        name="therapy_course",
    ),
    path("portal/therapy/", therapy_views.my_therapy, name="my_therapy"),
    path(
        "staff/patients/<id:pk>/medications/",
        medication_views.medication_list,
        name="medications",
    ),
    path("portal/medications/", medication_views.my_medications, name="my_medications"),
    path("staff/patients/<id:pk>/surgery/", surgery.surgeries, name="surgeries"),
    path("staff/patients/<id:pk>/surgery/new/", surgery.surgery_new, name="surgery_new"),
    path("staff/patients/<id:pk>/surgery/<id:surgery_pk>/", surgery.surgery_detail, name="surgery"),
    path("staff/follow-ups/", follow_ups.follow_ups_to_book, name="follow_ups"),
    path(
        "staff/follow-ups/<id:follow_up_pk>/book/",
        follow_ups.follow_up_book,
        name="follow_up_book",
    ),
    path("portal/follow-ups/", follow_ups.my_follow_ups, name="my_follow_ups"),
]
