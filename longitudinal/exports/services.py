"""Export requests and runs: the ExportJob row is the audit (who, what, which filters,
when); the file is written by a Celery task (eager without a broker).

Writes: `export_request` (creates the job and queues it after commit), `export_run`
(the task's body), `exports_recover_stale` (Celery beat; core.jobs). Reads of jobs,
scoped to the person: `export_job_get`, `export_jobs_for`, `export_file_path`.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from core.jobs import JobKind, job_claim, job_enqueue, job_fail, jobs_recover_stale
from core.transient import is_transient
from longitudinal.exports import formats, pseudonyms, writers
from longitudinal.filters import CohortFilterForm
from longitudinal.models import ExportJob, ExportKind, ExportStatus
from longitudinal.selectors import cohort_queryset
from longitudinal.snapshots import snapshots_refresh_changed
from registry.access import can_view_cohort, patient_reads_record, role_of
from registry.models import Role

logger = logging.getLogger(__name__)

EXPORT_DIR = "exports"
# Beside each file, the primary keys of the patients in it, one a line: a download is
# logged per patient without reading the file back (de-identified files hold pseudonyms).
PATIENTS_SUFFIX = ".patients"
FILTER_NAMES = tuple(CohortFilterForm.base_fields)
EXPORTS = JobKind(
    model=ExportJob, waiting=ExportStatus.PENDING, running=ExportStatus.RUNNING,
    failed=ExportStatus.FAILED, created_field="requested_at", label="export",
)  # fmt: skip
QUEUE_DOWN = (
    "The export could not be queued: the task queue (Redis) did not answer. Nothing was "
    "written; request it again in a few minutes."
)


def export_rights_require(*, user) -> None:
    """403 for anyone but coordinators and administrators (clinicians, lab keys)."""
    if not can_view_cohort(user):
        raise PermissionDenied("Only coordinators and administrators can export cohort data.")


def cohort_filters_clean(*, user, filters: dict[str, Any] | None) -> CohortFilterForm:
    """The cohort filters validated for this person; ValidationError names each field."""
    filters = dict(filters or {})
    unknown = sorted(str(k) for k in filters if k not in FILTER_NAMES)
    if unknown:
        raise ValidationError({"filters": [
            f"Unknown filter {', '.join(unknown)}; filters are {', '.join(FILTER_NAMES)}."
        ]})
    form = CohortFilterForm(data=filters, user=user)
    if not form.is_valid():
        raise ValidationError({
            field: [e["message"] for e in errors]
            for field, errors in form.errors.get_json_data().items()
        })
    return form


def _as_json(form: CohortFilterForm) -> dict[str, str]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else str(v)
            for k, v in form.active().items()}


def recipient_clean(label: str | None) -> str:
    """The recipient label as recorded: spaces trimmed and collapsed; ValidationError
    for one too long or with control characters."""
    label = " ".join((label or "").split())
    if len(label) > pseudonyms.RECIPIENT_MAX_LENGTH:
        raise ValidationError({"recipient": [
            f"The recipient label has at most {pseudonyms.RECIPIENT_MAX_LENGTH} characters."
        ]})
    if not label.isprintable():
        raise ValidationError(
            {"recipient": ["The recipient label cannot hold control characters."]}
        )
    return label


def export_request(
    *,
    user,
    kind: str,
    deidentified: bool = True,
    filters: dict[str, Any] | None = None,
    date_mode: str | None = None,
    dictionary_format: str = "csv",
    recipient: str = "",
) -> ExportJob:
    """Record an export request (the audit row) and queue it once the row is committed.

    Without a date mode a de-identified export shifts dates and an identified one keeps
    them. `recipient` labels who receives the file; in a de-identified export it keys the
    pseudonyms and date shifts (docs/exports.md). 403 without export rights;
    ValidationError for bad filters or options.
    """
    export_rights_require(user=user)
    date_mode = date_mode or (formats.DATE_SHIFTED if deidentified else formats.DATE_ACTUAL)
    formats.check_options(kind=kind, deidentified=deidentified, date_mode=date_mode)
    if dictionary_format not in formats.DICTIONARY_FORMATS:
        raise ValidationError({"format": ["The dictionary comes as csv or md."]})
    recipient = recipient_clean(recipient)
    form = cohort_filters_clean(user=user, filters=filters)
    job = ExportJob.objects.create(
        requested_by=user,
        kind=kind,
        deidentified=deidentified,
        filters={
            "cohort": _as_json(form),
            "date_mode": date_mode,
            "format": dictionary_format if kind == ExportKind.DICTIONARY else "csv",
            "recipient": recipient,
        },
    )
    # After commit, so that a worker on another machine finds the row.
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _task():
    from longitudinal.tasks import export_run_task  # noqa: PLC0415 (tasks import this module)

    return export_run_task


def _enqueue(job_id: int) -> None:
    # A broker outage must not leave the job "waiting" forever, nor block the request.
    if not job_enqueue(_task(), job_id):
        job_fail(EXPORTS, job_id, QUEUE_DOWN, status=ExportStatus.PENDING)


class _Superseded(Exception):  # noqa: N818 - control flow, never escapes this module
    """A later run of this export started (this one was presumed lost): stop quietly."""


def export_run(*, job_id: int) -> ExportJob:
    """Write the job's file under MEDIA_ROOT/exports/, with progress.

    Runs with the requester's rights as they are now (sites, blinding): a coordinator
    who lost a site no longer exports it. Failures end as status "failed" with a message;
    only a lost database connection is raised (the task retries it). A run that starts
    after an interrupted one (redelivered, or requeued by the stale-job check) restarts
    the file from the beginning; every write of a run is fenced by its attempt number, so
    an older run still alive can neither finish nor fail the job.
    """
    job, interrupted = job_claim(EXPORTS, job_id)
    if job is None:
        return ExportJob.objects.get(pk=job_id)  # ended already, or given up
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    values = {"rows_done": 0, "rows_total": None}
    if interrupted:
        values["notice"] = (
            "The export was interrupted (the worker running it stopped) and restarted from "
            f"the beginning at {timezone.localtime():%H:%M} (attempt {job.attempts})."
        )
    try:
        _update(job, **values)
        _write_file(job)
    except _Superseded:
        logger.info("export job %s: run %s superseded by a later one", job.pk, job.attempts)
    except (ValidationError, PermissionDenied) as exc:
        _fail(job, _message(exc))
    except Exception as exc:
        if is_transient(exc):
            raise
        logger.exception("export job %s failed", job.pk)
        _fail(job, f"The export failed unexpectedly ({type(exc).__name__}); it was logged.")
    return job


def exports_recover_stale():
    """Celery beat: queue again (or fail) exports with no progress for too long."""
    return jobs_recover_stale(EXPORTS, _task())


def _write_file(job: ExportJob) -> None:
    user = job.requested_by
    export_rights_require(user=user)
    options = job.filters
    fmt = options.get("format", "csv")
    relative = f"{EXPORT_DIR}/{job.public_id}.{fmt if job.kind == ExportKind.DICTIONARY else 'csv'}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_partials(target)  # left by an earlier run whose worker died
    partial = target.with_name(f"{target.name}.{job.attempts}.part")  # one per run
    listing = target.with_name(target.name + PATIENTS_SUFFIX)
    listing_partial = listing.with_name(f"{listing.name}.{job.attempts}.part")
    form = None
    if job.kind != ExportKind.DICTIONARY:
        snapshots_refresh_changed()  # so the cohort is current
        form = cohort_filters_clean(user=user, filters=options.get("cohort"))
        cohort = cohort_queryset(user=user, form=form)
        _update(job, rows_total=writers.export_rows_estimate(cohort=cohort))
    try:
        with (partial.open("w", newline="", encoding="utf-8") as out,
              listing_partial.open("w", encoding="ascii") as patients):
            written = writers.export_write(
                kind=job.kind, user=user, form_or_filters=form, deidentified=job.deidentified,
                date_mode=options.get("date_mode", formats.DATE_SHIFTED), out=out,
                progress=lambda n: _update(job, rows_done=n),
                dictionary_format=fmt, recipient=options.get("recipient", ""),
                on_patient=lambda pk: patients.write(f"{pk}\n"),
            )
    except BaseException:
        partial.unlink(missing_ok=True)  # nothing half-written stays behind
        listing_partial.unlink(missing_ok=True)
        raise
    # Renamed only when complete (the list of patients first): a download never sees half
    # a file, nor a file whose patients are unknown.
    os.replace(listing_partial, listing)
    os.replace(partial, target)
    _update(job, status=ExportStatus.DONE, file=relative, rows_done=written,
            rows_total=written, finished_at=timezone.now())


def _remove_partials(target: Path) -> None:
    for partial in target.parent.glob(f"{target.name}*.part"):
        partial.unlink(missing_ok=True)


def _update(job: ExportJob, **values) -> None:
    """One UPDATE of the named columns and the heartbeat, by the job's latest run only."""
    for name, value in values.items():
        setattr(job, name, value)
    latest = ExportJob.objects.filter(pk=job.pk, attempts=job.attempts)
    if not latest.update(heartbeat_at=timezone.now(), **values):
        raise _Superseded


def _fail(job: ExportJob, message: str) -> None:
    with contextlib.suppress(_Superseded):  # a later run decides how this job ends
        _update(job, status=ExportStatus.FAILED, error=message[:500], finished_at=timezone.now())


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "Permission denied."


# --- Reads -------------------------------------------------------------------------------


def export_jobs_for(*, user) -> QuerySet[ExportJob]:
    """The export log: administrators see every export, coordinators their own."""
    export_rights_require(user=user)
    jobs = ExportJob.objects.select_related("requested_by").order_by("-requested_at", "-pk")
    return jobs if role_of(user) == Role.ADMINISTRATOR else jobs.filter(requested_by=user)


def export_job_get(*, user, public_id) -> ExportJob:
    """One export: its requester or an administrator; 404 for anyone else's."""
    try:
        return export_jobs_for(user=user).get(public_id=public_id)
    except (ExportJob.DoesNotExist, ValidationError):
        raise Http404("No export with this id is visible to you.") from None


def export_file_path(*, job: ExportJob) -> Path:
    """The finished file of a job; 404 while it is not ready or if it has gone."""
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404("The file is ready when the export has finished.")
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / job.file).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise Http404("The export file is no longer available.")
    return path


def export_download_open(*, user, public_id) -> tuple[ExportJob, Path]:
    """A finished export for its requester or an administrator, its patients noted as
    read by this person (one access-log row each); 404 otherwise, or when the list of
    its patients is missing (an export written before downloads were logged: ask again).
    """
    job = export_job_get(user=user, public_id=public_id)
    path = export_file_path(job=job)
    listing = path.with_name(path.name + PATIENTS_SUFFIX)
    try:
        with listing.open(encoding="ascii") as lines:
            patient_ids = [int(line) for line in lines]
    except FileNotFoundError:
        raise Http404(
            "This export was written before downloads were logged per patient; "
            "request it again."
        ) from None
    patient_reads_record(user=user, patient_ids=patient_ids)
    return job, path


def export_percent(*, job: ExportJob) -> int:
    if job.status == ExportStatus.DONE:
        return 100
    if not job.rows_total:
        return 0
    return min(99, int(100 * job.rows_done / job.rows_total))
