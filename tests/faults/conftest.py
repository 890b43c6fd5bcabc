"""Fault injection against the real services (docs/operations.md).

The database is PostgreSQL (the suite's DATABASE_URL); a fault is injected from ANOTHER
connection with `pg_terminate_backend`, exactly what an administrator, a failover or a
restart does to the registry's connection. Redis is `TEST_REDIS_URL`, or a redis-server
started by the test on a free loopback port when the test must stop it. Without these
services the tests skip locally and fail under REQUIRE_SERVICES=1 (conftest.need_service).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from conftest import need_service
from tests.biomarkers.conftest import analyte_catalogue, lab_api  # noqa: F401 (fixtures)

PROJECT = Path(__file__).resolve().parents[2]
ROWS = 1500  # a CSV upload of six chunks of 250
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def need_postgresql() -> None:
    if connection.vendor != "postgresql":
        need_service("fault tests need PostgreSQL (set DATABASE_URL=postgres://...)")


def need_redis(url: str = REDIS_URL) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        need_service(f"Redis is not reachable at {url} ({exc})")


def database_url() -> str:
    """The test database, for a server or worker started as a subprocess."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{user}:{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def other_connection():
    """A psycopg connection of its own to the test database (the fault injector)."""
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
        password=db["PASSWORD"], dbname=db["NAME"], autocommit=True,
    )  # fmt: skip


def terminate(*, pid: int | None = None, application_name: str | None = None) -> int:
    """pg_terminate_backend from another connection; waits until the backends are gone."""
    with other_connection() as killer:
        if pid is not None:
            rows = killer.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchall()
        else:
            rows = killer.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = %s",
                [application_name],
            ).fetchall()
    return sum(1 for (done,) in rows if done)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:4]} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class RedisServer:
    """A throw-away redis-server on a free loopback port that a test may stop and start."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            need_service("redis-server is not installed (the broker-outage tests start one)")
        self.binary, self.port, self.process = binary, free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port, self.process)

    def pause(self) -> None:
        """SIGSTOP: connections are accepted by the kernel, nothing is ever answered."""
        self.process.send_signal(signal.SIGSTOP)

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)
            stop(self.process)
            self.process = None


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def upload_csv(client, patient, rows=ROWS):
    """A coordinator's CSV upload of ``rows`` IL-6 results through the page; (upload, url)."""
    from biomarkers.models import LabUpload

    lines = ["study_id,analyte,value,unit,collected_at,external_id,status"] + [
        f"{patient.study_id},IL6,{1 + n % 50},pg/mL,2025-03-01T08:00:00+00:00,U-{n},final"
        for n in range(rows)
    ]
    file = SimpleUploadedFile("lab.csv", "\n".join(lines).encode(), content_type="text/csv")
    response = client.post("/labs/uploads/", {"source_name": "Night batch", "file": file})
    assert response.status_code == 302, response.content[:500]
    return LabUpload.objects.get(), response.url
