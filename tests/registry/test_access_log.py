"""The access log: every read of patient data is written, through one mechanism
(registry.access notes the read, registry.middleware writes it after the response).

The URL matrix (tests/test_url_matrix.py) checks every route; these tests check the reads
the review found missing, what a row holds, and what happens when it cannot be written.
"""

import datetime as dt

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from registry import services
from registry.models import AccessLog
from tests.factories import PatientFactory, VisitFactory

pytestmark = pytest.mark.django_db


def _logged() -> set[tuple[str, str, str]]:
    return {(a.user.username, a.patient.study_id, a.path)
            for a in AccessLog.objects.select_related("user", "patient")}


def test_the_patient_list_page_logs_each_patient_it_shows(client_a, patient_a, site_a):
    other = PatientFactory(site=site_a, family_name="Zeller")
    client_a.get("/patients/")
    assert _logged() == {
        ("alice", patient_a.study_id, "/patients/"), ("alice", other.study_id, "/patients/"),
    }


def test_the_patient_list_api_logs_the_patients_of_the_page(client_a, patient_a, site_a):
    PatientFactory(site=site_a, family_name="Zeller")  # on page 2
    response = client_a.get("/api/v1/patients/?page_size=1")
    shown = response.json()["results"][0]["study_id"]
    assert _logged() == {("alice", shown, "/api/v1/patients/")}


def test_a_list_is_logged_with_one_insert_whatever_its_length(client_a, site_a):
    inserts = []
    for n in (2, 20):
        PatientFactory.create_batch(n, site=site_a)
        with CaptureQueriesContext(connection) as ctx:
            client_a.get("/patients/")
        inserts.append(sum(
            q["sql"].startswith("INSERT") and "registry_accesslog" in q["sql"]
            for q in ctx.captured_queries
        ))
    assert inserts == [1, 1]
    assert AccessLog.objects.count() == 2 + 22  # a row per patient shown, each time


def test_the_visit_summary_is_logged(client, coordinator, patient_a):
    visit = VisitFactory(patient=patient_a, date=dt.date(2025, 3, 1))
    client.force_login(coordinator)
    path = f"/assessments/{patient_a.study_id}/visits/{visit.pk}/"
    assert client.get(path).status_code == 200
    assert _logged() == {("cora", patient_a.study_id, path)}


def test_the_lab_panel_page_is_logged(client_a, patient_a):
    VisitFactory(patient=patient_a, date=dt.date(2025, 3, 1))
    path = f"/labs/patients/{patient_a.study_id}/results/new/"
    assert client_a.get(path).status_code == 200
    assert _logged() == {("alice", patient_a.study_id, path)}


def test_a_refusal_logs_nothing(client, clinician_b, coordinator, patient_a):
    client.force_login(clinician_b)
    assert client.get(f"/patients/{patient_a.study_id}/").status_code == 404
    client.force_login(coordinator)  # read-only: may not open the visit form
    assert client.get(f"/patients/{patient_a.study_id}/visits/new/").status_code == 403
    assert not AccessLog.objects.exists()


def test_the_history_page_lists_earlier_reads(client_a, patient_a):
    client_a.get(f"/patients/{patient_a.study_id}/")
    page = client_a.get(f"/patients/{patient_a.study_id}/history/").content.decode()
    assert f"GET /patients/{patient_a.study_id}/" in page


def test_a_read_that_cannot_be_logged_is_not_shown(client_a, patient_a, monkeypatch):
    def broken(**kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(services, "access_log_write", broken)
    response = client_a.get(f"/patients/{patient_a.study_id}/")
    assert response.status_code == 503 and response["Retry-After"]
    assert patient_a.family_name not in response.content.decode()


# --- Export downloads -----------------------------------------------------------------------


@pytest.fixture
def finished_export(settings, tmp_path, coordinator, patient_a, patient_b,
                    django_capture_on_commit_callbacks):
    """A de-identified export of both patients by the coordinator, written to disk."""
    from longitudinal.exports import services as export_services
    from longitudinal.snapshots import snapshots_refresh_changed

    settings.MEDIA_ROOT = tmp_path
    for patient in (patient_a, patient_b):
        VisitFactory(patient=patient, date=dt.date(2025, 3, 1), kind="baseline")
    snapshots_refresh_changed()
    with django_capture_on_commit_callbacks(execute=True):
        job = export_services.export_request(user=coordinator, kind="wide")
    job.refresh_from_db()
    assert job.status == "done", job.error
    return job


def test_an_export_download_logs_every_patient_in_the_file(
    client, coordinator, patient_a, patient_b, finished_export
):
    client.force_login(coordinator)
    path = f"/exports/{finished_export.public_id}/download/"
    assert client.get(path).status_code == 200
    assert _logged() == {("cora", patient_a.study_id, path), ("cora", patient_b.study_id, path)}


def test_an_administrator_downloading_someone_elses_export_is_logged(
    client, admin_user, patient_a, patient_b, finished_export
):
    client.force_login(admin_user)
    path = f"/exports/{finished_export.public_id}/download/"
    assert client.get(path).status_code == 200
    assert _logged() == {("ada", patient_a.study_id, path), ("ada", patient_b.study_id, path)}
    client.get(f"/exports/{finished_export.public_id}/")  # the progress page shows no patient
    assert AccessLog.objects.count() == 2
