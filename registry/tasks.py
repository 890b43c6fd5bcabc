"""Celery tasks of the registry. Thin: each calls a service (which holds the rules)."""

from celery import shared_task

from registry.studies import services as study_services


@shared_task(name="registry.tasks.notify_overdue_visits")
def notify_overdue_visits() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): notify clinicians of study visits now overdue."""
    return study_services.overdue_visits_notify()
