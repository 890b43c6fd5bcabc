"""The first request after the database dropped its connections succeeds (issue 18.2).

gunicorn with one sync worker keeps its connection between requests (CONN_MAX_AGE=60).
Terminating that connection from another one is what a PostgreSQL restart or failover
does to it. Without CONN_HEALTH_CHECKS the next request ran its first query on the dead
connection and answered 500; with them Django notices and reconnects first.
"""

import os
import subprocess
import sys
import urllib.request

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from tests.faults.conftest import need_postgresql, terminate
from tests.services import PROJECT, database_url, free_port, stop, wait_for_port

APP_NAME = "faults-web"  # the server's connections, as seen in pg_stat_activity


def session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def status_of(url: str, cookie: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_first_request_after_the_connection_is_killed_succeeds(clinician_a, patient_a):
    need_postgresql()
    cookie = session_cookie(clinician_a)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url(), "CONN_MAX_AGE": "60",
           "PGAPPNAME": APP_NAME, "DEBUG": "1", "CELERY_BROKER_URL": ""}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "1",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=PROJECT, env=env,
    )  # fmt: skip
    try:
        wait_for_port(port, server)
        page = f"http://127.0.0.1:{port}/patients/{patient_a.study_id}/"
        assert status_of(page, cookie) == 200
        assert terminate(application_name=APP_NAME) == 1  # the kept connection
        assert status_of(page, cookie) == 200
        assert status_of(page, cookie) == 200
    finally:
        stop(server)
