"""Celery tasks of core. Thin: each calls a function that holds the rule."""

from celery import shared_task

from core.idempotency import form_submissions_purge


@shared_task(name="core.tasks.purge_form_submissions")
def purge_form_submissions() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): forget form tokens too old to be submitted."""
    return form_submissions_purge()
