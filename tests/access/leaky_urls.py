# SPDX-License-Identifier: AGPL-3.0-or-later
"""The project's routes plus one that shows any patient without asking the policy:
the route walk must report it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from nervepath.accounts.models import Patient
from nervepath.config.urls import urlpatterns as project


def leaky(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(Patient, pk=pk)
    return HttpResponse(f"{patient.user.email} {patient.user.last_name}")


urlpatterns = [path("leaky/<int:pk>/", leaky, name="leaky"), *project]
