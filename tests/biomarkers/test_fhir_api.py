"""FHIR R4 endpoints: Observation, transaction and batch Bundles, OperationOutcome answers."""

import json

import pytest

from biomarkers.models import LabResult

pytestmark = pytest.mark.django_db

FHIR = "application/fhir+json"
LAB = "https://lab.example.org/results"


def observation(patient, value="R-1", **overrides):
    resource = {
        "resourceType": "Observation",
        "identifier": [{"system": LAB, "value": value}],
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "3074-2"}]},
        "subject": {
            "identifier": {"system": "urn:frailty-registry:study-id", "value": patient.study_id}
        },
        "effectiveDateTime": "2025-03-01T08:15:00+01:00",
        "issued": "2025-03-01T12:00:00Z",
        "valueQuantity": {
            "value": 1.6, "unit": "pg/mL", "system": "http://unitsofmeasure.org", "code": "pg/mL"
        },
    }  # fmt: skip
    resource.update(overrides)
    return resource


def bundle(kind, *resources, if_none_exist=False):
    entries = []
    for resource in resources:
        request = {"method": "POST", "url": resource["resourceType"]}
        if if_none_exist and resource["resourceType"] == "Observation":
            request["ifNoneExist"] = (
                f"Observation?identifier={LAB}|{resource['identifier'][0]['value']}"
            )
        entries.append(
            {"fullUrl": resource.pop("fullUrl", None), "resource": resource, "request": request}
        )
    for entry in entries:
        if entry["fullUrl"] is None:
            del entry["fullUrl"]
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def post(lab_api, path, body, content_type=FHIR):
    return lab_api.post(path, json.dumps(body), content_type=content_type)


def test_an_observation_is_created_with_a_location(lab_api, patient_a):
    response = post(lab_api, "/api/v1/fhir/Observation", observation(patient_a))
    assert response.status_code == 201
    result = LabResult.objects.get()
    assert response["Location"] == f"/api/v1/fhir/Observation/{result.pk}"
    assert response.json()["resourceType"] == "OperationOutcome"
    assert (result.analyte_id, str(result.value)) == ("TNFA", "1.600000000")
    read = lab_api.get(response["Location"])
    assert read.status_code == 200 and read.json()["valueQuantity"]["value"] == 1.6


def test_a_resent_observation_is_200_and_plain_json_is_accepted(lab_api, patient_a):
    post(lab_api, "/api/v1/fhir/Observation", observation(patient_a))
    again = post(lab_api, "/api/v1/fhir/Observation", observation(patient_a), "application/json")
    assert again.status_code == 200 and "Location" in again
    assert LabResult.objects.count() == 1


def test_an_unknown_patient_is_accepted_for_review(lab_api, patient_a):
    resource = observation(patient_a)
    resource["subject"]["identifier"]["value"] = "FR-999999"
    response = post(lab_api, "/api/v1/fhir/Observation", resource)
    assert response.status_code == 202
    assert "held for review" in response.json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    ("change", "status", "text"),
    [
        ({"status": "bogus"}, 400, "status"),
        ({"code": {"coding": [{"system": "http://snomed.info/sct", "code": "1"}]}}, 400, "loinc"),
        ({"identifier": None}, 400, "identifier"),
        ({"valueQuantity": {"value": 50000, "system": "http://unitsofmeasure.org",
                            "code": "pg/mL"}}, 422, "plausible"),
        ({"valueQuantity": {"value": 1, "system": "http://unitsofmeasure.org",
                            "code": "mmol/L"}}, 422, "Molar unit"),
    ],
)  # fmt: skip
def test_bad_observations_get_an_operation_outcome(lab_api, patient_a, change, status, text):
    resource = {k: v for k, v in {**observation(patient_a), **change}.items() if v is not None}
    response = post(lab_api, "/api/v1/fhir/Observation", resource)
    assert response.status_code == status
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert text.lower() in json.dumps(body).lower()
    assert LabResult.objects.count() == 0


def test_malformed_json_and_wrong_types_are_operation_outcomes(lab_api, patient_a):
    response = lab_api.post("/api/v1/fhir/Observation", "{", content_type=FHIR)
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"
    response = lab_api.post("/api/v1/fhir/Observation", "x", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["issue"][0]["code"] == "not-supported"
    response = post(lab_api, "/api/v1/fhir/Observation", {"resourceType": "Patient"})
    assert response.status_code == 400
    response = post(lab_api, "/api/v1/fhir/Observation", bundle("batch"))
    assert response.status_code == 400


def test_a_transaction_stores_every_entry(lab_api, patient_a):
    body = bundle("transaction", observation(patient_a, "T-1"), observation(patient_a, "T-2"))
    response = post(lab_api, "/api/v1/fhir", body)
    assert response.status_code == 200
    answer = response.json()
    assert answer["type"] == "transaction-response"
    assert [e["response"]["status"] for e in answer["entry"]] == ["201 Created"] * 2
    assert answer["entry"][0]["response"]["location"].startswith("Observation/")
    assert LabResult.objects.count() == 2


def test_a_transaction_is_all_or_nothing(lab_api, patient_a):
    bad = observation(patient_a, "T-2", valueQuantity={"value": 1, "code": "furlong"})
    response = post(
        lab_api, "/api/v1/fhir", bundle("transaction", observation(patient_a, "T-1"), bad)
    )
    assert response.status_code == 422
    assert response.json()["issue"][0]["expression"] == ["Bundle.entry[1]"]
    assert LabResult.objects.count() == 0
    unreadable = observation(patient_a, "T-3", status="nope")
    response = post(
        lab_api, "/api/v1/fhir", bundle("transaction", observation(patient_a), unreadable)
    )
    assert response.status_code == 400
    assert LabResult.objects.count() == 0


def test_a_batch_answers_per_entry(lab_api, patient_a):
    bad = observation(patient_a, "B-2", valueQuantity={"value": 1, "code": "furlong"})
    response = post(lab_api, "/api/v1/fhir", bundle("batch", observation(patient_a, "B-1"), bad))
    assert response.status_code == 200
    entries = response.json()["entry"]
    assert [e["response"]["status"] for e in entries] == ["201 Created", "422 Unprocessable Entity"]
    assert "Accepted units" in entries[1]["response"]["outcome"]["issue"][0]["diagnostics"]
    assert LabResult.objects.count() == 1


def test_if_none_exist_is_a_conditional_create(lab_api, patient_a):
    post(
        lab_api, "/api/v1/fhir", bundle("batch", observation(patient_a, "C-1"), if_none_exist=True)
    )
    changed = observation(patient_a, "C-1", status="amended")
    changed["valueQuantity"]["value"] = 2.5
    response = post(lab_api, "/api/v1/fhir", bundle("batch", changed, if_none_exist=True))
    assert response.json()["entry"][0]["response"]["status"] == "200 OK"
    assert str(LabResult.objects.get().value) == "1.600000000"


def test_a_patient_entry_identifies_the_subject(lab_api, patient_a):
    patient = {
        "resourceType": "Patient",
        "fullUrl": "urn:uuid:11111111-2222-3333-4444-555555555555",
        "identifier": [{"system": "urn:frailty-registry:site:A:mrn", "value": "A-1"}],
    }
    obs = observation(patient_a, subject={"reference": patient["fullUrl"]})
    response = post(lab_api, "/api/v1/fhir", bundle("transaction", patient, obs))
    assert response.status_code == 200
    statuses = [e["response"]["status"] for e in response.json()["entry"]]
    assert statuses == ["200 OK", "201 Created"]
    assert LabResult.objects.get().patient == patient_a


def test_an_entry_of_another_type_fails_a_transaction(lab_api, patient_a):
    body = bundle("transaction", observation(patient_a), {"resourceType": "Condition"})
    response = post(lab_api, "/api/v1/fhir", body)
    assert response.status_code == 400
    assert LabResult.objects.count() == 0
