"""Redis down when an upload or an export is requested, and back again (issue 18.4).

A redis-server of the test's own, stopped. Publishing fails within seconds (no result
backend, short connect timeouts); the job is marked failed with a message the page and
the API show (503 + Retry-After for the API, never 202 "pending" for a failed job), and
nothing is half-written. A job whose message was lost with Redis (no persistence) is
picked up by the stale-job check once Redis is back. Before: the upload answered 500
after the publish retries, and left an upload "queued" that nothing ever processed.
"""

import threading
import time

import pytest
from django.db import connections

from biomarkers import services
from biomarkers.models import LabResult
from longitudinal.models import ExportJob
from tests.faults.conftest import ROWS, need_postgresql, upload_csv
from tests.faults.workers import Worker, wait_until
from tests.services import publishing_to

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

FAST = 10  # seconds: a request never waits on a dead broker longer than this


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize("outage", ["stopped", "paused"])
def test_an_upload_while_redis_is_down_fails_fast_and_says_so(
    analyte_catalogue, redis_server, client, coordinator, patient_a, outage
):
    """Stopped: connections refused. Paused (SIGSTOP): accepted, never answered."""
    need_postgresql()
    redis_server.stop() if outage == "stopped" else redis_server.pause()
    client.force_login(coordinator)
    answered = []
    with publishing_to(redis_server.url, "faults-nobody"):
        started = time.monotonic()
        # In a thread, so that a request hanging on the broker fails the test, not CI.
        def post():
            try:
                answered.append(upload_csv(client, patient_a))
            finally:
                connections.close_all()  # this thread's connection

        request = threading.Thread(target=post)
        request.start()
        request.join(timeout=60)
        assert answered, "the upload request hung on the broker"
        assert time.monotonic() - started < FAST
    upload, page = answered[0]
    upload.refresh_from_db()
    assert upload.status == "failed" and "task queue (Redis) did not answer" in upload.error
    assert upload.processed_rows == 0 and not LabResult.objects.exists()
    shown = client.get(page).content.decode()
    assert "Processing failed" in shown and "Upload it again in a few minutes" in shown


def test_an_export_while_redis_is_down_answers_503_with_the_failed_job(
    redis_server, media, client, coordinator
):
    need_postgresql()
    redis_server.stop()
    client.force_login(coordinator)
    with publishing_to(redis_server.url, "faults-nobody"):
        started = time.monotonic()
        response = client.post("/api/v1/exports/", {"kind": "tidy"},
                               content_type="application/json")  # fmt: skip
        assert time.monotonic() - started < FAST
        form = {"kind": "dictionary", "date_mode": "shifted", "dictionary_format": "csv",
                "deidentified": "on"}  # fmt: skip
        page = client.post("/exports/", form)
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    body = response.json()
    assert body["job"]["status"] == "failed" and "could not be queued" in body["detail"]
    assert ExportJob.objects.filter(status="failed").count() == 2
    assert page.status_code == 302
    assert "could not be queued" in client.get(page.url).content.decode()
    assert not list(media.rglob("*.*"))  # no file, not even a partial one


def test_an_upload_whose_message_was_lost_runs_when_redis_is_back(
    analyte_catalogue, redis_server, media, client, coordinator, patient_a, settings
):
    need_postgresql()
    worker = Worker(redis_server.url, media=media)
    client.force_login(coordinator)
    with publishing_to(redis_server.url, worker.queue):
        upload, _ = upload_csv(client, patient_a)
        redis_server.stop()  # no worker took it; Redis keeps nothing on disk here
        redis_server.start()
        upload.refresh_from_db()
        assert upload.status == "queued"
        settings.JOB_STALE_AFTER_SECONDS = 0
        assert services.lab_uploads_recover_stale() == {"requeued": 1}
        worker.start()
        try:
            wait_until(lambda: upload.refresh_from_db() or upload.status == "done", seconds=60,
                       what="the upload to be processed")  # fmt: skip
        finally:
            worker.stop()
    assert upload.summary["created"] == ROWS and LabResult.objects.count() == ROWS
    assert "queued again" in upload.notice
