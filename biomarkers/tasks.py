"""Celery tasks: take ids, call a service (HackSoftware style)."""

from celery import shared_task

from biomarkers import services


@shared_task(acks_late=True)
def lab_upload_process_task(upload_id: int) -> None:
    """Process an uploaded CSV of results (biomarkers.services.lab_upload_process)."""
    services.lab_upload_process(upload_id=upload_id)
