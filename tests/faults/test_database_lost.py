"""The database connection killed in the middle of a lab payload (issue 18.1).

The registry's own connection is terminated from another connection (pg_terminate_backend)
at several points of a 1,000-item JSON batch: during the bulk insert, during the history
copy, while resent items are compared, and after the ingestion (the COMMIT fails). Every
time the answer is 503 + Retry-After in the API's shape, none of the batch is stored,
and the resend stores the rest exactly once. Before the fix the lab got HTTP 200 with
every new item "rejected" (the one-by-one fallback on a dead connection) or an HTML 500.
"""

import json

import pytest
from django.db import connection

from biomarkers import bulk, services
from biomarkers.models import Hl7Message, LabResult
from biomarkers.services import versions
from tests.biomarkers.conftest import item
from tests.biomarkers.test_fhir_api import bundle, observation
from tests.biomarkers.test_hl7_api import oru
from tests.faults.conftest import need_postgresql, terminate

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

STORED_BEFORE, BATCH = 400, 1000


@pytest.fixture
def kill_the_connection(monkeypatch):
    """kill_the_connection(module, name): terminate the registry's connection when called."""
    need_postgresql()

    def arm(module, name, *, after=False):
        original = getattr(module, name)

        def killing(*args, **kwargs):
            if not after:
                terminate(pid=connection.connection.info.backend_pid)
            result = original(*args, **kwargs)
            if after:
                terminate(pid=connection.connection.info.backend_pid)
            return result

        monkeypatch.setattr(module, name, killing)
        return lambda: monkeypatch.setattr(module, name, original)

    yield arm
    connection.close()  # the killed connection is gone for good; teardown reconnects


def batch(patient, count=BATCH):
    return {"results": [item(patient, external_id=f"K-{n:04d}", value=str(1 + n % 40))
                        for n in range(count)]}  # fmt: skip


def post_json(lab_api, body):
    return lab_api.post("/api/v1/lab-results/", json.dumps(body))


def assert_try_again(response):
    assert response.status_code == 503, response.content[:500]
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize(
    "point",
    [(bulk, "insert_new_results", False), (bulk, "copy_to_history", False),
     (versions, "_resend_outcome", False), (services, "lab_results_ingest", True)],
    ids=["during the insert", "during the history copy", "while comparing resends",
         "at commit"],
)  # fmt: skip
def test_a_killed_connection_answers_503_and_the_resend_stores_the_rest_once(
    analyte_catalogue, lab_api, patient_a, kill_the_connection, point
):
    assert post_json(lab_api, batch(patient_a, STORED_BEFORE)).status_code == 200
    module, name, after = point
    disarm = kill_the_connection(module, name, after=after)

    response = post_json(lab_api, batch(patient_a))

    assert_try_again(response)
    assert response.json()["errors"] == {} and "try" in response.json()["detail"].lower()
    disarm()
    connection.close()
    assert LabResult.objects.count() == STORED_BEFORE  # none of the batch, never part
    assert LabResult.history.count() == STORED_BEFORE
    again = post_json(lab_api, batch(patient_a))
    assert again.status_code == 200
    outcomes = [r["outcome"] for r in again.json()["results"]]
    assert outcomes.count("created") == BATCH - STORED_BEFORE
    assert outcomes.count("unchanged") == STORED_BEFORE
    assert LabResult.objects.count() == BATCH
    assert LabResult.objects.values("external_id").distinct().count() == BATCH
    assert LabResult.history.count() == BATCH


def test_a_fhir_bundle_is_answered_with_a_transient_operation_outcome(
    analyte_catalogue, lab_api, patient_a, kill_the_connection
):
    disarm = kill_the_connection(bulk, "insert_new_results")
    body = bundle("batch", *[observation(patient_a, value=f"F-{n}") for n in range(BATCH)])
    response = lab_api.post("/api/v1/fhir", json.dumps(body), content_type="application/fhir+json")
    assert_try_again(response)
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert [i["code"] for i in outcome["issue"]] == ["transient"]
    disarm()
    connection.close()
    assert not LabResult.objects.exists()
    again = lab_api.post("/api/v1/fhir", json.dumps(body), content_type="application/fhir+json")
    assert again.status_code == 200 and LabResult.objects.count() == BATCH


def test_an_hl7_message_is_answered_ae_and_applied_when_resent(
    analyte_catalogue, lab_api, patient_a, kill_the_connection
):
    disarm = kill_the_connection(bulk, "insert_new_results")
    response = lab_api.post("/api/v1/hl7/oru", oru(), content_type="x-application/hl7-v2+er7")
    assert_try_again(response)
    ack = response.content.decode()
    assert "MSA|AE|MSG-1" in ack and "ERR|" in ack, ack
    disarm()
    connection.close()
    # The message id was not recorded: the resend is applied, not "a duplicate".
    assert not Hl7Message.objects.exists() and not LabResult.objects.exists()
    again = lab_api.post("/api/v1/hl7/oru", oru(), content_type="x-application/hl7-v2+er7")
    assert "MSA|AA|MSG-1" in again.content.decode() and LabResult.objects.count() == 2


def test_a_page_whose_connection_dies_answers_a_friendly_503(
    client, clinician_a, patient_a, kill_the_connection
):
    from registry import selectors as registry_selectors

    client.force_login(clinician_a)
    kill_the_connection(registry_selectors, "patient_detail")
    response = client.get(f"/patients/{patient_a.study_id}/")
    assert_try_again(response)
    assert response["Content-Type"].startswith("text/html")
    assert "briefly unavailable" in response.content.decode()
