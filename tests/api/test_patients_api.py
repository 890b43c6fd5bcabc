"""API.md "Patients and visits": round trips, error envelope, scoping, lab keys."""

import pytest

from registry.models import Patient

pytestmark = pytest.mark.django_db

BODY = {
    "site": "A", "mrn": "A-900", "given_name": "Olive", "family_name": "Hart",
    "date_of_birth": "1941-07-04", "sex": "female", "enrolled_on": "2025-02-03",
}


@pytest.fixture
def api_a(client_a):
    return client_a


def test_a_clinician_creates_and_reads_back_a_patient(api_a, site_a):
    created = api_a.post("/api/v1/patients/", BODY, content_type="application/json")
    assert created.status_code == 201, created.json()
    study_id = created.json()["study_id"]
    assert study_id.startswith("FR-")
    read = api_a.get(f"/api/v1/patients/{study_id}/")
    assert read.json()["family_name"] == "Hart" and read.json()["site"] == "A"


def test_patch_changes_a_field_and_keeps_history(api_a, patient_a):
    response = api_a.patch(
        f"/api/v1/patients/{patient_a.study_id}/", {"status": "withdrawn"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert [h.status for h in patient_a.history.all()[:2]] == ["withdrawn", "active"]


def test_errors_use_the_documented_envelope(api_a, site_a):
    response = api_a.post(
        "/api/v1/patients/", {**BODY, "sex": "x", "date_of_birth": "1941-02-30"},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert set(body["errors"]) == {"sex", "date_of_birth"}


def test_duplicate_mrn_is_a_400_with_a_message(api_a, patient_a):
    response = api_a.post(
        "/api/v1/patients/", {**BODY, "mrn": patient_a.mrn}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "already exists at this site" in str(response.json()["errors"])


def test_it_lists_with_filters_and_pagination(client, coordinator, patient_a, patient_b):
    client.force_login(coordinator)
    body = client.get("/api/v1/patients/", {"site": "B"}).json()
    assert body["count"] == 1 and body["results"][0]["study_id"] == patient_b.study_id
    assert client.get("/api/v1/patients/", {"q": "Archer"}).json()["count"] == 1


def test_an_unknown_site_filter_is_a_400(client_a):
    assert client_a.get("/api/v1/patients/", {"site": "ZZ"}).status_code == 400


def test_another_sites_patient_is_a_404(client, clinician_b, patient_a):
    client.force_login(clinician_b)
    assert client.get(f"/api/v1/patients/{patient_a.study_id}/").status_code == 404


def test_coordinators_cannot_create_patients(client, coordinator, site_a):
    client.force_login(coordinator)
    response = client.post("/api/v1/patients/", BODY, content_type="application/json")
    assert response.status_code == 403
    assert not Patient.objects.exists()


def test_visits_round_trip(api_a, patient_a):
    url = f"/api/v1/patients/{patient_a.study_id}/visits/"
    posted = api_a.post(
        url, {"date": "2025-01-15", "kind": "baseline", "weight_kg": "64", "height_cm": "160"},
        content_type="application/json",
    )
    assert posted.status_code == 201, posted.json()
    listed = api_a.get(url).json()["results"]
    assert listed[0]["bmi"] == pytest.approx(25.0)


def test_a_second_baseline_is_a_400(api_a, patient_a):
    url = f"/api/v1/patients/{patient_a.study_id}/visits/"
    first = {"date": "2025-01-15", "kind": "baseline"}
    api_a.post(url, first, content_type="application/json")
    second = api_a.post(url, {**first, "date": "2025-02-15"}, content_type="application/json")
    assert second.status_code == 400
    assert "baseline" in second.json()["detail"] + str(second.json()["errors"])


@pytest.mark.parametrize("path", ["/api/v1/patients/", "/api/v1/patients/{study_id}/",
                                  "/api/v1/patients/{study_id}/visits/"])
def test_a_lab_key_cannot_list_or_read_patients(client, lab_key, patient_a, path):
    response = client.get(
        path.format(study_id=patient_a.study_id), HTTP_AUTHORIZATION=f"Api-Key {lab_key}"
    )
    assert response.status_code in (401, 403)
    assert patient_a.family_name not in response.text


def test_anonymous_requests_are_refused(client, patient_a):
    assert client.get("/api/v1/patients/").status_code in (401, 403)
