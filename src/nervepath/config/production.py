# SPDX-License-Identifier: AGPL-3.0-or-later
"""Production settings: the base settings, hardened (``nervepath check --deploy`` is clean).

Select with ``DJANGO_SETTINGS_MODULE=nervepath.config.production``. Like the base
settings, everything comes from the environment; this module refuses to start without
a real SECRET_KEY and ALLOWED_HOSTS rather than fall back to development values.
See docs/deployment.md.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from nervepath.config.env import env_bool, env_int, env_list, env_required, env_str

# Checked before the base settings load, so the message names what production needs
# (the base settings would suggest the development switches instead).
_secret = env_required("SECRET_KEY", "production needs its own random key of 50+ characters")
if len(_secret) < 50 or len(set(_secret)) < 5 or _secret.startswith("django-insecure-"):
    raise ImproperlyConfigured(
        "SECRET_KEY must be at least 50 random characters (e.g. the output of "
        "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`)"
    )
if not env_list("ALLOWED_HOSTS", []):
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS must be set: the host name(s) people use, comma-separated, "
        "e.g. clinic.example.org"
    )
if env_bool("DEBUG", False):
    raise ImproperlyConfigured("DEBUG must be off in production (unset DEBUG or set DEBUG=0)")

from nervepath.config.settings import *  # noqa: E402, F403
from nervepath.config.settings import ALLOWED_HOSTS  # noqa: E402

DEBUG = False
SECRET_KEY = _secret
SITE_URL = env_str("SITE_URL", f"https://{ALLOWED_HOSTS[0].lstrip('.')}").rstrip("/")

# HTTPS everywhere. /healthz stays reachable on plain HTTP for load-balancer probes.
SECURE_SSL_REDIRECT = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind a reverse proxy that terminates TLS (deploy/nginx.conf), Django learns that the
# request was HTTPS from this header. Only switch it on when the proxy always sets (or
# overwrites) the header; otherwise a client could claim HTTPS.
if env_bool("NERVEPATH_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# HSTS: browsers refuse plain HTTP to this host (and its subdomains) for a year.
SECURE_HSTS_SECONDS = env_int("NERVEPATH_HSTS_SECONDS", 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("NERVEPATH_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("NERVEPATH_HSTS_PRELOAD", True)

# Cookies: HTTPS only, out of reach of page scripts, not sent on cross-site requests.
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
