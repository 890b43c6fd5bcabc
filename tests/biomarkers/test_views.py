"""Pages: manual entry, the patient-page table, result history, inbox and CSV uploads."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from biomarkers.models import LabResult, LabUpload, ParkedLabResult, ParkedStatus
from tests.biomarkers.conftest import ingest, item
from tests.factories import VisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(patient_a):
    return VisitFactory(patient=patient_a, date=dt.date(2025, 3, 1))


def entry_url(patient):
    return f"/labs/patients/{patient.study_id}/results/new/"


def test_the_entry_page_offers_the_core_analytes_and_the_others_on_demand(
    client_a, patient_a, visit
):
    page = client_a.get(entry_url(patient_a)).content.decode()
    for code in ("IL6", "TNFA", "CRP", "FIB", "DDIMER_FEU"):
        assert f'name="value_{code}"' in page
    assert "<details>" in page and 'name="value_HSCRP"' in page
    assert '<option value="g/L">g/L</option>' in page  # a unit choice per analyte


def test_a_clinician_saves_a_panel_and_sees_canonical_values(client_a, patient_a, visit):
    data = {"visit": visit.pk, "collected_time": "08:30", "value_FIB": "3.1", "unit_FIB": "g/L",
            "value_IL6": "<1.5", "unit_IL6": "pg/mL"}  # fmt: skip
    response = client_a.post(entry_url(patient_a), data, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "310 mg/dL" in page and "&lt;1.5 pg/mL" in page
    fib = LabResult.objects.get(analyte="FIB")
    assert (fib.visit, fib.reported_value, fib.reported_unit) == (visit, "3.1", "g/L")
    assert fib.collected_at.hour == 8


def test_a_bad_value_is_shown_next_to_its_analyte_and_nothing_is_saved(client_a, patient_a, visit):
    data = {"visit": visit.pk, "collected_time": "08:30", "value_FIB": "3.1", "unit_FIB": "g/L",
            "value_TNFA": "20000", "unit_TNFA": "pg/mL"}  # fmt: skip
    response = client_a.post(entry_url(patient_a), data)
    assert response.status_code == 400
    assert "plausible range" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert LabResult.objects.count() == 0


def test_an_empty_panel_is_refused(client_a, patient_a, visit):
    response = client_a.post(entry_url(patient_a), {"visit": visit.pk, "collected_time": "08:30"})
    assert response.status_code == 400 and "at least one value" in response.content.decode()


def test_without_a_visit_the_clinician_is_sent_to_record_one(client_a, patient_a):
    response = client_a.get(entry_url(patient_a))
    assert response.status_code == 302


def test_the_patient_page_shows_the_latest_value_per_analyte(client_a, patient_a, lab_source):
    ingest(
        lab_source,
        item(patient_a, analyte="HSCRP", value="<0.5", external_id="1",
             collected_at="2025-01-01T08:00:00Z"),
        item(patient_a, analyte="HSCRP", value="2.5", external_id="2",
             collected_at="2025-02-01T08:00:00Z"),
        item(patient_a, analyte="IL6", value="<0.5", external_id="3"),
    )  # fmt: skip
    page = client_a.get(f"/patients/{patient_a.study_id}/").content.decode()
    assert "&lt;0.5" in page and "2.5" in page
    latest = LabResult.objects.get(external_id="2")
    assert f"/labs/patients/{patient_a.study_id}/results/{latest.pk}/history/" in page


def test_the_patient_panel_runs_a_fixed_number_of_queries(patient_a, clinician_a, lab_source):
    from biomarkers.selectors import lab_panel_context

    ingest(lab_source, item(patient_a))
    with CaptureQueriesContext(connection) as few:
        lab_panel_context(patient=patient_a, user=clinician_a)
    many = [item(patient_a, analyte=a, external_id=f"{a}{n}", value="1",
                 unit={"IL6": "pg/mL", "TNFA": "pg/mL"}.get(a, "mg/L"))
            for a in ("IL6", "TNFA", "CRP") for n in range(10)]  # fmt: skip
    ingest(lab_source, *many)
    with CaptureQueriesContext(connection) as more:
        context = lab_panel_context(patient=patient_a, user=clinician_a)
    assert len(context["latest"]) == 3
    assert len(more) == len(few)


def test_the_history_page_shows_every_version(client_a, patient_a, lab_source):
    ingest(lab_source, item(patient_a))
    ingest(lab_source, item(patient_a, value="14", status="amended"))
    result = LabResult.objects.get()
    page = client_a.get(f"/labs/patients/{patient_a.study_id}/results/{result.pk}/history/")
    text = page.content.decode()
    assert "12.5 mg/L" in text and "14 mg/L" in text and "amended from Central Lab" in text


# --- inbox ---------------------------------------------------------------------------------


@pytest.fixture
def parked(lab_source, patient_a):
    ingest(lab_source, item(patient_a, patient={"site": "A", "mrn": "X"}))
    return ParkedLabResult.objects.get()


def test_a_coordinator_matches_from_the_inbox(client, coordinator, parked, patient_a):
    client.force_login(coordinator)
    assert "A-1" not in client.get("/labs/inbox/").content.decode()
    response = client.post(
        f"/labs/inbox/{parked.pk}/", {"match": "1", "study_id": patient_a.study_id}
    )
    assert response.status_code == 302
    parked.refresh_from_db()
    assert parked.status == ParkedStatus.MATCHED
    assert LabResult.objects.get().patient == patient_a


def test_matching_to_an_unknown_patient_says_so(client, coordinator, parked):
    client.force_login(coordinator)
    response = client.post(f"/labs/inbox/{parked.pk}/", {"match": "1", "study_id": "FR-424242"})
    assert (
        response.status_code == 400 and "No patient with this study id" in response.content.decode()
    )


def test_a_coordinator_discards_from_the_inbox(client, coordinator, parked):
    client.force_login(coordinator)
    response = client.post(f"/labs/inbox/{parked.pk}/", {"discard": "1", "note": "Duplicate"})
    assert response.status_code == 302
    parked.refresh_from_db()
    assert parked.status == ParkedStatus.DISCARDED


# --- CSV uploads (eager Celery; the real worker runs in test_celery_worker.py) ---------------

CSV = (
    "study_id,analyte,value,unit,collected_at,external_id,status\n"
    "{sid},CRP,1.2,mg/dL,2025-03-01T08:00:00+00:00,C-1,final\n"
    "{sid},CRP,oops,mg/dL,2025-03-01T08:00:00+00:00,C-2,final\n"
    "FR-999999,IL6,2.0,pg/mL,2025-03-01T08:00:00+00:00,C-3,final\n"
)


def upload(client, text, name="results.csv"):
    file = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client.post("/labs/uploads/", {"source_name": "Hospital LIS export", "file": file})


def test_a_csv_upload_is_processed_with_a_per_row_report(
    client, coordinator, patient_a, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, CSV.format(sid=patient_a.study_id))
    assert response.status_code == 302
    done = LabUpload.objects.get()
    assert done.status == "done" and done.processed_rows == 3
    assert done.summary["created"] == 1 and done.summary["rejected"] == 2
    page = client.get(response.url).content.decode()
    assert 'value="100"' in page and "report" in page
    report = client.get(response.url + "report.csv")
    assert report["Content-Type"].startswith("text/csv")
    lines = report.content.decode().splitlines()
    assert lines[0] == "row,external_id,outcome,id,errors,notes"
    assert lines[1].startswith("2,C-1,created,")
    assert lines[2].startswith("3,C-2,rejected,,\"value: Cannot read a number from 'oops'")
    # A patient the uploader cannot reach (here: nobody) is refused, never parked.
    assert lines[3].startswith("4,C-3,rejected,,patient: No patient at this sender's sites")


def test_a_queued_upload_page_refreshes_itself(client, coordinator, patient_a):
    client.force_login(coordinator)
    upload(client, CSV.format(sid=patient_a.study_id))  # on_commit never runs here: queued
    queued = LabUpload.objects.get()
    page = client.get(f"/labs/uploads/{queued.public_id}/")
    assert page["Refresh"] == "2" and 'http-equiv="refresh"' in page.content.decode()
    assert client.get(f"/labs/uploads/{queued.public_id}/report.csv").status_code == 404


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("study_id,analyte,value\nFR-1,CRP,1\n", "Missing column(s): unit, collected_at"),
        ("study_id,analyte,value,unit,collected_at,external_id,status,colour\n", "Unknown column"),
        ("study_id,analyte,value,unit,collected_at,external_id,status\n", "no rows"),
    ],
)
def test_a_bad_csv_is_refused_with_a_clear_message(client, coordinator, text, message):
    client.force_login(coordinator)
    response = upload(client, text)
    assert response.status_code == 400 and message in response.content.decode()
    assert LabUpload.objects.count() == 0


def test_a_file_that_is_not_utf8_is_refused(client, coordinator):
    client.force_login(coordinator)
    response = upload(client, "x")
    file = SimpleUploadedFile("r.csv", b"\xff\xfe\x00bad", content_type="text/csv")
    response = client.post("/labs/uploads/", {"source_name": "x", "file": file})
    assert response.status_code == 400 and "not UTF-8" in response.content.decode()


def test_a_file_over_the_limit_is_refused(client, coordinator, settings):
    client.force_login(coordinator)
    settings.LAB_UPLOAD_MAX_BYTES = 10
    response = upload(client, "study_id,analyte\n" * 5)
    assert response.status_code == 400 and "the limit is 10" in response.content.decode()


def test_clinicians_cannot_upload(client_a):
    assert client_a.get("/labs/uploads/").status_code == 403
