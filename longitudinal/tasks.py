"""Celery tasks: take ids, call a service (HackSoftware style)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from longitudinal.exports import services as export_services


# A lost database connection is retried (the export restarts); a lost worker is
# redelivered (task_reject_on_worker_lost, docs/operations.md).
@shared_task(
    acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=30,
    retry_backoff_max=600, max_retries=5,
)  # fmt: skip
def export_run_task(job_id: int) -> None:
    """Write one export's file (longitudinal.exports.services.export_run)."""
    export_services.export_run(job_id=job_id)


@shared_task
def exports_recover_stale_task() -> None:
    """Celery beat: requeue or fail exports with no progress (core.jobs)."""
    export_services.exports_recover_stale()
