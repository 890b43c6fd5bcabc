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

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.services import (
    PROJECT,
    REDIS_URL,
    database_url,
    need_postgresql,
    need_redis,
    publishing_to,
    stop,
)


@pytest.fixture
def celery_worker_process(transactional_db):
    need_postgresql("the Celery worker test needs PostgreSQL shared with the worker")
    need_redis()
    queue = f"test-biomarkers-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
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
    try:
        with publishing_to(REDIS_URL, queue):
            yield worker
    finally:
        stop(worker)


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
