"""Pieces shared by the benchmarks: a throw-away PostgreSQL database, Django set-up in
the benchmark process, and gunicorn on 127.0.0.1 (never any other address)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT = Path(__file__).resolve().parents[1]


def run_manage(url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT, env=env, check=True,
        capture_output=True, text=True,
    )
    return result.stdout


def recreate_database(url: str) -> None:
    """Drop and create the benchmark's own database, then migrate it."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    run_manage(url, "migrate", "--noinput", "-v", "0")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # DEBUG is off by default, so the settings need a key; this process signs nothing.
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(
    url: str, workers: int, *, timeout: int = 120, collectstatic: bool = False
) -> tuple[subprocess.Popen, int]:
    """gunicorn with production settings (DEBUG off) on a free loopback port."""
    port = free_port()
    env = {
        **os.environ, "DATABASE_URL": url, "DEBUG": "0", "SECRET_KEY": "bench-only-" + "x" * 50,
        "EXPORT_DATE_SHIFT_KEY": "bench-only-date-shift-" + "x" * 40,
        "EXPORT_PSEUDONYM_KEY": "bench-only-pseudonym-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore::UserWarning",  # whitenoise: no collected static here
    }  # fmt: skip
    if collectstatic:  # DEBUG off serves hashed static files from the manifest
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                       cwd=PROJECT, env=env, check=True)  # fmt: skip
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning",
        "--timeout", str(timeout),
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=PROJECT, env=env)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, port
        except OSError:
            time.sleep(0.1)
    server.terminate()
    sys.exit("gunicorn did not start")
