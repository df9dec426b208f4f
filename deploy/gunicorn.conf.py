# SPDX-License-Identifier: AGPL-3.0-or-later
"""gunicorn settings for nervepath, read from the environment (see nervepath.env.example).

Run: ``gunicorn -c deploy/gunicorn.conf.py nervepath.config.wsgi``. The access log
names the method, the path WITHOUT its query string, the status, the size and the time
taken: no query strings (they may carry patient data), no referrer (it is a URL with
a query string of its own), no user agent.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number; got {raw!r}") from None
    if value < 1:
        raise SystemExit(f"{name} must be at least 1; got {value}")
    return value


wsgi_app = "nervepath.config.wsgi:application"
bind = os.environ.get("NERVEPATH_BIND", "127.0.0.1:8000")
# Two workers per core plus one is gunicorn's own rule of thumb for sync workers.
workers = _int("NERVEPATH_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
timeout = _int("NERVEPATH_WEB_TIMEOUT", 60)
graceful_timeout = _int("NERVEPATH_WEB_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Restart workers now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# Header limits stay at gunicorn's defaults; upload size is limited by the proxy.
accesslog = os.environ.get("NERVEPATH_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("NERVEPATH_WEB_LOG_LEVEL", "info")
# %(U)s is the path without the query string; %(r)s (the request line) is never used.
# The path is cleaned again by this logger: secret link segments are replaced.
logger_class = "nervepath.config.gunicorn_logger.Logger"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
# Trust X-Forwarded-* only from the proxy on this machine.
forwarded_allow_ips = os.environ.get("NERVEPATH_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# No control socket: it lives in $HOME, which several instances would share.
control_socket_disable = True
# TLS in gunicorn itself, for installations without a reverse proxy in front.
certfile = os.environ.get("NERVEPATH_TLS_CERT") or None
keyfile = os.environ.get("NERVEPATH_TLS_KEY") or None
if bool(certfile) != bool(keyfile):
    raise SystemExit("Set both NERVEPATH_TLS_CERT and NERVEPATH_TLS_KEY, or neither")
