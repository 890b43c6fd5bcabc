"""POST /api/v1/exports/ and GET /api/v1/exports/{id}/: status, permission and shape."""

import uuid

import pytest

from longitudinal.models import ExportJob, ExportStatus
from tests.factories import staff
from tests.longitudinal.test_export_writer import cohort, study  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _request(client, capture, body):
    with capture(execute=True):
        return client.post("/api/v1/exports/", body, content_type="application/json")


def test_a_coordinator_requests_an_export_and_follows_it(
    client, coordinator, cohort, django_capture_on_commit_callbacks  # noqa: F811
):
    client.force_login(coordinator)
    body = {"kind": "wide", "date_mode": "days_from_baseline", "filters": {"site": "A"}}
    response = _request(client, django_capture_on_commit_callbacks, body)
    assert response.status_code == 202, response.json()
    data = response.json()
    assert (data["kind"], data["deidentified"], data["date_mode"], data["filters"]) == (
        "wide", True, "days_from_baseline", {"site": "A"})
    assert data["status"] == "pending" and response["Location"] == data["status_url"]
    status = client.get(data["status_url"]).json()
    assert status["status"] == "done" and status["percent"] == 100
    assert status["download_url"].endswith(f"/exports/{data['id']}/download/")
    assert client.get(status["download_url"]).status_code == 200


def test_an_identified_export_keeps_actual_dates_by_default(client, coordinator):
    client.force_login(coordinator)
    response = client.post("/api/v1/exports/", {"kind": "tidy", "deidentified": False},
                           content_type="application/json")
    assert response.status_code == 202 and response.json()["date_mode"] == "date"


@pytest.mark.parametrize("actor", ["clinician_a", "clinician_b"])
def test_clinicians_get_403(client, request, actor):
    client.force_login(request.getfixturevalue(actor))
    response = client.post("/api/v1/exports/", {"kind": "tidy"}, content_type="application/json")
    assert response.status_code == 403 and "coordinators" in response.json()["detail"]
    assert not ExportJob.objects.exists()


def test_a_lab_key_gets_403(client, lab_key):
    response = client.post("/api/v1/exports/", {"kind": "tidy"}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Api-Key {lab_key}")
    assert response.status_code == 403


@pytest.mark.parametrize("body, field", [
    ({"kind": "tidy", "filters": {"enrolled_from": "2025-02-01", "enrolled_to": "2025-01-01"}},
     "enrolled_to"),
    ({"kind": "tidy", "filters": {"site": "ZZ"}}, "site"),
    ({"kind": "tidy", "filters": {"condition": "no-such-thing"}}, "condition"),
    ({"kind": "tidy", "filters": {"colour": "red"}}, "filters"),
    ({"kind": "tidy", "filters": {"site": ["A"]}}, "filters"),
    ({"kind": "tidy", "filters": "site=A"}, "filters"),
    ({"kind": "everything"}, "kind"),
    ({"kind": "tidy", "date_mode": "date"}, "date_mode"),
    ({}, "kind"),
])
def test_bad_input_is_a_400_naming_the_field(client, coordinator, body, field):
    client.force_login(coordinator)
    response = client.post("/api/v1/exports/", body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not ExportJob.objects.exists()


def test_a_blinded_coordinator_cannot_filter_by_arm(client, coordinator, cohort):  # noqa: F811
    client.force_login(coordinator)
    body = {"kind": "tidy", "filters": {"study": "MSC", "arm": "D100"}}
    response = client.post("/api/v1/exports/", body, content_type="application/json")
    assert response.status_code == 403


def test_someone_elses_export_is_404(client, coordinator, admin_user, site_a):
    job = ExportJob.objects.create(requested_by=coordinator, kind="tidy",
                                   status=ExportStatus.RUNNING, rows_done=5, rows_total=20)
    client.force_login(staff("colin", "coordinator", [site_a]))
    assert client.get(f"/api/v1/exports/{job.public_id}/").status_code == 404
    assert client.get(f"/api/v1/exports/{uuid.uuid4()}/").status_code == 404
    client.force_login(admin_user)
    data = client.get(f"/api/v1/exports/{job.public_id}/").json()
    assert (data["status"], data["percent"], data["download_url"]) == ("running", 25, None)
