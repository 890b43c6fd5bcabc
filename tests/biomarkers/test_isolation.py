"""Site isolation on the write paths of people: CSV uploads, their feeds, retractions.

A coordinator of site A ("carla") must not store, amend or retract results of patients of
other sites, nor learn whether a site + MRN exists there: a row for such a patient meets
exactly what a row for nobody meets.
"""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from biomarkers.models import LabResult, LabUpload, ParkedLabResult
from registry.models import Role
from tests.factories import PatientFactory, SiteFactory, staff

pytestmark = pytest.mark.django_db

HEADER = "study_id,site,mrn,analyte,value,unit,collected_at,external_id,status\n"
WHEN = "2025-03-01T08:00:00+00:00"


@pytest.fixture
def coordinator_a(site_a):
    return staff("carla", Role.COORDINATOR, [site_a])


@pytest.fixture
def patient_c(db):
    return PatientFactory(site=SiteFactory(code="C"), mrn="C-1")


def row(*, sid="", site="", mrn="", external_id="U-1", status="final", value="1.2",
        analyte="CRP") -> str:  # fmt: skip
    return f"{sid},{site},{mrn},{analyte},{value},mg/dL,{WHEN},{external_id},{status}\n"


def upload(client, user, *rows, feed="Hospital LIS export", capture=None) -> list[dict]:
    """Upload as ``user``, process (eager Celery) and answer the per-row report."""
    client.force_login(user)
    file = SimpleUploadedFile("r.csv", (HEADER + "".join(rows)).encode(), "text/csv")
    with capture(execute=True):
        response = client.post("/labs/uploads/", {"source_name": feed, "file": file})
    assert response.status_code == 302, response.content.decode()
    done = LabUpload.objects.order_by("-pk").first()
    assert done.status == "done", done.error
    return list(csv.DictReader(io.StringIO(done.report)))


def answer(report_row: dict, identifier: str) -> tuple[str, str, str]:
    """Outcome and messages with the identifier blanked: what a probe could compare."""
    words = (report_row["errors"], report_row["notes"])
    return (report_row["outcome"], *(w.replace(identifier, "<id>") for w in words))


def test_an_upload_stores_nothing_for_a_patient_of_another_site(
    client, coordinator_a, patient_a, patient_b, patient_c, django_capture_on_commit_callbacks
):
    report = upload(
        client, coordinator_a,
        row(sid=patient_a.study_id, external_id="U-A"),
        row(sid=patient_b.study_id, external_id="U-B"),
        row(site="C", mrn="C-1", external_id="U-C"),
        capture=django_capture_on_commit_callbacks,
    )  # fmt: skip
    assert [r["outcome"] for r in report] == ["created", "rejected", "rejected"]
    assert set(LabResult.objects.values_list("patient", flat=True)) == {patient_a.pk}
    assert ParkedLabResult.objects.count() == 0  # nothing lands in another site's inbox


@pytest.mark.parametrize(
    ("other_site", "nobody", "kind"),
    [
        (dict(sid="{b}"), dict(sid="FR-999999"), "study id"),
        (dict(site="B", mrn="B-1"), dict(site="B", mrn="B-404"), "site and MRN"),
    ],
)
def test_an_upload_answers_alike_whether_the_patient_exists_elsewhere_or_not(
    client, coordinator_a, patient_b, django_capture_on_commit_callbacks, other_site, nobody, kind
):
    other_site = {k: v.format(b=patient_b.study_id) for k, v in other_site.items()}
    report = upload(
        client, coordinator_a,
        row(**other_site, external_id="U-1"), row(**nobody, external_id="U-2"),
        capture=django_capture_on_commit_callbacks,
    )  # fmt: skip
    exists, missing = report
    assert exists["outcome"] == "rejected"
    same_id = other_site.get("mrn") or other_site["sid"]
    absent_id = nobody.get("mrn") or nobody["sid"]
    assert answer(exists, same_id) == answer(missing, absent_id), kind
    assert "at this sender's sites" in exists["errors"]
    assert "1945" not in exists["errors"]  # no patient fact either


def test_an_upload_cannot_retract_a_result_of_another_site(
    client, coordinator, coordinator_a, patient_b, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    upload(client, coordinator, row(sid=patient_b.study_id), capture=capture)
    report = upload(
        client, coordinator_a, row(sid=patient_b.study_id, status="entered-in-error", value=""),
        capture=capture,
    )  # fmt: skip
    assert report[0]["outcome"] == "rejected"
    assert LabResult.objects.get(patient=patient_b).status == "final"


def test_a_feed_name_reused_by_another_uploader_is_another_feed(
    client, coordinator, coordinator_a, patient_a, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    upload(client, coordinator, row(sid=patient_a.study_id, value="1.2"), capture=capture)
    original = LabResult.objects.get()
    amend = row(sid=patient_a.study_id, value="9.9", status="amended")
    retract = row(sid=patient_a.study_id, status="entered-in-error", value="")
    assert upload(client, coordinator_a, amend, capture=capture)[0]["outcome"] == "created"
    upload(client, coordinator_a, retract, capture=capture)
    original.refresh_from_db()
    assert (original.reported_value, original.status) == ("1.2", "final")
    # The uploader's own resend still reaches their own result.
    resent = upload(client, coordinator, amend, capture=capture)[0]
    assert (resent["outcome"], resent["id"]) == ("updated", str(original.pk))


def test_an_administrator_uploads_for_every_site(
    client, admin_user, patient_b, patient_c, django_capture_on_commit_callbacks
):
    report = upload(
        client, admin_user, row(sid=patient_b.study_id, external_id="U-B"),
        row(site="C", mrn="C-1", external_id="U-C"), capture=django_capture_on_commit_callbacks,
    )  # fmt: skip
    assert [r["outcome"] for r in report] == ["created", "created"]


# --- retraction and amendment check the patient and the analyte, whoever sends -------------


@pytest.fixture
def second_patient_a(site_a):
    return PatientFactory(site=site_a, mrn="A-2")


def post(lab_api, *items):
    response = lab_api.post("/api/v1/lab-results/", {"results": list(items)})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def result_item(patient, **overrides) -> dict:
    data = {
        "patient": {"study_id": patient.study_id}, "analyte": "CRP", "value": "12.5",
        "unit": "mg/L", "collected_at": WHEN, "external_id": "R-1", "status": "final",
    }  # fmt: skip
    return {k: v for k, v in {**data, **overrides}.items() if v is not None}


@pytest.mark.parametrize(
    "retraction",
    [
        dict(patient="other"),  # another patient's id on the retraction
        dict(analyte="IL6", unit="pg/mL"),  # another analyte
    ],
)
@pytest.mark.parametrize("status", ["entered-in-error", "cancelled"])
def test_a_retraction_naming_another_patient_or_analyte_retracts_nothing(
    analyte_catalogue, lab_api, patient_a, second_patient_a, retraction, status
):
    post(lab_api, result_item(patient_a))
    target = second_patient_a if retraction.get("patient") else patient_a
    changes = {k: v for k, v in retraction.items() if k != "patient"}
    (answered,) = post(lab_api, result_item(target, status=status, value=None, **changes))
    assert answered["outcome"] == "rejected"
    assert "belongs to another patient or analyte" in answered["errors"][0]
    assert LabResult.objects.get(external_id="R-1").status == "final"


def test_a_retraction_naming_the_stored_patient_and_analyte_still_retracts(
    analyte_catalogue, lab_api, patient_a
):
    post(lab_api, result_item(patient_a))
    (answered,) = post(lab_api, result_item(patient_a, status="entered-in-error", value=None))
    assert answered["outcome"] == "retracted"
    assert LabResult.objects.get(external_id="R-1").status == "entered-in-error"
