"""A real Celery worker whose jobs go slowly, so that a test can kill it mid-job.

    python -m tests.faults.slow_worker worker --pool=solo --queues <queue> ...

FAULTS_STEP_SECONDS: the pause after each chunk of an upload (inside the chunk's
transaction, so a kill can land before its commit) and after each export progress step
(reported after every patient here). Everything else is the production worker.
"""

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from biomarkers.services import ingestion  # noqa: E402
from longitudinal.exports import services as export_services  # noqa: E402
from longitudinal.exports import writers  # noqa: E402

PAUSE = float(os.environ.get("FAULTS_STEP_SECONDS", "0"))
_ingest, _update = ingestion.lab_results_ingest, export_services._update


def slow_ingest(**kwargs):
    report = _ingest(**kwargs)
    time.sleep(PAUSE)
    return report


def slow_update(job, **values):
    _update(job, **values)
    if "rows_done" in values:
        time.sleep(PAUSE)


ingestion.lab_results_ingest = slow_ingest
export_services._update = slow_update
writers.PROGRESS_EVERY = 1

if __name__ == "__main__":
    from config.celery_app import app

    app.worker_main(sys.argv[1:])
