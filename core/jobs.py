"""Background jobs that finish, or say they failed, whatever happens to workers and broker.

CSV uploads (biomarkers.LabUpload) and exports (longitudinal.ExportJob) are rows with a
`status`, `attempts` (runs started), `heartbeat_at` (last sign of progress), `notice`
(what happened on the way, shown on the job's page), `error` and `finished_at`. The rules
they share live here (docs/operations.md):

- `job_enqueue`: publish the task; a broker that does not answer within seconds
  (settings: CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_TASK_PUBLISH_RETRY_POLICY) returns
  False and the caller marks the job failed with a message: no web worker blocks, no job
  waits forever for a message that was never sent.
- `job_claim`: a run starts by claiming its job (attempts + 1, under a row lock). A
  finished or failed job is left alone (a redelivered message); past JOB_MAX_ATTEMPTS
  the job fails with a message instead of running again (a file that kills its worker
  every time must not loop).
- `jobs_recover_stale` (a Celery beat task per kind): a waiting or running job with no
  heartbeat for JOB_STALE_AFTER_SECONDS is queued again, or failed past the limit.

Late acknowledgement with `task_reject_on_worker_lost` redelivers a job whose worker
process died; the stale check covers what Redis cannot (a message lost with a Redis
restart, a worker's main process killed: its message returns only after the visibility
timeout). A run must therefore be safe to start twice: each kind says how.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobKind:
    """How one kind of job names its states and when it was created."""

    model: type[models.Model]
    waiting: str
    running: str
    failed: str
    created_field: str
    label: str  # "upload", "export": used in messages


def job_enqueue(task, job_id: int) -> bool:
    """Publish ``task(job_id)``; False (logged) when the broker cannot be reached."""
    try:
        task.delay(job_id)
    except Exception:  # any publishing failure: the caller records it on the job
        # Without a broker (eager mode) the task ran here: its own error is on the job.
        logger.exception("could not queue (or, eager, run) %s(%s)", task.name, job_id)
        return False
    return True


def job_fail(kind: JobKind, job_id: int, message: str, **match) -> int:
    """Mark a job failed (if it still matches ``match``); the number of rows changed."""
    return kind.model.objects.filter(pk=job_id, **match).update(
        status=kind.failed, error=message[:500], finished_at=timezone.now()
    )


def _gave_up(kind: JobKind, attempts: int) -> str:
    return (
        f"Stopped after {attempts} attempts: the worker running this {kind.label} stopped "
        "each time (for example it ran out of memory). The registry team has the details "
        "in the worker's log."
    )


def job_claim(kind: JobKind, job_id: int):
    """Start a run: (job, interrupted) with attempts counted, or (None, False) to stop.

    ``interrupted`` is True when an earlier run had started and never ended.
    """
    with transaction.atomic():
        job = kind.model.objects.select_for_update().get(pk=job_id)
        if job.status not in (kind.waiting, kind.running):
            return None, False  # finished or failed: a redelivered message
        if job.attempts >= settings.JOB_MAX_ATTEMPTS:
            job_fail(kind, job.pk, _gave_up(kind, job.attempts))
            return None, False
        interrupted = job.status == kind.running
        job.status, job.attempts, job.heartbeat_at = kind.running, job.attempts + 1, timezone.now()
        job.save(update_fields=["status", "attempts", "heartbeat_at"])
    return job, interrupted


def _minutes(delta: dt.timedelta) -> int:
    return max(1, round(delta.total_seconds() / 60))


def jobs_recover_stale(kind: JobKind, task) -> Counter:
    """Queue again (or fail) every waiting or running job silent for too long."""
    now = timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)
    stale = (
        kind.model.objects.filter(status__in=(kind.waiting, kind.running))
        .annotate(last_sign=Coalesce("heartbeat_at", kind.created_field))
        .filter(last_sign__lt=cutoff)
        .values_list("pk", flat=True)
    )
    counts: Counter = Counter()
    for job_id in list(stale):
        action = _recover_one(kind, job_id, cutoff, now)
        counts[action] += 1
        if action == "requeued" and not job_enqueue(task, job_id):
            counts["broker down"] += 1  # still waiting: the next check tries again
    if counts:
        logger.warning("stale %ss: %s", kind.label, dict(counts))
    return counts


def _recover_one(kind: JobKind, job_id: int, cutoff, now) -> str:
    with transaction.atomic():
        job = kind.model.objects.select_for_update().get(pk=job_id)
        last_sign = job.heartbeat_at or getattr(job, kind.created_field)
        if job.status not in (kind.waiting, kind.running) or last_sign >= cutoff:
            return "moved on"  # it ended, or showed progress, since the query above
        if job.attempts >= settings.JOB_MAX_ATTEMPTS:
            job_fail(kind, job.pk, _gave_up(kind, job.attempts))
            return "failed"
        silent = _minutes(now - last_sign)
        if job.status == kind.waiting:
            job.notice = (
                f"Waited {silent} min without starting (its queue message was lost); queued "
                f"again at {timezone.localtime(now):%H:%M}."
            )
        else:
            job.notice = (
                f"No progress for {silent} min (the worker running it stopped); queued again "
                f"at {timezone.localtime(now):%H:%M}."
            )
        # The check waits another full period before acting on this job again.
        job.heartbeat_at = now
        job.save(update_fields=["notice", "heartbeat_at"])
    return "requeued"
