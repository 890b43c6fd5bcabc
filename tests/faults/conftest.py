"""Fault injection against the real services (docs/operations.md).

The database is PostgreSQL (the suite's DATABASE_URL); a fault is injected from ANOTHER
connection with `pg_terminate_backend`, exactly what an administrator, a failover or a
restart does to the registry's connection. Redis is `TEST_REDIS_URL`, or a redis-server
started by the test on a free loopback port when the test must stop it. Without these
services the tests skip locally and fail under REQUIRE_SERVICES=1 (conftest.need_service).
"""

from __future__ import annotations

import shutil
import signal
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from conftest import need_service
from tests import services
from tests.biomarkers.conftest import analyte_catalogue, lab_api  # noqa: F401 (fixtures)
from tests.services import free_port, stop, wait_for_port

ROWS = 1500  # a CSV upload of six chunks of 250


def need_postgresql() -> None:
    services.need_postgresql("fault tests need PostgreSQL (set DATABASE_URL=postgres://...)")


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
