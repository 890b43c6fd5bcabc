"""A Celery worker killed (SIGKILL) in the middle of a CSV upload and of an export.

Real worker processes (tests.faults.slow_worker: the production worker with a pause per
step, so the kill lands mid-job) on a redis-server of the test's own, the test database
on PostgreSQL. Each job finishes after the fault, no row is stored twice, the rows of the
killed run are reported as they were ("created", not "unchanged"), and the job's page
says what happened. Before: the upload or export stayed "running" at 20 % for ever (the
pool process's message was acknowledged as failed), and a re-run reported the killed
run's rows as "unchanged".
"""

import csv
import io

import pytest

from biomarkers import services
from biomarkers.models import LabResult
from longitudinal.exports import formats, writers
from longitudinal.exports import services as export_services
from longitudinal.models import ExportJob
from tests.factories import PatientFactory, VisitFactory
from tests.faults.conftest import ROWS, need_postgresql, upload_csv
from tests.faults.workers import Worker, wait_until
from tests.services import publishing_to

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def progress_of(upload):
    upload.refresh_from_db()
    return upload.processed_rows


def finished(job):
    job.refresh_from_db()
    return job.status in ("done", "failed")


def assert_every_row_created_once(upload):
    upload.refresh_from_db()
    assert (upload.status, upload.error) == ("done", ""), upload.notice
    assert upload.summary["created"] == ROWS and upload.summary["unchanged"] == 0
    report = list(csv.DictReader(io.StringIO(upload.report)))
    assert len(report) == ROWS and {row["outcome"] for row in report} == {"created"}
    assert LabResult.objects.count() == ROWS
    assert LabResult.objects.values("external_id").distinct().count() == ROWS
    assert LabResult.history.count() == ROWS


def test_an_upload_whose_worker_is_killed_finishes_after_a_restart(
    analyte_catalogue, redis_server, media, client, coordinator, patient_a
):
    need_postgresql()
    # A short visibility timeout: Redis hands the unacknowledged message to the next
    # worker seconds after the kill instead of 30 minutes.
    first = Worker(redis_server.url, media=media, pause=0.6, CELERY_VISIBILITY_TIMEOUT=2)
    client.force_login(coordinator)
    with publishing_to(redis_server.url, first.queue):
        upload, page = upload_csv(client, patient_a)
    first.start()
    try:
        wait_until(lambda: progress_of(upload) >= 500, what="two committed chunks")
        first.kill()
        stopped_at = progress_of(upload)
        assert 500 <= stopped_at < ROWS and upload.status == "running"
        second = Worker(redis_server.url, media=media, queue=first.queue,
                        CELERY_VISIBILITY_TIMEOUT=2)  # fmt: skip
        second.start()
        try:
            wait_until(lambda: finished(upload), seconds=90, what="the upload to finish")
        finally:
            second.stop()
    finally:
        first.stop()
    assert_every_row_created_once(upload)
    assert upload.attempts == 2
    assert f"interrupted after {stopped_at:,} of {ROWS:,} rows" in upload.notice
    assert "interrupted after" in client.get(page).content.decode()


def test_an_upload_left_running_is_requeued_by_the_stale_job_check(
    analyte_catalogue, redis_server, media, client, coordinator, patient_a, settings
):
    """The worker's main process killed: Redis would give the message back only after the
    visibility timeout (30 min); the periodic check queues the upload again first."""
    need_postgresql()
    worker = Worker(redis_server.url, media=media, pause=0.6)
    client.force_login(coordinator)
    with publishing_to(redis_server.url, worker.queue):
        upload, page = upload_csv(client, patient_a)
        worker.start()
        try:
            wait_until(lambda: progress_of(upload) >= 250, what="a committed chunk")
            worker.kill()
            settings.JOB_STALE_AFTER_SECONDS = 0
            assert services.lab_uploads_recover_stale() == {"requeued": 1}
            upload.refresh_from_db()
            assert "queued again" in upload.notice
            assert "queued again" in client.get(page).content.decode()
            worker = Worker(redis_server.url, media=media, queue=worker.queue)
            worker.start()
            wait_until(lambda: finished(upload), seconds=90, what="the upload to finish")
        finally:
            worker.stop()
    assert_every_row_created_once(upload)
    assert "resumed" in upload.notice


def test_an_export_whose_pool_process_is_killed_restarts_and_writes_one_whole_file(
    redis_server, media, coordinator, site_a
):
    """prefork: the pool process dies, the main process lives; with
    task_reject_on_worker_lost the message goes back to the queue at once."""
    need_postgresql()
    for n in range(12):
        patient = PatientFactory(site=site_a, mrn=f"EX-{n}")
        visit = VisitFactory(patient=patient)
        visit.assessments.create(instrument="cfs", version="cfs-v1", inputs={}, score=4,
                                 category="prefrail")  # fmt: skip
    worker = Worker(redis_server.url, media=media, pause=0.5)
    with publishing_to(redis_server.url, worker.queue):
        job = export_services.export_request(user=coordinator, kind="tidy")
    worker.start(pool="prefork")
    try:
        wait_until(lambda: ExportJob.objects.get().rows_done >= 2, what="export progress")
        worker.kill_child()
        wait_until(lambda: finished(job), seconds=90, what="the export to finish")
        assert worker.alive
    finally:
        worker.stop()
    assert (job.status, job.error) == ("done", "")
    assert job.attempts == 2 and "restarted from the beginning" in job.notice
    assert not list(media.glob("exports/*.part"))
    written = (media / job.file).read_bytes().decode()
    expected = io.StringIO()
    writers.export_write(kind="tidy", user=coordinator, form_or_filters={}, deidentified=True,
                         date_mode=formats.DATE_SHIFTED, out=expected)  # fmt: skip
    assert written == expected.getvalue()  # whole, and no row twice
    lines = written.splitlines()
    assert len(lines) == 13 and len(set(lines)) == 13
