"""gunicorn serving the test database on 127.0.0.1, for tests that need real concurrency.

pytest-django's live_server handles each request in a thread of the test process and,
on SQLite, shares one in-memory connection between those threads; this is the server
production runs instead: several worker processes, each with several threads, each
thread with its own database connection. The caller's data must be committed
(transactional_db): PostgreSQL serves the test database itself; the in-memory SQLite
test database is copied to a file first (writes made through the server stay there).
"""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests
from django.conf import settings

from tests.services import PROJECT, database_url, free_port, stop

STARTUP_SECONDS = 60


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
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(sqlite_copy_folder=folder),
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
        stop(server)
