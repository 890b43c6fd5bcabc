"""gunicorn serving the test database on 127.0.0.1, for tests that need real concurrency.

pytest-django's live_server handles each request in a thread of the test process and,
on SQLite, shares one in-memory connection between those threads; this is the server
production runs instead: several worker processes, each with several threads, each
thread with its own database connection. The caller's data must be committed
(transactional_db): PostgreSQL serves the test database itself; the in-memory SQLite
test database is copied to a file first (writes made through the server stay there).
"""

import os
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import requests
from django.conf import settings
from django.db import connection

PROJECT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60


def _database_url(folder: Path) -> str:
    if connection.vendor == "sqlite":
        path = folder / "live.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        return f"sqlite:///{path}"
    db = connection.settings_dict
    user, password = quote(db["USER"]), quote(db["PASSWORD"])
    return f"postgres://{user}:{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(server: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            requests.get(url + "/accounts/login/", timeout=10)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {STARTUP_SECONDS} s")


@contextmanager
def gunicorn(folder: Path, *, workers: int = 2, threads: int = 4):
    """Yield the base URL of gunicorn (gthread workers) serving the test database."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(folder),
        "DEBUG": "1",  # as `make run`: static files without a collected manifest
        "SECRET_KEY": settings.SECRET_KEY,  # sessions made by the test process decode
        "CELERY_BROKER_URL": "",  # tasks run eagerly inside the request
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        "--worker-class", "gthread", "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=PROJECT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, url)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
