"""Study pages: forms re-render with clear messages on bad input; blinding holds on
every page (patient page, study page, safety table and its drill-down)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry.models import AdverseEvent, Enrollment, Intervention, Notification, Study
from registry.studies import services as study_services
from tests.factories import VisitFactory
from tests.registry.conftest import INFUSION_DAY, grant_unblinded

pytestmark = pytest.mark.django_db

AE_FORM = {
    "onset_date": "2025-02-10", "resolved_on": "", "description": "Fall",
    "severity": "moderate", "ctcae_grade": "", "relatedness": "unrelated",
    "action_taken": "none", "outcome": "recovered",
}


def _page(client, user, name, *args, **query):
    client.force_login(user)
    return client.get(reverse(f"registry:{name}", args=args), query)


# --- Blinding across pages ---------------------------------------------------------------


def test_the_patient_page_hides_the_arm_and_dose_from_blinded_people(
    client, clinician_a, enrolled_a, infusion_a
):
    text = _page(client, clinician_a, "patient_detail", enrolled_a.patient.study_id).text
    assert "<em>blinded</em>" in text
    assert "100 million cells" not in text and "100 million" not in text


def test_the_patient_page_shows_the_arm_to_the_unblinded(
    client, unblinded_coordinator, enrolled_a, infusion_a
):
    text = _page(client, unblinded_coordinator, "patient_detail", enrolled_a.patient.study_id).text
    assert "100 million cells" in text and "80.0" in text


def test_the_safety_table_is_pooled_for_blinded_people(client, coordinator, enrolled_a):
    text = _page(client, coordinator, "safety_table", "MSC-DF").text
    assert "pooled" in text
    assert "100 million cells" not in text and "Placebo" not in text


def test_the_safety_table_is_per_arm_for_the_unblinded(client, unblinded_coordinator, enrolled_a):
    text = _page(client, unblinded_coordinator, "safety_table", "MSC-DF").text
    assert "100 million cells" in text and "Placebo" in text
    assert "?arm=D100" in text


def test_a_blinded_person_cannot_drill_down_by_arm(client, coordinator, enrolled_a):
    response = _page(client, coordinator, "safety_patients", "MSC-DF", "patients", arm="D100")
    assert response.status_code == 404
    pooled = _page(client, coordinator, "safety_patients", "MSC-DF", "patients")
    assert enrolled_a.patient.study_id in pooled.text


def test_the_drill_down_lists_the_patients_behind_a_count(
    client, unblinded_coordinator, enrolled_a
):
    response = _page(
        client, unblinded_coordinator, "safety_patients", "MSC-DF", "patients", arm="D100"
    )
    assert enrolled_a.patient.study_id in response.text
    empty = _page(client, unblinded_coordinator, "safety_patients", "MSC-DF", "patients",
                  arm="PBO")
    assert enrolled_a.patient.study_id not in empty.text


def test_the_study_page_shows_per_arm_progress_only_to_the_unblinded(
    client, clinician_a, unblinded_coordinator, enrolled_a
):
    # Arm definitions are the public protocol; per-arm counts reveal assignments.
    blinded = _page(client, clinician_a, "study_detail", "MSC-DF").text
    assert "Allocations left" not in blinded and "hidden from you" in blinded
    client.logout()
    unblinded = _page(client, unblinded_coordinator, "study_detail", "MSC-DF").text
    assert "Allocations left" in unblinded


def test_blinded_coordinators_cannot_open_the_allocation_list(client, coordinator, study):
    assert _page(client, coordinator, "allocation_list", "MSC-DF").status_code == 403


def test_editing_a_blinded_infusion_needs_the_unblinded_permission(
    client, clinician_a, enrolled_a, infusion_a
):
    response = _page(client, clinician_a, "intervention_edit", enrolled_a.patient.study_id,
                     infusion_a.pk)
    assert response.status_code == 403


# --- Bad input on the forms ----------------------------------------------------------------


def test_an_arm_from_another_study_rerenders_the_enrolment_form(
    client, admin_user, study, open_study, patient_a
):
    client.force_login(grant_unblinded(admin_user))
    response = client.post(
        reverse("registry:enrollment_create", args=[patient_a.study_id]),
        {"study": study.pk, "arm": open_study.arms.get(code="D20").pk,
         "enrolled_on": "2025-01-20"},
    )
    assert response.status_code == 400
    assert "belongs to another study" in response.text
    assert not Enrollment.objects.exists()


def test_a_blinded_clinician_enrols_from_the_allocation_list(
    client, clinician_a, unblinded_coordinator, study, patient_a
):
    study_services.allocations_upload(
        actor=unblinded_coordinator, study=study, text="site,sequence,arm\nA,1,D200\n"
    )
    client.force_login(clinician_a)
    response = client.post(
        reverse("registry:enrollment_create", args=[patient_a.study_id]),
        {"study": study.pk, "use_allocation": "on", "enrolled_on": "2025-01-20"},
    )
    assert response.status_code == 302
    page = client.get(response.url)
    assert "arm: blinded" in page.text and "200 million" not in page.text
    assert Enrollment.objects.get().arm.code == "D200"


def test_a_reused_allocation_upload_is_refused_on_the_page(
    client, unblinded_coordinator, study
):
    client.force_login(unblinded_coordinator)
    url = reverse("registry:allocation_list", args=["MSC-DF"])
    csv = b"site,sequence,arm\nA,1,D20\n"
    assert client.post(url, {"file": SimpleUploadedFile("a.csv", csv)}).status_code == 302
    response = client.post(url, {"file": SimpleUploadedFile("a.csv", csv)})
    assert response.status_code == 400
    assert "already exists" in response.text


def test_an_adverse_event_ending_before_it_starts_is_shown_next_to_the_field(
    client_a, patient_a
):
    response = client_a.post(
        reverse("registry:adverse_event_create", args=[patient_a.study_id]),
        {**AE_FORM, "resolved_on": "2025-02-01"},
    )
    assert response.status_code == 400
    assert "cannot end before it starts" in response.text
    assert 'aria-invalid="true"' in response.text
    assert not AdverseEvent.objects.exists()


def test_an_intervention_before_enrolment_rerenders_the_form(client_a, patient_a):
    response = client_a.post(
        reverse("registry:intervention_create", args=[patient_a.study_id]),
        {"kind": "exercise_programme", "product": "Vivifrail", "start_date": "2024-01-01"},
    )
    assert response.status_code == 400
    assert "cannot start before the patient" in response.text
    assert not Intervention.objects.exists()


def test_a_follow_up_visit_outside_every_window_rerenders_the_visit_form(
    client_a, enrolled_a, infusion_a
):
    response = client_a.post(
        reverse("registry:visit_create", args=[enrolled_a.patient.study_id]),
        {"date": (INFUSION_DAY + dt.timedelta(days=50)).isoformat(), "kind": "follow_up"},
    )
    assert response.status_code == 400
    assert "outside every visit window" in response.text


def test_the_patient_page_labels_visits_and_flags_te_saes(client_a, enrolled_a, infusion_a):
    VisitFactory(patient=enrolled_a.patient, date=INFUSION_DAY + dt.timedelta(days=88),
                 kind="follow_up")
    study_services.adverse_event_create(
        actor=enrolled_a.entered_by, patient=enrolled_a.patient,
        onset_date=INFUSION_DAY + dt.timedelta(days=12), description="Pneumonia",
        severity="severe", serious=True, criterion_hospitalisation=True,
        relatedness="unrelated", outcome="recovered",
    )
    text = client_a.get(reverse("registry:patient_detail", args=[enrolled_a.patient.study_id])).text
    assert "Month 3" in text
    assert "day 12" in text and "<strong>Yes</strong>" in text


def test_a_coordinator_creates_a_study_with_the_default_schedule(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("registry:study_create"), {
        "code": "NEW-1", "name": "New study", "registration_id": "NCT00000001",
        "blinded": "on", "description": "",
    })
    assert response.status_code == 302
    assert Study.objects.get(code="NEW-1").timepoints.count() == 5
    again = client.post(reverse("registry:study_create"), {"code": "NEW-1", "name": "Again"})
    assert again.status_code == 400 and "already exists" in again.text


def test_visits_due_lists_overdue_visits_of_my_sites(client_a, enrolled_a, infusion_a):
    text = client_a.get(reverse("registry:visits_due")).text
    assert enrolled_a.patient.study_id in text and "Overdue" in text


def test_notifications_can_be_marked_read(client_a, clinician_a, enrolled_a, infusion_a):
    study_services.overdue_visits_notify(today=INFUSION_DAY + dt.timedelta(days=40))
    notice = Notification.objects.get(recipient=clinician_a)
    page = client_a.get(reverse("registry:notification_list"))
    assert "Month 1" in page.text and 'class="badge">1' in page.text
    client_a.post(reverse("registry:notifications_read"), {"id": [notice.pk]})
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_the_history_page_masks_the_arm_for_blinded_people(
    client, clinician_a, unblinded_coordinator, enrolled_a, infusion_a
):
    blinded = _page(client, clinician_a, "patient_history", enrolled_a.patient.study_id).text
    assert "Study enrolment" in blinded and "Intervention of" in blinded
    assert "100 million cells" not in blinded and "D100" not in blinded
    client.logout()
    unblinded = _page(
        client, unblinded_coordinator, "patient_history", enrolled_a.patient.study_id
    ).text
    assert "D100 — 100 million cells" in unblinded
