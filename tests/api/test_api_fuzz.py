# SPDX-License-Identifier: AGPL-3.0-or-later
"""Generated requests for every API route (schemathesis, from the OpenAPI schema): none
answers with a server error, signed in as a patient or as front desk.

The examples are fixed (derandomized) so that a run is repeatable; a wider random
search is run by hand with the schemathesis command line against a running server."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis import openapi
from schemathesis.checks import not_a_server_error

from helpers import login
from nervepath.config.wsgi import application

pytestmark = pytest.mark.booking

schema = openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def signed_in(clinic, request):
    from nervepath.accounts.models import User

    client = Client()
    login(client, User.objects.get(email=request.param))
    token = "a" * 32
    return {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}, token


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "signed_in",
    ["patient@demo.nervepath.org", "frontdesk@demo.nervepath.org"],
    indirect=True,
)
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,  # the same examples every run: CI never fails by chance
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_route_answers_with_a_server_error(case, signed_in):
    cookies, token = signed_in
    response = case.call(cookies=cookies, headers={"X-CSRFToken": token})
    case.validate_response(response, checks=[not_a_server_error])
