# SPDX-License-Identifier: AGPL-3.0-or-later
"""Helpers for tests that run nervepath as real processes with production settings.

What such a test pays for is mostly processes: each start with Django's set-up costs
1-2 s of CPU and ``migrate`` about 8 s. Hence :func:`nervepath_calls` (several commands
in one process) and the migrated databases made once per schema by ``nervepath migrate``
and kept for later runs: :func:`migrated_sqlite` (``var/test-db/``) and, on PostgreSQL,
``fresh_database(as_migrated=True)``, a copy of the kept template database
``nervepath_migrated_<hash>`` (drop it with ``ALTER DATABASE ... IS_TEMPLATE false``
then ``DROP DATABASE``; a change to a migration or to the settings gives a new one).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

import clock
import migrated
import nervepath as nervepath_package
from migrated import built_once, copy_sqlite

SRC = Path(nervepath_package.__file__).resolve().parent.parent
REPO = SRC.parent
ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
# Generous: the machine is small and busy.
COMMAND_TIMEOUT = 600


# Switches of the test process that a child must not inherit. DJANGO_ALLOW_ASYNC_UNSAFE
# is the browser tests' own; a deployment never has it (check --deploy refuses it).
TEST_ONLY = {
    "DJANGO_SETTINGS_MODULE",
    "NERVEPATH_DEV",
    "DEBUG",
    "DATABASE_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def nervepath_env(**extra: str) -> dict[str, str]:
    """The environment of a child process: our sources first, no test or dev switches."""
    env = {
        k: v for k, v in os.environ.items() if k not in TEST_ONLY and not k.startswith("NERVEPATH_")
    }
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(extra)
    return clock.child_env(env)


def production_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    return nervepath_env(
        DJANGO_SETTINGS_MODULE="nervepath.config.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        NERVEPATH_VAR_DIR=str(var_dir),
        **extra,
    )


def nervepath(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``nervepath ARGS`` as its own process and return what it printed."""
    return subprocess.run(
        [sys.executable, "-m", "nervepath.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )


# Runs several ``nervepath`` command lines one after the other in one process, as
# ``nervepath.cli`` runs each: what each printed and its exit status are kept apart, and
# the database connections are closed between them, so each command reads only what the
# ones before it committed.
_RUNNER = r"""
import contextlib, io, json, os, sys, traceback
from django.db import connections
from nervepath.cli import main
calls, out = json.loads(sys.argv[1]), sys.argv[2]
results = []
for args, overrides in calls:
    before = {k: os.environ.get(k) for k in overrides}
    os.environ.update(overrides)
    stdout, stderr, code = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            main(args)
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
    for k, v in before.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    connections.close_all()
    results.append([code, stdout.getvalue(), stderr.getvalue()])
with open(out, "w") as f:
    json.dump(results, f)
"""
# What may differ between the commands of one process: variables a command reads when
# it runs. Settings are read once per process, so anything else must not change.
PER_CALL = {"NERVEPATH_BACKUP_KEY"}


def nervepath_calls(
    env: dict[str, str], *calls: tuple[Sequence[str], Mapping[str, str]]
) -> list[subprocess.CompletedProcess[str]]:
    """Run several ``nervepath`` command lines in one process (its environment ``env``,
    plus each call's own ``PER_CALL`` variables) and return what each printed.

    One process start and Django set-up instead of one per command (1-2 s of CPU each).
    """
    for _, overrides in calls:
        assert set(overrides) <= PER_CALL, f"only {PER_CALL} may differ between calls"
    with tempfile.TemporaryDirectory(prefix="nervepath-calls-") as tmp:
        out = Path(tmp) / "results.json"
        plan = json.dumps([[list(args), dict(overrides)] for args, overrides in calls])
        process = subprocess.run(
            [sys.executable, "-c", _RUNNER, plan, str(out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        assert process.returncode == 0 and out.exists(), (
            f"the commands' process failed:\n{process.stdout}\n{process.stderr}"
        )
        results = json.loads(out.read_text())
    return [
        subprocess.CompletedProcess(["nervepath", *args], code, stdout, stderr)
        for (args, _), (code, stdout, stderr) in zip(calls, results, strict=True)
    ]


def checked(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"{result.args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _schema_key() -> str:
    """What decides the schema ``nervepath migrate`` makes: the migrations (see
    tests/migrated.py) and the settings (the database cache's table)."""
    return migrated.schema_digest(SRC / "nervepath" / "config" / "settings.py")


def migrated_sqlite() -> Path:
    """A SQLite database as ``nervepath migrate`` (development settings) leaves a new
    file: migrated once per schema by that command and kept next to the test database
    (``var/test-db/``) for every later process and run. Copy it; never open it for
    writing."""

    def build(part: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="nervepath-migrate-") as var:
            env = nervepath_env(NERVEPATH_DEV="1", NERVEPATH_VAR_DIR=var)
            checked(nervepath("migrate", "--noinput", env=env))
            copy_sqlite(Path(var) / "nervepath.sqlite3", part)

    return built_once(migrated.FOLDER / f"nervepath-migrate-{_schema_key()}.sqlite3", build)


def _admin(statement: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(statement)


def _migrated_template() -> str:
    """The name of a PostgreSQL database as ``nervepath migrate`` leaves a new one,
    migrated once per schema and kept on the server as a template (no connections
    allowed) for every later run, like ``var/test-db/`` for SQLite. An advisory lock
    makes a second process wait for the first one's migration; the database gets its
    name only once migrated."""
    name = f"nervepath_migrated_{_schema_key()}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (name,))
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return name
        building = f"{name}_part_{uuid.uuid4().hex[:12]}"
        conn.execute(f'CREATE DATABASE "{building}"')
        try:
            with tempfile.TemporaryDirectory(prefix="nervepath-migrate-") as var:
                env = nervepath_env(
                    NERVEPATH_DEV="1",
                    NERVEPATH_VAR_DIR=var,
                    DATABASE_URL=ADMIN_URL.rsplit("/", 1)[0] + "/" + building,
                )
                checked(nervepath("migrate", "--noinput", env=env))
            conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        except BaseException:
            conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            raise
        conn.execute(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false')
    return name


@contextlib.contextmanager
def fresh_database(*, as_migrated: bool = False) -> Iterator[str]:
    """A new PostgreSQL database (unique name), dropped at the end: empty, or, with
    ``as_migrated``, as ``nervepath migrate`` leaves it (a copy of a kept template)."""
    name = f"nervepath_t_{uuid.uuid4().hex[:12]}"
    template = f' TEMPLATE "{_migrated_template()}"' if as_migrated else ""
    _admin(f'CREATE DATABASE "{name}"{template}')
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), made here for this test only."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    # TLS checks validity by the machine's real clock, also when the session travels.
    now = datetime.fromtimestamp(clock.real_time(), UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def stop(process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Terminate, wait, and kill when it does not stop in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def wait_until_up(
    base: str, cert: str | Path, web: subprocess.Popen[bytes], timeout: float = 180
) -> None:
    """Poll ``/healthz`` until gunicorn answers 200 (or fail when it exits or times out)."""
    import time

    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert web.poll() is None, "gunicorn exited during start-up"
        try:
            if requests.get(f"{base}/healthz", verify=str(cert), timeout=10).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"gunicorn did not answer within {timeout} s")


@contextlib.contextmanager
def serve(
    env: dict[str, str],
    folder: Path,
    *,
    workers: int = 2,
    threads: int = 1,
    worker_interval: float = 2,
    log_tail: int = 5000,
    start_timeout: float = 180,
) -> Iterator[dict[str, object]]:
    """gunicorn (``deploy/gunicorn.conf.py``) over HTTPS with a self-signed certificate,
    plus the task worker, as separate processes with ``env``; stopped at the end, when
    the last ``log_tail`` characters of each log are printed. More than one thread per
    worker makes gunicorn use its threaded worker (which keeps connections alive)."""
    cert, key = self_signed_cert(folder)
    port = free_port()
    web_env = {
        **env,
        "NERVEPATH_BIND": f"127.0.0.1:{port}",
        "NERVEPATH_WEB_WORKERS": str(workers),
        "NERVEPATH_TLS_CERT": str(cert),
        "NERVEPATH_TLS_KEY": str(key),
    }
    paths = {name: folder / f"{name}.log" for name in ("web", "worker")}
    logs = {name: open(path, "wb") for name, path in paths.items()}
    processes: list[subprocess.Popen[bytes]] = []
    interval = worker_interval
    try:
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(REPO / "deploy/gunicorn.conf.py"),
                "--threads",
                str(threads),
            ],
            env=web_env,
            stdout=logs["web"],
            stderr=subprocess.STDOUT,
        )
        processes.append(web)
        worker = subprocess.Popen(
            [sys.executable, "-m", "nervepath.cli", "db_worker", "--interval", f"{interval}"],
            env=env,
            stdout=logs["worker"],
            stderr=subprocess.STDOUT,
        )
        processes.append(worker)
        base = f"https://127.0.0.1:{port}"
        wait_until_up(base, cert, web, start_timeout)
        yield {"base": base, "cert": str(cert), "web": web, "worker": worker, "logs": paths}
    finally:
        for process in processes:
            stop(process)
        for name, log in logs.items():
            log.close()
            if log_tail:
                text = paths[name].read_text(errors="replace")
                print(f"----- {name} log -----\n{text[-log_tail:]}")
