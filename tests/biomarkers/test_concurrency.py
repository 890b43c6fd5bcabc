"""Duplicate posts racing each other produce exactly one row (PostgreSQL, real threads).

The unique constraint on (source, external_id) decides, not a read-then-write check:
each thread has its own connection and transaction, as gunicorn workers would.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from biomarkers import services
from biomarkers.models import LabResult
from biomarkers.patient_scope import patient_scope_registry
from conftest import need_service
from tests.biomarkers.conftest import item, records

THREADS = 6


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_racing_duplicate_batches_store_each_result_once(analyte_catalogue, lab_source, patient_a):
    if connection.vendor != "postgresql":
        need_service("the concurrency test needs PostgreSQL (set DATABASE_URL)")
    payload = [item(patient_a, external_id=f"RACE-{n}", value=str(n % 50)) for n in range(200)]
    barrier = threading.Barrier(THREADS)

    def post_once(_):
        try:
            barrier.wait()
            report = services.lab_results_ingest(
                source=lab_source, records=records(*payload), scope=patient_scope_registry()
            )
            return [i.outcome for i in report.items]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(THREADS) as pool:
        runs = list(pool.map(post_once, range(THREADS)))

    assert LabResult.objects.count() == len(payload)
    assert LabResult.history.count() == len(payload)
    for index in range(len(payload)):
        outcomes = sorted(run[index] for run in runs)
        assert outcomes == ["created"] + ["unchanged"] * (THREADS - 1)
