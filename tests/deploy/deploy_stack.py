# SPDX-License-Identifier: AGPL-3.0-or-later
"""Helpers for tests that run nervepath as real processes with production settings."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

import clock
import nervepath as nervepath_package

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


def checked(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"{result.args} failed:\n{result.stdout}\n{result.stderr}"
    return result


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (unique name), dropped at the end."""
    name = f"nervepath_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
