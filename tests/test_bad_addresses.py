# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 22, finding 12: ids beyond 2**63 and NUL characters in an address are a 404 or a
400, never a 500."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from helpers import login
from nervepath.config.converters import IdConverter

pytestmark = pytest.mark.postgres

HUGE = str(2**64)  # 20 digits, beyond any 64-bit id
LONG = "9" * 19


@pytest.mark.parametrize("number", [HUGE, LONG, "0" + HUGE])
def test_an_id_too_large_for_the_database_is_not_found(client, clinic, frontdesk, number):
    login(client, frontdesk)
    for path in (
        f"/staff/patients/{number}/",
        f"/staff/appointments/{number}/",
        f"/staff/patients/{number}/care-team/{number}/end/",
    ):
        assert client.get(path).status_code == 404, path
        assert client.post(path).status_code == 404, path


@pytest.mark.parametrize("number", [HUGE, LONG])
def test_the_admin_handles_an_id_too_large(client, clinic, admin_user, number):
    login(client, admin_user)
    for model in ("accounts/user", "access/emergencyaccess", "audit/auditevent"):
        response = client.get(f"/admin/{model}/{number}/change/")
        # The admin's own answer for a row that does not exist: back to its index.
        assert response.status_code in {302, 404}, model


def test_the_api_answers_404_for_an_id_too_large(client, alice):
    login(client, alice.user)
    for path in (
        f"/api/bookings/{HUGE}",
        f"/api/patients/{HUGE}/questionnaire-responses",
    ):
        assert client.get(path).status_code == 404, path
    response = client.post(f"/api/bookings/{HUGE}/cancel", content_type="application/json")
    assert response.status_code == 404
    # The largest id that fits still reaches the view, which finds nothing.
    assert client.get(f"/api/bookings/{'9' * 18}").status_code == 404


def test_every_url_pattern_uses_the_bounded_id_converter():
    """A new route with Django's unbounded ``<int:...>`` fails here."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p.pattern

    unbounded = []
    for route, pattern in walk(get_resolver().url_patterns):
        converters = getattr(pattern, "converters", {})
        if any(type(c).__name__ == "IntConverter" for c in converters.values()):
            unbounded.append(route)
    ours = [r for r in unbounded if not r.startswith("admin/")]
    assert ours == []
    assert reverse("access:patient", args=[7]) == "/staff/patients/7/"
    with pytest.raises(ValueError):
        IdConverter().to_url(2**63)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/accounts/user/?q=%00",
        "/admin/audit/auditevent/?q=abc%00def",
        "/staff/patients/?x=%00",
        "/api/bookings?status=%00",
        "/book/?location=%00",
        "/?next=a%00b",
    ],
)
def test_a_nul_in_the_query_string_is_refused_with_400(client, clinic, admin_user, path):
    login(client, admin_user)
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    # The same address without the NUL is served as usual.
    assert client.get(path.replace("%00", "")).status_code in {200, 302, 403, 404}


def test_a_nul_in_the_path_is_refused_with_400(client, clinic):
    assert client.get("/book/fort%00collins/new-patient/").status_code == 400
