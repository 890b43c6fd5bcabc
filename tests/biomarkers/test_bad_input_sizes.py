"""Laboratory bodies up to LAB_RESULTS_MAX_BODY_BYTES are read (Django's 2.5 MB cap once
answered an HTML 400 for a valid 3.2 MB batch); larger ones get a 413 in each endpoint's
own format, decided from Content-Length before anything reads the body."""

import json

import hl7
import pytest

from tests.biomarkers.conftest import item

pytestmark = pytest.mark.django_db

BATCH = "/api/v1/lab-results/"
FHIR = "application/fhir+json"
ER7 = "x-application/hl7-v2+er7"
MB = 1024 * 1024


def _msa(response) -> hl7.Segment:
    assert response["Content-Type"].startswith(ER7)
    return hl7.parse(response.content.decode()).segment("MSA")


def _batch_of_bytes(patient, size: int) -> str:
    """A valid batch of at least ``size`` bytes: full results (method, device), printed
    with indentation as some laboratory systems send them, padded with spaces."""
    detail = {
        "method": "Immunoturbidimetry, high-sensitivity " + "M" * 150,
        "device": "Analyser " + "D" * 180,
        "specimen": "serum",
        "reference_range": "<5.0",
    }
    items = [item(patient, external_id=f"R-{n}", **detail) for n in range(5000)]
    body = json.dumps({"results": items}, indent=2)
    return body + " " * max(0, size - len(body))


def test_a_valid_3_mb_batch_is_accepted(lab_api, patient_a, analyte_catalogue):
    body = _batch_of_bytes(patient_a, int(3.2 * MB))
    assert len(body) > 3.1 * MB  # more than Django's 2.5 MB, which answered an HTML 400
    response = lab_api.post(BATCH, body)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["summary"]["created"] == 5000


def test_an_11_mb_json_batch_is_a_json_413_read_by_nobody(lab_api, patient_a):
    response = lab_api.post(BATCH, _batch_of_bytes(patient_a, 11 * MB))
    assert response.status_code == 413
    assert set(response.json()) == {"detail", "errors"}
    assert "the limit is 10485760 bytes" in response.json()["detail"]


def test_an_11_mb_fhir_body_is_an_operation_outcome_413(lab_api):
    response = lab_api.post("/api/v1/fhir", "{" + " " * 11 * MB + "}", FHIR)
    assert response.status_code == 413
    assert response.json()["issue"][0]["code"] == "too-costly"


def test_an_11_mb_hl7_body_is_an_ack_ar_413(lab_api):
    response = lab_api.post("/api/v1/hl7/oru", "MSH|^~\\&|" + "x" * 11 * MB, ER7)
    assert response.status_code == 413
    msa = _msa(response)
    assert str(msa(1)) == "AR" and "the limit is" in str(msa(3))
