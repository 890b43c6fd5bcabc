"""Pages: ?visit= that names none of the patient's visits is a 400 (it was int() of the
query string: a 500), and a CSV holding NUL bytes is refused with a message (PostgreSQL
text cannot store NUL: the upload failed with a 500)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from biomarkers.models import LabResult, LabUpload

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel_url(patient_a, visit_of_a):
    return f"/labs/patients/{patient_a.study_id}/results/new/"


@pytest.mark.parametrize("visit", ["abc", "99999999", " ", "1.5"])
def test_a_visit_that_names_none_of_the_patients_visits_is_a_400(client_a, panel_url, visit):
    response = client_a.get(panel_url, {"visit": visit})
    if visit.strip():
        assert response.status_code == 400
        assert "not one of this patient&#x27;s visits" in response.content.decode()
    else:
        assert response.status_code == 200  # blank: the latest visit, as without ?visit=


def test_a_posted_visit_that_is_not_a_number_is_a_form_error(client_a, panel_url):
    response = client_a.post(panel_url, {"visit": "abc", "collected_time": "08:30"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_the_visit_in_the_address_is_preselected(client_a, panel_url, visit_of_a):
    response = client_a.get(panel_url, {"visit": visit_of_a.pk})
    assert response.status_code == 200
    assert f'<option value="{visit_of_a.pk}" selected>' in response.content.decode()


def test_a_csv_with_nul_bytes_is_refused_with_a_message(client, coordinator, patient_a):
    client.force_login(coordinator)
    text = (
        "study_id,analyte,value,unit,collected_at,external_id,status\n"
        f"{patient_a.study_id},CRP,1.2,mg/dL,2025-03-01T08:00:00+00:00,C-\x001,final\n"
    )
    file = SimpleUploadedFile("r.csv", text.encode(), content_type="text/csv")
    response = client.post("/labs/uploads/", {"source_name": "LIS", "file": file})
    assert response.status_code == 400
    assert "NUL characters" in response.content.decode()
    assert LabUpload.objects.count() == 0 and LabResult.objects.count() == 0
