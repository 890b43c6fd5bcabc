"""JSON nested too deep is a 400 with a message on the laboratory batch and an
OperationOutcome on FHIR, never a RecursionError (a 500); the cap is JSON_MAX_DEPTH."""

import json

import pytest

from biomarkers.models import LabResult
from tests.biomarkers.conftest import item

pytestmark = pytest.mark.django_db

BATCH = "/api/v1/lab-results/"
FHIR = "application/fhir+json"
# 100,000 nested arrays in 200 KB: json.loads recursed into a RecursionError (a 500).
DEEP = "[" * 100_000 + "]" * 100_000


def test_deeply_nested_json_on_the_lab_batch_is_a_400_with_a_message(lab_api, patient_a):
    response = lab_api.post(BATCH, json.dumps({"results": [item(patient_a)]})[:-1] + DEEP + "}")
    assert response.status_code == 400
    assert "nested more than 64 levels" in response.json()["detail"]
    assert LabResult.objects.count() == 0


@pytest.mark.parametrize("url", ["/api/v1/fhir", "/api/v1/fhir/Observation"])
@pytest.mark.parametrize("content_type", [FHIR, "application/json"])
def test_deeply_nested_json_on_fhir_is_an_operation_outcome(lab_api, url, content_type):
    response = lab_api.post(url, '{"resourceType": "Bundle", "entry": ' + DEEP + "}", content_type)
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "nested more than 64 levels" in outcome["issue"][0]["diagnostics"]


def test_the_depth_cap_is_a_setting(lab_api, patient_a, settings):
    body = json.dumps({"results": [item(patient_a)]})  # {[{"patient": {}}]}: 4 deep
    settings.JSON_MAX_DEPTH = 3
    assert lab_api.post(BATCH, body).status_code == 400
    settings.JSON_MAX_DEPTH = 4
    assert lab_api.post(BATCH, body).status_code == 200
