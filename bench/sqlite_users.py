"""Several people on the embedded SQLite database at once (issue 9, issue 18.5).

Starts the README's development server (`manage.py runserver`, threaded, DEBUG on) on
127.0.0.1 against a fresh, migrated SQLite FILE in a temporary folder, then runs N
clients for S seconds; each alternates reading its patient's page and recording a
visit through the API (both write: the page an access-log row, the API a visit and its
history). Prints the count of answers by status. tests/faults/test_sqlite_concurrency.py
runs the same load and asserts no 5xx.

    .venv/bin/python bench/sqlite_users.py --clients 8 --seconds 30
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]

# Run inside `manage.py shell`: one clinician, one patient and one session per client.
SEED = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.middleware.csrf import _get_new_csrf_string
from registry.models import Role
from tests.factories import PatientFactory, SiteFactory, staff

site = SiteFactory(code="A")
user = staff("load.clinician", Role.CLINICIAN, [site])
clients = []
for _ in range({clients}):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    clients.append({{"session": session.session_key, "csrf": _get_new_csrf_string(),
                    "study_id": PatientFactory(site=site).study_id}})
print(json.dumps(clients))
"""


@dataclass
class Server:
    url: str
    clients: list[dict]
    process: subprocess.Popen
    log: Path


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, key, detail: str = "") -> None:
        with self.lock:
            self.statuses[key] += 1
            if detail and len(self.errors) < 5:
                self.errors.append(detail)

    @property
    def server_errors(self) -> int:
        return sum(n for key, n in self.statuses.items() if isinstance(key, int) and key >= 500)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env: dict, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT, env=env, check=True,
        capture_output=True, text=True,
    ).stdout  # fmt: skip


@contextmanager
def sqlite_server(folder: Path, clients: int):
    """runserver on a migrated SQLite file in ``folder``; yields a Server."""
    env = {
        **os.environ, "DATABASE_URL": f"sqlite:///{folder / 'registry.sqlite3'}", "DEBUG": "1",
        "CELERY_BROKER_URL": "", "PYTHONUNBUFFERED": "1",
    }  # fmt: skip
    _manage(env, "migrate", "--noinput", "-v", "0")
    seeded = json.loads(_manage(env, "shell", "-c", SEED.format(clients=clients)).splitlines()[-1])
    port = _free_port()
    log = folder / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_for(port, process)
        yield Server(f"http://127.0.0.1:{port}", seeded, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for(port: int, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError("the development server exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the development server did not start")


def _send(tally: Tally, url: str, headers: dict, body: bytes | None = None) -> None:
    request = urllib.request.Request(url, body, headers)  # noqa: S310 (http on loopback)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            tally.add(response.status)
    except urllib.error.HTTPError as exc:
        body = exc.read(2000).decode(errors="replace")
        title = re.search(r"<title>\s*(.*?)\s*</title>", body, re.S)  # Django's error page
        summary = " ".join((title.group(1) if title else body[:200]).split())
        tally.add(exc.code, f"{request.get_method()} {request.full_url}: {exc.code} {summary}")
    except OSError as exc:
        tally.add("no answer", f"{request.full_url}: {exc}")


def _client(server: Server, me: dict, until: float, tally: Tally) -> None:
    cookie = f"sessionid={me['session']}; csrftoken={me['csrf']}"
    page = f"{server.url}/patients/{me['study_id']}/"
    visits = f"{server.url}/api/v1/patients/{me['study_id']}/visits/"
    day = date(2024, 12, 31)
    while time.monotonic() < until:
        _send(tally, page, {"Cookie": cookie})
        body = {"date": day.isoformat(), "kind": "follow_up", "weight_kg": "70",
                "height_cm": "165"}  # fmt: skip
        day -= timedelta(days=1)  # one visit per patient per date
        headers = {"Cookie": cookie, "X-CSRFToken": me["csrf"],
                   "Content-Type": "application/json"}  # fmt: skip
        _send(tally, visits, headers, json.dumps(body).encode())


def run_load(server: Server, seconds: float) -> Tally:
    tally = Tally()
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_client, args=(server, me, until, tally))
        for me in server.clients
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, sqlite_server(Path(folder), args.clients) as s:
        tally = run_load(s, args.seconds)
    total = sum(tally.statuses.values())
    print(f"{args.clients} clients, {args.seconds:g} s: {total} requests, "
          f"{tally.server_errors} answered 5xx; by status: {dict(tally.statuses)}")  # fmt: skip
    for line in tally.errors:
        print("  e.g.", line[:300])


if __name__ == "__main__":
    main()
