"""The job rules of core.jobs on uploads and exports, without a worker (any database).

The real faults (killed workers, Redis stopped) are in test_worker_killed.py and
test_broker_down.py; here each rule is pinned down on its own: resuming after the last
committed chunk, the attempt limit, the stale-job check, the fencing of an older run.
"""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from biomarkers import services
from biomarkers.models import LabResult, LabUpload, LabUploadChunk
from biomarkers.services import ingestion
from core.jobs import job_claim
from longitudinal.exports import services as export_services
from longitudinal.models import ExportJob
from tests.faults.conftest import upload_csv

pytestmark = pytest.mark.django_db

ROWS = 600  # three chunks


class WorkerDied(BaseException):
    """Like SIGKILL: not an Exception, so nothing marks the upload failed."""


def queued_upload(client, coordinator, patient, rows=ROWS):
    client.force_login(coordinator)
    return upload_csv(client, patient, rows)  # eager mode: on_commit never runs in a test


def test_a_resumed_upload_reports_the_rows_of_the_lost_run_as_created(
    analyte_catalogue, client, coordinator, patient_a, monkeypatch
):
    upload, page = queued_upload(client, coordinator, patient_a)
    ingest, calls = ingestion.lab_results_ingest, []

    def dies_on_the_second_chunk(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise WorkerDied
        return ingest(**kwargs)

    monkeypatch.setattr(ingestion, "lab_results_ingest", dies_on_the_second_chunk)
    with pytest.raises(WorkerDied):
        services.lab_upload_process(upload_id=upload.pk)
    upload.refresh_from_db()
    assert (upload.status, upload.processed_rows) == ("running", 250)
    assert LabResult.objects.count() == 250
    monkeypatch.setattr(ingestion, "lab_results_ingest", ingest)

    services.lab_upload_process(upload_id=upload.pk)

    upload.refresh_from_db()
    assert upload.status == "done" and upload.summary["created"] == ROWS
    report = list(csv.DictReader(io.StringIO(upload.report)))
    assert [row["row"] for row in report] == [str(n + 2) for n in range(ROWS)]
    assert {row["outcome"] for row in report} == {"created"}
    assert LabResult.objects.count() == ROWS and not LabUploadChunk.objects.exists()
    assert upload.attempts == 2 and "interrupted after 250 of 600 rows" in upload.notice
    assert "interrupted after 250 of 600 rows" in client.get(page).content.decode()


def test_a_redelivered_finished_upload_is_left_alone(
    analyte_catalogue, client, coordinator, patient_a
):
    upload, _ = queued_upload(client, coordinator, patient_a, rows=10)
    services.lab_upload_process(upload_id=upload.pk)
    upload.refresh_from_db()
    report = upload.report
    services.lab_upload_process(upload_id=upload.pk)
    upload.refresh_from_db()
    assert (upload.status, upload.attempts, upload.report) == ("done", 1, report)


def test_a_job_started_too_often_fails_with_a_message_instead_of_running_again(
    analyte_catalogue, client, coordinator, patient_a, settings
):
    upload, page = queued_upload(client, coordinator, patient_a, rows=10)
    LabUpload.objects.filter(pk=upload.pk).update(status="running", attempts=3)
    settings.JOB_MAX_ATTEMPTS = 3
    services.lab_upload_process(upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.status == "failed" and upload.error.startswith("Stopped after 3 attempts")
    assert not LabResult.objects.exists()
    assert "Stopped after 3 attempts" in client.get(page).content.decode()


def _silent_for(model, pk, minutes, **values):
    model.objects.filter(pk=pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(minutes=minutes), **values
    )


def test_the_stale_check_requeues_silent_uploads_and_leaves_busy_ones(
    analyte_catalogue, client, coordinator, patient_a, settings
):
    settings.JOB_STALE_AFTER_SECONDS = 600
    busy, _ = queued_upload(client, coordinator, patient_a, rows=10)
    _silent_for(LabUpload, busy.pk, 2, status="running", attempts=1)
    assert services.lab_uploads_recover_stale() == {}
    _silent_for(LabUpload, busy.pk, 11)
    # No broker in tests: the requeued task runs here and now (eager mode).
    assert services.lab_uploads_recover_stale() == {"requeued": 1}
    busy.refresh_from_db()
    assert busy.status == "done" and busy.summary["created"] == 10
    assert busy.notice.startswith("Processing was interrupted after 0 of 10 rows")


def test_the_stale_check_fails_a_job_past_the_attempt_limit(coordinator, settings):
    settings.JOB_STALE_AFTER_SECONDS, settings.JOB_MAX_ATTEMPTS = 600, 3
    job = ExportJob.objects.create(requested_by=coordinator, kind="tidy")
    _silent_for(ExportJob, job.pk, 30, status="running", attempts=3)
    assert export_services.exports_recover_stale() == {"failed": 1}
    job.refresh_from_db()
    assert job.status == "failed" and "Stopped after 3 attempts" in job.error
    assert job.finished_at is not None


def test_an_older_run_of_an_export_can_neither_finish_nor_fail_it(coordinator):
    job = ExportJob.objects.create(requested_by=coordinator, kind="dictionary")
    older, _ = job_claim(export_services.EXPORTS, job.pk)
    newer, interrupted = job_claim(export_services.EXPORTS, job.pk)
    assert interrupted and (older.attempts, newer.attempts) == (1, 2)
    with pytest.raises(export_services._Superseded):
        export_services._update(older, status="done", rows_done=5)
    export_services._fail(older, "a late failure of the older run")
    job.refresh_from_db()
    assert (job.status, job.error, job.rows_done) == ("running", "", 0)
