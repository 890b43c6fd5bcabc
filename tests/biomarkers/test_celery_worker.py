"""A CSV upload processed by a REAL Celery worker over a REAL Redis broker (CI: .ci/run).

The fixture starts `celery -A config worker` as a subprocess pointed at the test's
PostgreSQL database (committed data: transaction=True) and at Redis on a queue of its
own, so concurrent runs never steal each other's tasks. Without Redis or PostgreSQL the
test skips locally and fails under REQUIRE_SERVICES=1.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from conftest import need_service

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PROJECT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{user}:{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def _need_services() -> None:
    if connection.vendor != "postgresql":
        need_service("the Celery worker test needs PostgreSQL shared with the worker")
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        need_service(f"Redis is not reachable at {REDIS_URL} ({exc})")


def _use_queue(app, queue: str | None, eager: bool) -> None:
    app.conf.task_always_eager = eager
    app.conf.broker_url = REDIS_URL if not eager else app.conf.broker_url
    app.conf.task_default_queue = queue or "celery"
    # The queue and router objects are cached on first use: rebuild them from the conf.
    for name in ("queues", "router"):
        app.amqp.__dict__.pop(name, None)
    app.amqp._rtable = None
    # So are the broker connection pools: one made earlier in the session (with the
    # default broker URL) would still be used, and the task sent to the wrong broker.
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_worker_process(transactional_db):
    _need_services()
    from config.celery_app import app

    queue = f"test-biomarkers-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": "",
        "CONN_MAX_AGE": "0",  # let the test database be dropped at the end
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
        "--queues", queue, "--without-heartbeat", "--without-mingle", "--without-gossip",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    worker = subprocess.Popen(command, cwd=PROJECT, env=env)
    saved = (app.conf.task_always_eager, app.conf.broker_url, app.conf.task_default_queue)
    _use_queue(app, queue, eager=False)
    try:
        yield worker
    finally:
        app.conf.broker_url = saved[1]
        _use_queue(app, saved[2], eager=saved[0])
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_processes_a_csv_upload(
    analyte_catalogue, celery_worker_process, client, coordinator, patient_a
):
    from biomarkers.models import LabResult, LabUpload

    rows = ["study_id,analyte,value,unit,collected_at,external_id,status"] + [
        f"{patient_a.study_id},IL6,{n / 10},pg/mL,2025-03-01T08:00:00+00:00,W-{n},final"
        for n in range(1, 601)
    ]
    client.force_login(coordinator)
    file = SimpleUploadedFile("worker.csv", "\n".join(rows).encode(), content_type="text/csv")
    response = client.post("/labs/uploads/", {"source_name": "Worker test", "file": file})
    assert response.status_code == 302
    upload = LabUpload.objects.get()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        upload.refresh_from_db()
        if upload.status in ("done", "failed") or celery_worker_process.poll() is not None:
            break
        time.sleep(0.3)
    assert celery_worker_process.poll() is None, "the worker exited"
    assert (upload.status, upload.error) == ("done", "")
    assert upload.processed_rows == 600 and upload.summary["created"] == 600
    assert LabResult.objects.filter(source=upload.source).count() == 600
    assert client.get(response.url).status_code == 200
