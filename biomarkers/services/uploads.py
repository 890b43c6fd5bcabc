"""CSV uploads of results by coordinators: stored, then ingested chunk by chunk by a task."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from biomarkers import upload_services
from biomarkers.models import LabUpload
from biomarkers.parsing.jsonitem import CSV_COLUMNS, csv_item, json_record
from biomarkers.patient_scope import patient_scope_for_user
from biomarkers.services import ingestion
from biomarkers.services.inbox import check_inbox_access
from biomarkers.services.items import IngestReport, ItemOutcome
from biomarkers.services.sources import lab_source_for_file
from core import csvsafe
from core.transient import is_transient

UPLOAD_CHUNK = 250  # rows per ingestion call: progress moves, each chunk commits alone
REPORT_COLUMNS = ("row", "external_id", "outcome", "id", "errors", "notes")


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
    # not answer marks the upload failed with a message (biomarkers.upload_services).
    transaction.on_commit(lambda: upload_services.lab_upload_enqueue(upload_id=upload.pk))
    return upload


def lab_upload_process(*, upload_id: int) -> LabUpload:
    """Ingest an uploaded CSV chunk by chunk, then write the per-row outcome report.

    Safe to start again at any point (biomarkers.upload_services): a redelivered task
    or a requeued one resumes after the last committed chunk.
    """
    upload = upload_services.lab_upload_claim(upload_id=upload_id)
    if upload is None:
        return LabUpload.objects.get(pk=upload_id)  # finished, failed or given up
    try:
        _process_rows(upload)
    except Exception as exc:
        if not is_transient(exc):  # a lost database: the task is retried and resumes
            upload_services.lab_upload_fail(upload=upload, error=str(exc))
        raise
    outcomes = [_outcome_from_json(o) for o in upload_services.lab_upload_outcomes(upload=upload)]
    return upload_services.lab_upload_finish(
        upload=upload, report=_report_csv(outcomes), summary=IngestReport(tuple(outcomes)).summary()
    )


def _process_rows(upload: LabUpload) -> None:
    """One transaction per chunk: its results, outcomes and progress commit together."""
    _, rows = _csv_rows(upload.content)
    # The uploader's sites when the file is processed: rows for anyone else are refused.
    scope = patient_scope_for_user(upload.uploaded_by)
    while True:
        with transaction.atomic():
            start = upload_services.lab_upload_next_chunk(upload=upload)
            if start is None:
                return
            chunk = rows[start : start + UPLOAD_CHUNK]
            records = [json_record(start + n, csv_item(row)) for n, row in enumerate(chunk)]
            report = ingestion.lab_results_ingest(
                source=upload.source, records=records, scope=scope, actor=upload.uploaded_by
            )
            outcomes = [dataclasses.asdict(item) for item in report.items]
            upload_services.lab_upload_chunk_done(
                upload=upload, start=start, rows=len(chunk), outcomes=outcomes
            )


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
