"""Export pages: the form, progress, download and log; who may use them."""

import csv
import io

import pytest

from longitudinal.models import ExportJob, ExportStatus
from tests.factories import staff
from tests.longitudinal.test_export_writer import cohort, study  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _post(client, capture, **data):
    body = {"kind": "tidy", "deidentified": "on", "date_mode": "shifted",
            "dictionary_format": "csv", **data}
    with capture(execute=True):
        return client.post("/exports/", body)


def test_the_form_offers_filters_and_options(client, coordinator):
    client.force_login(coordinator)
    response = client.get("/exports/?site=A")
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("kind", "deidentified", "date_mode", "site", "enrolled_from", "arm"):
        assert f'name="{name}"' in html
    assert 'value="A"' in html  # pre-filled from the dashboard's query string


def test_clinicians_cannot_export(client, clinician_a, django_capture_on_commit_callbacks):
    client.force_login(clinician_a)
    assert client.get("/exports/").status_code == 403
    assert _post(client, django_capture_on_commit_callbacks).status_code == 403
    assert not ExportJob.objects.exists()


def test_a_coordinator_exports_and_downloads_deidentified_data(
    client, coordinator, patient_a, cohort, django_capture_on_commit_callbacks  # noqa: F811
):
    client.force_login(coordinator)
    response = _post(client, django_capture_on_commit_callbacks, site="A")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/exports/{job.public_id}/"
    assert (job.requested_by, job.kind, job.deidentified, job.status) == (
        coordinator, "tidy", True, ExportStatus.DONE)
    assert job.filters == {"cohort": {"site": "A"}, "date_mode": "shifted", "format": "csv",
                           "recipient": ""}
    page = client.get(response.url)
    assert "Refresh" not in page
    html = page.content.decode()
    assert "<progress" in html and 'value="100"' in html and "/download/" in html
    download = client.get(f"/exports/{job.public_id}/download/")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    text = b"".join(download.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == job.rows_done == 6
    assert patient_a.family_name not in text and patient_a.mrn not in text
    assert patient_a.study_id not in text and "FR-" not in text


def test_the_dictionary_downloads_as_markdown(
    client, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    _post(client, django_capture_on_commit_callbacks, kind="dictionary", dictionary_format="md")
    job = ExportJob.objects.get()
    download = client.get(f"/exports/{job.public_id}/download/")
    assert download["Content-Type"].startswith("text/markdown")
    assert b"| tidy | score_or_value [measure=IL6]" in b"".join(download.streaming_content)


@pytest.mark.parametrize("data, message", [
    ({"enrolled_from": "2025-02-01", "enrolled_to": "2025-01-01"}, "before enrolled_from"),
    ({"site": "ZZ"}, "Unknown site"),
    ({"sex": "other"}, "Select a valid choice"),
    ({"deidentified": "on", "date_mode": "date"}, "cannot carry actual dates"),
])
def test_bad_input_re_renders_the_form_with_the_message(
    client, coordinator, data, message, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    response = _post(client, django_capture_on_commit_callbacks, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert not ExportJob.objects.exists()


def test_a_blinded_coordinator_cannot_filter_by_arm(
    client, coordinator, cohort, django_capture_on_commit_callbacks  # noqa: F811
):
    client.force_login(coordinator)
    response = _post(client, django_capture_on_commit_callbacks, study="MSC", arm="D100")
    assert response.status_code == 403


def test_a_running_export_refreshes_itself(client, coordinator):
    job = ExportJob.objects.create(requested_by=coordinator, kind="tidy",
                                   status=ExportStatus.RUNNING, rows_done=25, rows_total=100)
    client.force_login(coordinator)
    response = client.get(f"/exports/{job.public_id}/")
    assert response["Refresh"] == "2"
    html = response.content.decode()
    assert 'http-equiv="refresh"' in html and '<progress max="100" value="25"' in html
    assert "/download/" not in html
    assert client.get(f"/exports/{job.public_id}/download/").status_code == 404


def test_a_failed_export_shows_its_message(client, coordinator):
    job = ExportJob.objects.create(requested_by=coordinator, kind="tidy",
                                   status=ExportStatus.FAILED, error="Unknown site 'Q'.")
    client.force_login(coordinator)
    assert "Unknown site" in client.get(f"/exports/{job.public_id}/").content.decode()


def test_someone_elses_export_is_not_found(
    client, coordinator, admin_user, site_a, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    _post(client, django_capture_on_commit_callbacks, kind="dictionary")
    job = ExportJob.objects.get()
    other = staff("colin", "coordinator", [site_a])
    client.force_login(other)
    for suffix in ("", "download/"):
        assert client.get(f"/exports/{job.public_id}/{suffix}").status_code == 404
    client.force_login(admin_user)
    assert client.get(f"/exports/{job.public_id}/download/").status_code == 200


def test_the_log_shows_who_exported_what(client, coordinator, admin_user, site_a):
    other = staff("colin", "coordinator", [site_a])
    ExportJob.objects.create(requested_by=coordinator, kind="wide",
                             filters={"cohort": {"site": "A"}, "date_mode": "shifted"})
    ExportJob.objects.create(requested_by=other, kind="tidy", deidentified=False,
                             filters={"cohort": {"sex": "male"}, "date_mode": "date"})
    client.force_login(coordinator)
    html = client.get("/exports/log/").content.decode()
    assert "site = A" in html and "sex = male" not in html  # coordinators: their own
    client.force_login(admin_user)
    html = client.get("/exports/log/").content.decode()
    assert "site = A" in html and "sex = male" in html and "colin" in html


def test_the_admin_shows_exports_read_only(client, coordinator, django_user_model):
    job = ExportJob.objects.create(requested_by=coordinator, kind="tidy")
    client.force_login(django_user_model.objects.create_superuser("root", "r@x.org", "pw"))
    admin_client = client
    assert admin_client.get("/admin/longitudinal/exportjob/").status_code == 200
    change = admin_client.get(f"/admin/longitudinal/exportjob/{job.pk}/change/")
    assert change.status_code == 200 and b'name="_save"' not in change.content
    assert admin_client.post(f"/admin/longitudinal/exportjob/{job.pk}/delete/",
                             {"post": "yes"}).status_code == 403
    assert ExportJob.objects.filter(pk=job.pk).exists()
