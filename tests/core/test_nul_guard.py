"""NUL characters are refused with a 400 before any database lookup (PostgreSQL cannot
store them; schemathesis found the 500 they caused)."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_nul_in_a_form_body_is_a_400(client_a):
    response = client_a.post(
        "/api/v1/patients/", "site=A%00&mrn=1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_a_nul_in_json_or_the_path_is_a_400(client_a, patient_a):
    body = '{"date": "2025-01-01", "instrument": "cfs", "inputs": {"note": "a\\u0000b"}}'
    url = f"/api/v1/patients/{patient_a.study_id}/assessments/"
    assert client_a.post(url, body, content_type="application/json").status_code == 400
    assert client_a.get("/patients/FR-%00/").status_code == 400
    assert client_a.get("/patients/", {"q": "a\x00"}).status_code == 400


def test_ordinary_requests_pass(client_a, patient_a):
    assert client_a.get(f"/patients/{patient_a.study_id}/").status_code == 200
