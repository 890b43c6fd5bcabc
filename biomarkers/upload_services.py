"""A CSV upload as a job that survives its worker (core.jobs; docs/operations.md).

`biomarkers.services.lab_upload_process` ingests the file chunk by chunk; this module
keeps the job's state: queueing, claiming a run, committing each chunk's outcomes with
its progress, the end, and the stale-job check run by Celery beat.

A run can start again at any point (a redelivered message, the stale-job check, two
workers at once): every chunk is ingested in one transaction that locks the upload row,
stores the chunk's per-row outcomes and moves `processed_rows`. A resumed run therefore
starts after the last committed chunk, never ingests a row twice, and reports the rows of
earlier runs as they were (`created`, not `unchanged`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from biomarkers.models import LabUpload, LabUploadChunk, UploadStatus
from core.jobs import JobKind, job_claim, job_enqueue, job_fail, jobs_recover_stale

UPLOADS = JobKind(
    model=LabUpload, waiting=UploadStatus.QUEUED, running=UploadStatus.RUNNING,
    failed=UploadStatus.FAILED, created_field="created_at", label="upload",
)  # fmt: skip
QUEUE_DOWN = (
    "The task queue (Redis) did not answer, so the file was not processed and no result "
    "was stored. Upload it again in a few minutes; if this keeps happening, tell the "
    "registry team."
)


def _task():
    from biomarkers.tasks import lab_upload_process_task  # noqa: PLC0415 (tasks import services)

    return lab_upload_process_task


def lab_upload_enqueue(*, upload_id: int) -> None:
    """Queue the processing (called after commit); a broker outage fails the upload."""
    if not job_enqueue(_task(), upload_id):
        job_fail(UPLOADS, upload_id, QUEUE_DOWN, status=UploadStatus.QUEUED)


def lab_upload_claim(*, upload_id: int) -> LabUpload | None:
    """Start a run (None: finished, failed or given up); say so when it resumes."""
    upload, interrupted = job_claim(UPLOADS, upload_id)
    if upload is None:
        return None
    if interrupted:
        notice = (
            f"Processing was interrupted after {upload.processed_rows:,} of "
            f"{upload.total_rows:,} rows (the worker running it stopped) and resumed from "
            f"there at {timezone.localtime():%H:%M} (attempt {upload.attempts})."
        )
        LabUpload.objects.filter(pk=upload_id).update(notice=notice)
    return LabUpload.objects.select_related("source", "uploaded_by").get(pk=upload_id)


def lab_upload_next_chunk(*, upload: LabUpload) -> int | None:
    """In the chunk's transaction: lock the upload and return its first uncommitted row.

    None when every row is committed, or when the upload ended meanwhile (failed by the
    stale-job check, finished by another run).
    """
    locked = LabUpload.objects.select_for_update().only("status", "processed_rows", "total_rows")
    current = locked.get(pk=upload.pk)
    if current.status != UploadStatus.RUNNING or current.processed_rows >= current.total_rows:
        return None
    return current.processed_rows


def lab_upload_chunk_done(
    *, upload: LabUpload, start: int, rows: int, outcomes: list[dict[str, Any]]
) -> None:
    """In the chunk's transaction: its outcomes and the progress commit with its results."""
    LabUploadChunk.objects.create(upload=upload, start=start, outcomes=outcomes)
    upload.processed_rows = start + rows
    LabUpload.objects.filter(pk=upload.pk).update(
        processed_rows=upload.processed_rows, heartbeat_at=timezone.now()
    )


def lab_upload_outcomes(*, upload: LabUpload) -> list[dict[str, Any]]:
    """Every row's outcome, in file order, whichever run committed it."""
    chunks = LabUploadChunk.objects.filter(upload=upload).order_by("start")
    return [outcome for chunk in chunks.iterator() for outcome in chunk.outcomes]


@transaction.atomic
def lab_upload_finish(*, upload: LabUpload, report: str, summary: dict[str, int]) -> LabUpload:
    """Done, with the report; the chunk rows have served their purpose."""
    current = LabUpload.objects.select_for_update().get(pk=upload.pk)
    if current.status != UploadStatus.RUNNING:
        return current  # another run finished it first
    current.report, current.summary = report, summary
    current.status, current.finished_at = UploadStatus.DONE, timezone.now()
    current.save(update_fields=["report", "summary", "status", "finished_at"])
    LabUploadChunk.objects.filter(upload=current).delete()
    return current


def lab_upload_fail(*, upload: LabUpload, error: str) -> None:
    job_fail(UPLOADS, upload.pk, error, status=UploadStatus.RUNNING)
    upload.status, upload.error = UploadStatus.FAILED, error[:500]


def lab_uploads_recover_stale():
    """Celery beat: queue again (or fail) uploads with no progress for too long."""
    return jobs_recover_stale(UPLOADS, _task())
