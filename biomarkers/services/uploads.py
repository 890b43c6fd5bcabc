"""CSV uploads of results by coordinators: stored, then ingested chunk by chunk by a task.

``lab_upload_create`` checks the file's columns, stores it and queues
``biomarkers.tasks.lab_upload_process_task`` once the upload is committed;
``lab_upload_process`` ingests it in chunks of ``UPLOAD_CHUNK`` rows through
``lab_results_ingest`` and writes the per-row outcome report.

An upload is a job that survives its worker (core.jobs; docs/operations.md). A run can
start again at any point (a redelivered message, the stale-job check, two workers at
once): every chunk is ingested in one transaction that locks the upload row, stores the
chunk's per-row outcomes and moves ``processed_rows``. A resumed run therefore starts
after the last committed chunk, never ingests a row twice, and reports the rows of
earlier runs as they were (``created``, not ``unchanged``).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from biomarkers.models import LabUpload, LabUploadChunk, UploadStatus
from biomarkers.parsing.jsonitem import CSV_COLUMNS, csv_item, json_record
from biomarkers.patient_scope import patient_scope_for_user
from biomarkers.services import ingestion
from biomarkers.services.inbox import check_inbox_access
from biomarkers.services.items import IngestReport, ItemOutcome
from biomarkers.services.sources import lab_source_for_file
from core import csvsafe
from core.jobs import JobKind, job_claim, job_enqueue, job_fail, jobs_recover_stale
from core.transient import is_transient

UPLOAD_CHUNK = 250  # rows per ingestion call: progress moves, each chunk commits alone
REPORT_COLUMNS = ("row", "external_id", "outcome", "id", "errors", "notes")
UPLOADS = JobKind(
    model=LabUpload, waiting=UploadStatus.QUEUED, running=UploadStatus.RUNNING,
    failed=UploadStatus.FAILED, created_field="created_at", label="upload",
)  # fmt: skip
QUEUE_DOWN = (
    "The task queue (Redis) did not answer, so the file was not processed and no result "
    "was stored. Upload it again in a few minutes; if this keeps happening, tell the "
    "registry team."
)


# --- the file ----------------------------------------------------------------------------


def lab_upload_create(*, actor, source_name: str, filename: str, content: str) -> LabUpload:
    """Store a coordinator's CSV and queue its processing once the upload is committed."""
    check_inbox_access(actor)
    try:
        columns, rows = _csv_rows(content)
    except csv.Error as exc:
        raise ValidationError({"file": [f"The file is not readable CSV: {exc}."]}) from exc
    _check_columns(columns)
    if not rows:
        raise ValidationError({"file": ["The file has a header but no rows."]})
    upload = LabUpload.objects.create(
        uploaded_by=actor,
        source=lab_source_for_file(name=source_name, owner=actor),
        filename=filename[:200],
        content=content,
        total_rows=len(rows),
    )
    # After commit, so that a worker on another machine finds the row; a broker that does
    # not answer marks the upload failed with a message (lab_upload_enqueue below).
    transaction.on_commit(lambda: lab_upload_enqueue(upload_id=upload.pk))
    return upload


def lab_upload_process(*, upload_id: int) -> LabUpload:
    """Ingest an uploaded CSV chunk by chunk, then write the per-row outcome report.

    Safe to start again at any point (see the module docstring): a redelivered task
    or a requeued one resumes after the last committed chunk.
    """
    upload = lab_upload_claim(upload_id=upload_id)
    if upload is None:
        return LabUpload.objects.get(pk=upload_id)  # finished, failed or given up
    try:
        _process_rows(upload)
    except Exception as exc:
        if not is_transient(exc):  # a lost database: the task is retried and resumes
            lab_upload_fail(upload=upload, error=str(exc))
        raise
    outcomes = [_outcome_from_json(o) for o in lab_upload_outcomes(upload=upload)]
    return lab_upload_finish(
        upload=upload, report=_report_csv(outcomes), summary=IngestReport(tuple(outcomes)).summary()
    )


def _process_rows(upload: LabUpload) -> None:
    """One transaction per chunk: its results, outcomes and progress commit together."""
    _, rows = _csv_rows(upload.content)
    # The uploader's sites when the file is processed: rows for anyone else are refused.
    scope = patient_scope_for_user(upload.uploaded_by)
    while True:
        with transaction.atomic():
            start = lab_upload_next_chunk(upload=upload)
            if start is None:
                return
            chunk = rows[start : start + UPLOAD_CHUNK]
            records = [json_record(start + n, csv_item(row)) for n, row in enumerate(chunk)]
            report = ingestion.lab_results_ingest(
                source=upload.source, records=records, scope=scope, actor=upload.uploaded_by
            )
            outcomes = [dataclasses.asdict(item) for item in report.items]
            lab_upload_chunk_done(upload=upload, start=start, rows=len(chunk), outcomes=outcomes)


def _csv_rows(content: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(content))
    rows = list(reader)
    return [name.strip() for name in reader.fieldnames or []], rows


def _check_columns(columns: list[str]) -> None:
    missing = [c for c in ("value", "unit", "collected_at", "external_id", "status")
               if c not in columns]  # fmt: skip
    if "analyte" not in columns and "loinc" not in columns:
        missing.append("analyte or loinc")
    if "study_id" not in columns and not {"site", "mrn"} <= set(columns):
        missing.append("study_id, or site and mrn")
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    errors = []
    if missing:
        errors.append(f"Missing column(s): {', '.join(missing)}.")
    if unknown:
        errors.append(f"Unknown column(s): {', '.join(unknown)}. Known: {', '.join(CSV_COLUMNS)}.")
    if errors:
        raise ValidationError({"file": errors})


def _outcome_from_json(data: dict[str, Any]) -> ItemOutcome:
    return ItemOutcome(**{**data, "errors": tuple(data["errors"]), "notes": tuple(data["notes"])})


def _report_csv(outcomes: Sequence[ItemOutcome]) -> str:
    out = io.StringIO()
    # External ids and messages echo what the laboratory sent: the registry's CSV writer
    # keeps a value such as '=HYPERLINK(...)' from running as a spreadsheet formula.
    writer = csvsafe.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for item in outcomes:
        writer.writerow([
            item.index + 2,  # the line in the file: the header is line 1
            item.external_id or "", item.outcome, item.id or "",
            "; ".join(item.errors), "; ".join(item.notes),
        ])  # fmt: skip
    return out.getvalue()


# --- the job (core.jobs) -----------------------------------------------------------------


def _task():
    # The one cycle allowed: biomarkers.tasks imports this package to call
    # lab_upload_process, so the task is looked up when it is queued, not at import.
    from biomarkers.tasks import lab_upload_process_task  # noqa: PLC0415

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
