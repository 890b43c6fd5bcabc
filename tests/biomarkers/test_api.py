"""The laboratory endpoints: status, permission and shape (API.md "Laboratory results")."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from biomarkers.models import LabClient, LabResult
from tests.biomarkers.conftest import item

pytestmark = pytest.mark.django_db

URL = "/api/v1/lab-results/"


def batch(*items):
    return json.dumps({"results": list(items)})


def test_a_lab_posts_a_batch_and_gets_one_outcome_per_item(lab_api, patient_a):
    good = item(patient_a, value=12.25)
    bad = item(patient_a, external_id="R-2", unit="mg")
    response = lab_api.post(URL, batch(good, bad).replace("12.25", "12.50"))
    assert response.status_code == 200
    body = response.json()
    assert [r["outcome"] for r in body["results"]] == ["created", "rejected"]
    assert body["results"][0]["id"] == LabResult.objects.get().pk
    assert "Accepted units: mg/L, mg/dL, ug/mL, g/L" in body["results"][1]["errors"][0]
    assert body["summary"]["created"] == 1 and body["summary"]["rejected"] == 1
    assert LabResult.objects.get().reported_value == "12.50"  # exactly as sent


def test_a_resent_batch_is_unchanged(lab_api, patient_a):
    lab_api.post(URL, batch(item(patient_a)))
    response = lab_api.post(URL, batch(item(patient_a)))
    assert response.json()["results"][0]["outcome"] == "unchanged"


def test_people_and_strangers_cannot_post(client, clinician_a, patient_a):
    assert client.post(URL, batch(), content_type="application/json").status_code == 401
    client.force_login(clinician_a)
    assert client.post(URL, batch(), content_type="application/json").status_code == 403
    client.logout()
    bad_key = {"HTTP_AUTHORIZATION": "Api-Key nope.nope"}
    response = client.post(URL, batch(), content_type="application/json", **bad_key)
    assert response.status_code == 401


def test_a_revoked_key_is_refused(client, lab_key, lab_client):
    lab_client.revoked = True
    lab_client.save()
    response = client.get(URL, HTTP_AUTHORIZATION=f"Api-Key {lab_key}")
    assert response.status_code == 401


def test_a_wrong_content_type_is_415(lab_api, patient_a):
    response = lab_api.post(URL, batch(item(patient_a)), content_type="text/csv")
    assert response.status_code == 415
    assert "text/csv" in response.json()["detail"]


def test_malformed_json_is_400(lab_api):
    response = lab_api.post(URL, '{"results": [', content_type="application/json")
    assert response.status_code == 400
    assert "Malformed JSON" in response.json()["detail"]
    response = lab_api.post(URL, '{"results": [NaN]}')
    assert response.status_code == 400


@pytest.mark.parametrize("body", ["[]", '{"items": []}', '{"results": {}}', '"x"'])
def test_a_wrong_envelope_is_400(lab_api, body):
    response = lab_api.post(URL, body)
    assert response.status_code == 400
    assert "results" in response.json()["errors"]


def test_more_than_5000_items_is_413(lab_api, patient_a):
    response = lab_api.post(URL, json.dumps({"results": [{}] * 5001}))
    assert response.status_code == 413
    assert "at most 5000" in response.json()["detail"]
    assert LabResult.objects.count() == 0


def test_a_body_over_the_byte_limit_is_413(lab_api, patient_a, settings):
    settings.LAB_RESULTS_MAX_BODY_BYTES = 100
    response = lab_api.post(URL, batch(item(patient_a)))
    assert response.status_code == 413


def test_items_that_are_not_objects_are_rejected_one_by_one(lab_api, patient_a):
    response = lab_api.post(URL, json.dumps({"results": [1, item(patient_a), None]}))
    assert [r["outcome"] for r in response.json()["results"]] == ["rejected", "created", "rejected"]


# --- read-back -----------------------------------------------------------------------------


def test_a_lab_reads_back_only_what_it_posted(lab_api, client, patient_a):
    lab_api.post(URL, batch(item(patient_a, value="<0.5", analyte="HSCRP")))
    response = lab_api.get(URL, external_id="R-1")
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["value"] == "0.5" and result["comparator"] == "<"
    assert result["reported_value"] == "<0.5" and "patient" not in result
    _, other_key = LabClient.objects.create_key(name="Other Lab")
    other = client.get(URL, {"external_id": "R-1"}, HTTP_AUTHORIZATION=f"Api-Key {other_key}")
    assert other.json()["results"] == []


def test_a_lab_key_cannot_read_patients(lab_api, patient_a):
    assert lab_api.get("/api/v1/patients/").status_code == 403
    path = f"/api/v1/patients/{patient_a.study_id}/lab-results/"
    assert lab_api.get(path).status_code == 403


# --- a patient's results --------------------------------------------------------------------


def test_a_clinician_reads_canonical_values_with_filters(lab_api, client_a, patient_a):
    lab_api.post(
        URL,
        batch(
            item(patient_a, value="1.2", unit="mg/dL"),
            item(patient_a, analyte="IL6", value="0.004", unit="ng/mL", external_id="R-2",
                 collected_at="2025-04-01T08:00:00Z"),
        ),
    )  # fmt: skip
    path = f"/api/v1/patients/{patient_a.study_id}/lab-results/"
    results = client_a.get(path).json()["results"]
    assert [(r["analyte"], r["value"], r["unit"]) for r in results] == [
        ("IL6", "4", "pg/mL"), ("CRP", "12", "mg/L")
    ]  # fmt: skip
    crp = results[1]
    assert (crp["reported_value"], crp["reported_unit"], crp["source"]) == (
        "1.2",
        "mg/dL",
        "Central Lab",
    )
    assert crp["flags"][0]["code"] == "ACUTE_INFLAMMATION"
    assert [r["analyte"] for r in client_a.get(path, {"analyte": "crp"}).json()["results"]] == [
        "CRP"
    ]
    assert len(client_a.get(path, {"date_from": "2025-03-15"}).json()["results"]) == 1
    assert len(client_a.get(path, {"date_to": "2025-03-15"}).json()["results"]) == 1
    assert client_a.get(path, {"date_from": "yesterday"}).status_code == 400


def test_another_site_gets_404(client, clinician_b, patient_a):
    client.force_login(clinician_b)
    assert client.get(f"/api/v1/patients/{patient_a.study_id}/lab-results/").status_code == 404


def test_the_patient_list_runs_a_fixed_number_of_queries(lab_api, client_a, patient_a):
    path = f"/api/v1/patients/{patient_a.study_id}/lab-results/"
    lab_api.post(URL, batch(item(patient_a)))
    with CaptureQueriesContext(connection) as few:
        client_a.get(path)
    lab_api.post(URL, batch(*[item(patient_a, external_id=f"X{n}") for n in range(20)]))
    with CaptureQueriesContext(connection) as many:
        assert len(client_a.get(path).json()["results"]) == 21
    assert len(many) == len(few)


def test_a_retracted_result_disappears_from_the_patient_list(lab_api, client_a, patient_a):
    lab_api.post(URL, batch(item(patient_a)))
    lab_api.post(URL, batch(item(patient_a, value=None, status="entered-in-error")))
    path = f"/api/v1/patients/{patient_a.study_id}/lab-results/"
    assert client_a.get(path).json()["results"] == []
    assert LabResult.objects.get().value == Decimal("12.5")
