"""Celery tasks: take ids, call a service (HackSoftware style)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from biomarkers import services


# A lost database connection is retried (the run resumes after its last committed chunk);
# a lost worker is redelivered (task_reject_on_worker_lost, docs/operations.md).
@shared_task(
    acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=30,
    retry_backoff_max=600, max_retries=5,
)  # fmt: skip
def lab_upload_process_task(upload_id: int) -> None:
    """Process an uploaded CSV of results (biomarkers.services.lab_upload_process)."""
    services.lab_upload_process(upload_id=upload_id)


@shared_task
def lab_uploads_recover_stale_task() -> None:
    """Celery beat: requeue or fail uploads with no progress (core.jobs)."""
    services.lab_uploads_recover_stale()
