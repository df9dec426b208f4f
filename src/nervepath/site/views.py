# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from nervepath.scheduling.models import Location
from nervepath.site import content


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "site/home.html",
        {
            "conditions": content.section("conditions"),
            "treatments": content.section("treatments"),
            "locations": Location.objects.prefetch_related("opening_hours"),
        },
    )


def section(request: HttpRequest, section: str) -> HttpResponse:
    if section not in content.SECTIONS:
        raise Http404
    return render(
        request,
        "site/section.html",
        {"title": content.SECTIONS[section], "pages": content.section(section)},
    )


def page(request: HttpRequest, section: str, slug: str) -> HttpResponse:
    found = content.pages().get(slug)
    if found is None or found.section != section:
        raise Http404("No such page")
    related = [p for p in content.section(section) if p.slug != slug]
    return render(request, "site/page.html", {"page": found, "related": related})


def locations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "site/locations.html",
        {"locations": Location.objects.prefetch_related("opening_hours")},
    )
