# SPDX-License-Identifier: AGPL-3.0-or-later
"""Headers, caching, the health endpoint, logs and the production settings' refusals."""

from __future__ import annotations

import datetime
import logging
import secrets
from unittest import mock

import pytest
from deploy_stack import checked, nervepath, nervepath_env
from django.db import OperationalError
from django.test import override_settings

from nervepath.config.logfilters import RedactQueryStrings

# A whole-system check: `make test` runs it once, in its hard-moment pass (Makefile).
pytestmark = pytest.mark.once


def test_pages_carry_a_strict_content_security_policy(client, clinic) -> None:
    csp = client.get("/").headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "data:" not in csp


def test_api_docs_page_gets_only_what_swagger_needs(client) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data:" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    # Swagger UI is served from our own static files, with no inline script.
    assert "/static/ninja/swagger-ui-bundle.js" in response.content.decode()


def test_signed_in_pages_are_never_stored(client, alice) -> None:
    client.force_login(alice.user)
    for url in ("/portal/", "/", "/api/bookings"):
        cache = client.get(url).headers.get("Cache-Control", "")
        assert "no-store" in cache and "private" in cache, url


def test_sessionless_response_may_be_cached_but_login_may_not(client, clinic) -> None:
    # The public list of locations reads no session: nothing personal, no no-store.
    assert "no-store" not in client.get("/api/locations").headers.get("Cache-Control", "")
    # Pages whose template reads the session (who is signed in) are never stored.
    assert "no-store" in client.get("/").headers["Cache-Control"]
    login = client.post("/accounts/login/", {"username": "nobody@example.org", "password": "x"})
    assert "no-store" in login.headers["Cache-Control"]


def test_response_that_sets_the_session_cookie_is_not_stored(client, alice) -> None:
    response = client.post(
        "/accounts/login/", {"username": "alice@example.org", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert "sessionid" in response.cookies
    assert "no-store" in response.headers["Cache-Control"]


def test_static_files_keep_their_cache_headers(client, alice) -> None:
    client.force_login(alice.user)
    with override_settings(STATIC_URL="/static/"):
        response = client.get("/static/nervepath/site.css")
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.django_db
def test_health_ok(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_health_reports_a_database_that_is_down(client) -> None:
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


@pytest.mark.django_db
def test_health_is_exempt_from_the_https_redirect(client) -> None:
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^healthz$"]):
        assert client.get("/healthz").status_code == 200
        redirected = client.get("/locations/")
    assert redirected.status_code == 301
    assert redirected["Location"].startswith("https://")


def test_log_filter_cuts_query_strings() -> None:
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1,
        '"%s" %s', ("GET /api/availability?patient=Alice+Archer&dob=1961-02-03 HTTP/1.1", 200),
        None,
    )  # fmt: skip
    assert RedactQueryStrings().filter(record) is True
    message = record.getMessage()
    assert "Alice" not in message and "1961" not in message
    assert '"GET /api/availability?[query removed] HTTP/1.1" 200' == message


def test_log_filter_hides_the_secret_segment_of_emailed_links() -> None:
    token = "Zq3x9LkP0aB-_c7dE5fG"
    lines = [
        f"GET /appointments/{token}/cancel/ HTTP/1.1",
        f"GET /waitlist/{token}/ HTTP/1.1",
        f"GET /calendar/{token}.ics HTTP/1.1",
        f"GET /accounts/reset/MTc/{token}/ HTTP/1.1",
    ]
    for line in lines:
        record = logging.LogRecord("django.server", logging.INFO, __file__, 1, line, (), None)
        assert RedactQueryStrings().filter(record) is True
        assert token not in record.getMessage() and "[hidden]" in record.getMessage()


def test_gunicorn_logger_hides_secrets_in_the_access_log() -> None:
    from types import SimpleNamespace

    from gunicorn.config import Config

    from nervepath.config.gunicorn_logger import Logger

    token = "Zq3x9LkP0aB-_c7dE5fG"
    request = SimpleNamespace(
        method="GET", path=f"/appointments/{token}/", query="", version=(1, 1), headers=[]
    )
    response = SimpleNamespace(status="200 OK", headers=[], sent=10, response_length=10)
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "RAW_URI": f"/appointments/{token}/?x=1",
        "REQUEST_METHOD": "GET",
        "PATH_INFO": f"/appointments/{token}/",
        "QUERY_STRING": "x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    atoms = Logger(Config()).atoms(response, request, environ, datetime.timedelta(seconds=0.01))
    assert token not in str(atoms["U"]) and token not in str(atoms["r"])
    assert atoms["U"] == "/appointments/[hidden]/"


def test_gunicorn_access_log_has_no_query_string() -> None:
    from deploy_stack import REPO

    config: dict[str, object] = {}
    exec(
        compile((REPO / "deploy/gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), config
    )
    log_format = str(config["access_log_format"])
    assert "%(U)s" in log_format
    assert config["logger_class"] == "nervepath.config.gunicorn_logger.Logger"
    for atom in ("%(r)s", "%(q)s", "%(f)s"):
        assert atom not in log_format


def _production(**env: str):
    settings_env = nervepath_env(DJANGO_SETTINGS_MODULE="nervepath.config.production", **env)
    return nervepath("check", env=settings_env)


def test_production_refuses_to_start_without_secret_key(tmp_path) -> None:
    result = _production(ALLOWED_HOSTS="clinic.example.org", NERVEPATH_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key(tmp_path) -> None:
    result = _production(
        SECRET_KEY="short", ALLOWED_HOSTS="clinic.example.org", NERVEPATH_VAR_DIR=str(tmp_path)
    )
    assert result.returncode != 0
    assert "at least 50 random characters" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path) -> None:
    result = _production(SECRET_KEY=secrets.token_urlsafe(50), NERVEPATH_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_bad_storage_choice_is_refused(tmp_path) -> None:
    result = _production(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="clinic.example.org",
        NERVEPATH_VAR_DIR=str(tmp_path),
        NERVEPATH_STORAGE="ftp",
    )
    assert result.returncode != 0
    assert "NERVEPATH_STORAGE must be one of filesystem, s3" in result.stderr


def test_production_passes_the_deployment_checklist(tmp_path) -> None:
    # `check --deploy` runs every check `check` runs, and more, and fails here at the
    # first WARNING (`check` alone fails only at an ERROR): passing it passes `check`.
    deploy = nervepath(
        "check", "--deploy", "--fail-level", "WARNING",
        env=nervepath_env(
            DJANGO_SETTINGS_MODULE="nervepath.config.production",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="clinic.example.org",
            NERVEPATH_VAR_DIR=str(tmp_path),
        ),
    )  # fmt: skip
    checked(deploy)
    assert "no issues" in deploy.stdout


def test_s3_storage_is_configured_from_the_environment(tmp_path) -> None:
    code = (
        "from django.core.files.storage import storages; s = storages['default'];"
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.location)"
    )
    env = nervepath_env(
        DJANGO_SETTINGS_MODULE="nervepath.config.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="clinic.example.org",
        NERVEPATH_VAR_DIR=str(tmp_path),
        NERVEPATH_STORAGE="s3",
        NERVEPATH_S3_BUCKET="clinic-uploads",
        NERVEPATH_S3_ENDPOINT_URL="https://objects.example.org",
        NERVEPATH_S3_PREFIX="/uploads/",
    )
    result = checked(nervepath("shell", "-c", code, env=env))
    assert result.stdout.strip().splitlines()[-1].split() == [
        "S3Storage", "clinic-uploads", "https://objects.example.org", "uploads"
    ]  # fmt: skip
    missing = dict(env)
    del missing["NERVEPATH_S3_BUCKET"]
    result = nervepath("check", env=missing)
    assert result.returncode != 0 and "NERVEPATH_S3_BUCKET must be set" in result.stderr


def _deploy_check(tmp_path, **env: str):
    base = {
        "DJANGO_SETTINGS_MODULE": "nervepath.config.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "clinic.example.org",
        "NERVEPATH_VAR_DIR": str(tmp_path),
    }
    return nervepath(
        "check", "--deploy", "--fail-level", "WARNING", env=nervepath_env(**{**base, **env})
    )


def test_deploy_check_fails_behind_a_proxy_without_a_proxy_count(tmp_path) -> None:
    """Issue 22, finding 6: behind nginx with NERVEPATH_PROXY_COUNT unset every client is
    127.0.0.1; `check --deploy` says so."""
    result = _deploy_check(tmp_path, NERVEPATH_BEHIND_PROXY="1")
    assert result.returncode != 0
    assert "nervepath.E001" in result.stderr and "NERVEPATH_PROXY_COUNT" in result.stderr
    checked(_deploy_check(tmp_path, NERVEPATH_BEHIND_PROXY="1", NERVEPATH_PROXY_COUNT="1"))


def test_the_shipped_example_configuration_passes_the_deploy_check(tmp_path) -> None:
    from deploy_stack import REPO

    example = {}
    for line in (REPO / "deploy" / "nervepath.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            example[key.strip()] = value.strip()
    # It matches deploy/nginx.conf: one proxy, which appends to X-Forwarded-For.
    assert example["NERVEPATH_BEHIND_PROXY"] == "1" and example["NERVEPATH_PROXY_COUNT"] == "1"
    nginx = (REPO / "deploy" / "nginx.conf").read_text()
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in nginx
    assert "X-Request-ID $request_id" in nginx
    # Local stand-ins for what the example points at (a real key, a database, folders).
    example.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        NERVEPATH_VAR_DIR=str(tmp_path),
        NERVEPATH_MEDIA_ROOT=str(tmp_path / "uploads"),
    )
    del example["DATABASE_URL"]
    checked(_deploy_check(tmp_path, **example))
