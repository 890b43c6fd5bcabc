"""Request bodies are measured by Content-Length before anything reads them
(core.middleware): pages and people's API answer a readable 413, Django's own refusals
under /api/ are JSON, and file uploads keep the room their forms allow."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
FORM = "application/x-www-form-urlencoded"


def test_a_page_refuses_an_oversize_form_with_a_readable_413(client_a):
    body = "given_name=" + "x" * 3 * MB
    response = client_a.post("/patients/new/", body, content_type=FORM)
    assert response.status_code == 413
    page = response.content.decode()
    assert "This request could not be accepted" in page and "at most 2,621,440" in page


def test_the_people_api_refuses_an_oversize_json_body_with_a_json_413(client_a):
    body = '{"given_name": "' + "x" * 3 * MB + '"}'
    response = client_a.post("/api/v1/patients/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {
        "detail": f"The request is {len(body):,} bytes; at most 2,621,440 are accepted.",
        "errors": {},
    }


def test_too_many_form_fields_under_the_api_are_a_json_400(client_a, settings):
    body = "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client_a.post("/api/v1/patients/", body, content_type=FORM)
    assert response.status_code == 400
    assert "too many form fields" in response.json()["detail"]


def test_djangos_own_body_cap_under_the_api_is_a_json_413(client_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100  # below REQUEST_MAX_BODY_BYTES: a misconfiguration
    body = '{"given_name": "' + "x" * 200 + '"}'
    response = client_a.post("/api/v1/patients/", body, content_type="application/json")
    assert response.status_code == 413
    assert set(response.json()) == {"detail", "errors"}


def test_a_file_upload_may_be_larger_than_a_form(client, coordinator):
    """Uploads are capped at UPLOAD_MAX_BODY_BYTES; the form names the file limit."""
    client.force_login(coordinator)
    text = "study_id,analyte\n" + "FR-000001,CRP\n" * (3 * MB // 14)
    file = SimpleUploadedFile("big.csv", text.encode(), content_type="text/csv")
    response = client.post("/labs/uploads/", {"source_name": "LIS", "file": file})
    assert response.status_code == 400  # the form's verdict on the columns, not a 413
    assert "Missing column" in response.content.decode()


def test_an_upload_over_the_upload_cap_is_a_readable_413(client, coordinator, settings):
    settings.UPLOAD_MAX_BODY_BYTES = 1000
    client.force_login(coordinator)
    file = SimpleUploadedFile("big.csv", b"x" * 2000, content_type="text/csv")
    response = client.post("/labs/uploads/", {"source_name": "LIS", "file": file})
    assert response.status_code == 413
    assert "at most 1,000" in response.content.decode()
