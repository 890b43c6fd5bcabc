"""Racing submissions store once on PostgreSQL (real threads, one connection each).

The database decides, not a check in this process: the token is inserted first in the
request's transaction, so the second INSERT of the same token waits on the unique index
until the first transaction ends; the lab panel's natural key is checked under a lock on
the patient's row, so two panels with different tokens cannot both store one result.
"""

import datetime as dt
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from biomarkers import services
from biomarkers.models import LabResult
from conftest import need_service
from core import idempotency
from core.idempotency import FIELD, form_token_new
from core.models import FormSubmission
from longitudinal.alerts import alerts_evaluate
from longitudinal.models import Alert
from tests.factories import VisitFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

THREADS = 4
HOLD_SECONDS = 0.5  # how long the first submission keeps its transaction open
CRP = {"analyte": "CRP", "value": "12.5", "unit": "mg/L"}


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        need_service("the concurrency tests need PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def visit(catalogues, patient_a):
    return VisitFactory(patient=patient_a, date=dt.date(2025, 3, 1))


def _slow(monkeypatch, module, name):
    """Keep each call's transaction open a while, so that racing requests overlap."""
    original = getattr(module, name)

    def held(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(HOLD_SECONDS)
        return result

    monkeypatch.setattr(module, name, held)


def _race(work, count=THREADS):
    barrier = threading.Barrier(count)

    def run(n):
        try:
            barrier.wait()
            return work(n)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_a_second_insert_of_a_token_waits_for_the_first_transaction(clinician_a, rf):
    token = idempotency.form_token_parse(form_token_new())
    request = rf.post("/")
    request.user = clinician_a
    outcome = {}

    def second():
        try:
            outcome["claim"] = idempotency._claim(request, token)
        finally:
            connections.close_all()

    with transaction.atomic():
        assert idempotency._claim(request, token) is not None
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(HOLD_SECONDS)
        assert racer.is_alive(), "the second INSERT should wait on the unique index"
    racer.join(10)

    assert outcome["claim"] is None  # the first committed: already recorded
    assert FormSubmission.objects.count() == 1


def test_racing_double_submits_of_a_panel_store_once(monkeypatch, clinician_a, patient_a, visit):
    _slow(monkeypatch, services, "lab_panel_enter")
    url = reverse("biomarkers:panel_entry", args=[patient_a.study_id])
    data = {"visit": visit.pk, "collected_time": "09:00", "value_CRP": "12.5",
            "unit_CRP": "mg/L", FIELD: form_token_new()}
    clients = [Client() for _ in range(THREADS)]
    for client in clients:
        client.force_login(clinician_a)

    responses = _race(lambda n: clients[n].post(url, data))

    assert [r.status_code for r in responses] == [302] * THREADS
    assert len({r.url for r in responses}) == 1
    assert LabResult.objects.count() == 1
    alerts_evaluate(patient_ids=[patient_a.pk])
    assert Alert.objects.count() == 1


def test_racing_double_submits_of_a_registry_form_store_once(monkeypatch, clinician_a, patient_a):
    from registry.models import AdverseEvent
    from registry.studies import services as study_services

    _slow(monkeypatch, study_services, "adverse_event_create")
    url = reverse("registry:adverse_event_create", args=[patient_a.study_id])
    data = {"onset_date": "2025-02-10", "description": "Fall", "severity": "moderate",
            "relatedness": "unrelated", "action_taken": "none", "outcome": "recovered",
            FIELD: form_token_new()}
    clients = [Client() for _ in range(THREADS)]
    for client in clients:
        client.force_login(clinician_a)

    responses = _race(lambda n: clients[n].post(url, data))

    assert [r.status_code for r in responses] == [302] * THREADS
    assert AdverseEvent.objects.count() == 1


def test_racing_panels_with_different_tokens_store_a_result_once(clinician_a, visit):
    collected = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)

    def enter(_):
        try:
            with transaction.atomic():
                services.lab_panel_enter(actor=clinician_a, visit=visit,
                                         collected_at=collected, entries=[CRP])
                time.sleep(HOLD_SECONDS / 2)
            return "stored"
        except ValidationError as exc:
            return "already recorded" if "Already recorded" in str(exc) else str(exc)

    outcomes = _race(enter)

    assert sorted(outcomes) == ["already recorded"] * (THREADS - 1) + ["stored"]
    assert LabResult.objects.count() == 1
