"""Celery tasks: take ids, call a service (HackSoftware style)."""

from celery import shared_task

from longitudinal import export_services


@shared_task(acks_late=True)
def export_run_task(job_id: int) -> None:
    """Write one export's file (longitudinal.export_services.export_run); never raises."""
    export_services.export_run(job_id=job_id)
