"""The one-page visit entry and the visit summary, as a clinician uses them (no JS)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from registry.models import Visit
from tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

VISIT = {
    "visit-date": "2025-02-03",
    "visit-kind": "baseline",
    "visit-weight_kg": "55",
    "visit-height_cm": "158",
    "visit-notes": "",
}
FRIED = {
    "fried-grip_kg": "16",
    "fried-walk_15ft_s": "7.4",
    "fried-kcal_per_week": "250",
    "fried-cesd_effort": "1",
    "fried-cesd_going": "0",
    "fried-weight_loss_10lb": "no",
}
SPPB = {
    "sppb-side_by_side_s": "10",
    "sppb-semi_tandem_s": "10",
    "sppb-tandem_s": "10",
    "sppb-gait_course_m": "4",
    "sppb-gait_trial1_s": "4.81",
    "sppb-gait_trial2_s": "5.2",
    "sppb-chair_single_without_arms": "yes",
    "sppb-chair_5_s": "11.19",
}


def entry_url(patient):
    return reverse("assessments:visit_entry", args=[patient.study_id])


def test_calculate_shows_scores_and_stores_nothing(client_a, patient_a):
    response = client_a.post(entry_url(patient_a), {**VISIT, **FRIED, "action": "calculate"})
    assert response.status_code == 200
    assert "Score 3 / 5" in response.text and "frail" in response.text
    assert not Visit.objects.exists() and not Assessment.objects.exists()


def test_save_stores_the_visit_and_every_filled_section(client_a, patient_a):
    response = client_a.post(entry_url(patient_a), {**VISIT, **FRIED, **SPPB, "action": "save"})
    visit = Visit.objects.get()
    assert response.url == reverse("assessments:visit_summary", args=[patient_a.study_id, visit.pk])
    scored = {a.instrument: (a.score, a.category) for a in visit.assessments.all()}
    assert scored == {"fried": (3, "frail"), "sppb": (12, "robust")}
    assert visit.assessments.get(instrument="sppb").inputs["gait_course_m"] == 4


def test_performance_statuses_are_stored_as_entered(client_a, patient_a):
    sppb = {**SPPB, "sppb-chair_5_s": "", "sppb-chair_5_s__status": "unable"}
    client_a.post(entry_url(patient_a), {**VISIT, **sppb, "action": "save"})
    a = Assessment.objects.get(instrument="sppb")
    assert a.inputs["chair_5_s"] == "unable" and a.components["chair"] == 0


def test_an_out_of_range_value_is_shown_next_to_its_field_and_nothing_is_saved(client_a, patient_a):
    bad = {**FRIED, "fried-grip_kg": "250"}
    response = client_a.post(entry_url(patient_a), {**VISIT, **bad, "action": "save"})
    assert response.status_code == 400
    assert "grip_kg must be a number from 0 to 100 kg" in response.text
    assert not Visit.objects.exists()


def test_a_visit_date_the_service_refuses_is_shown_next_to_the_date(client_a, patient_a):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    visit = {**VISIT, "visit-date": tomorrow.isoformat()}
    response = client_a.post(entry_url(patient_a), {**visit, **FRIED, "action": "save"})
    assert response.status_code == 400
    assert response.context["visit_form"].errors == {
        "date": ["The visit date cannot be in the future."]
    }
    assert not Visit.objects.exists() and not Assessment.objects.exists()


def test_a_half_level_cfs_is_refused(client_a, patient_a):
    response = client_a.post(entry_url(patient_a), {**VISIT, "cfs-level": "4.5", "action": "save"})
    assert response.status_code == 400
    assert "Enter a whole number." in response.text


def _as_posted(form) -> dict:
    """What a browser posts for a section left as rendered."""
    data = {}
    for name, value in form.initial.items():
        if value in (None, "", []):
            continue
        data[form.add_prefix(name)] = value if isinstance(value, list) else str(value)
    return data


def test_empty_and_prefilled_sections_record_nothing(client_a, patient_a):
    from registry.models import Condition, PatientCondition

    PatientCondition.objects.create(
        patient=patient_a, condition=Condition.objects.get(code="hypertension")
    )
    page = client_a.get(entry_url(patient_a))
    assert re.search(r'value="hypertension"[^>]*checked', page.text)
    as_rendered = {}
    for form, _ in page.context["sections"]:
        as_rendered.update(_as_posted(form))
    assert as_rendered["frailty_index-deficit__hypertension"] == "1"
    client_a.post(entry_url(patient_a), {**VISIT, **as_rendered, "action": "save"})
    assert Visit.objects.count() == 1 and not Assessment.objects.exists()


def test_the_summary_highlights_disagreement(client_a, patient_a):
    client_a.post(entry_url(patient_a), {**VISIT, **FRIED, "cfs-level": "3", "action": "save"})
    visit = Visit.objects.get()
    page = client_a.get(reverse("assessments:visit_summary", args=[patient_a.study_id, visit.pk]))
    assert "Instruments disagree" in page.text
    assert "cfs and fried" in page.text


def test_editing_a_visit_rescores_only_what_changed(client_a, patient_a):
    client_a.post(entry_url(patient_a), {**VISIT, **FRIED, "cfs-level": "3", "action": "save"})
    visit = Visit.objects.get()
    edit = reverse("assessments:visit_entry_edit", args=[patient_a.study_id, visit.pk])
    client_a.post(edit, {**VISIT, **FRIED, "cfs-level": "5", "action": "save"})
    assert Assessment.objects.get(instrument="cfs").category == "frail"
    assert Assessment.objects.get(instrument="fried").history.count() == 1


def test_the_patient_page_shows_latest_category_and_trend(client_a, patient_a, clinician_a):
    from assessments.services import assessment_submit

    first = VisitFactory(patient=patient_a, date=dt.date(2025, 1, 15))
    later = VisitFactory(patient=patient_a, date=dt.date(2025, 7, 15), kind="follow_up")
    assessment_submit(actor=clinician_a, visit=first, instrument="cfs", inputs={"level": 3})
    assessment_submit(actor=clinician_a, visit=later, instrument="cfs", inputs={"level": 6})
    page = client_a.get(reverse("registry:patient_detail", args=[patient_a.study_id]))
    assert "Clinical Frailty Scale" in page.text
    assert "2025-07-15" in page.text and "trend-worse" in page.text


def test_bmi_and_grip_known_at_the_visit_prefill_the_frailty_index(client_a, patient_a):
    client_a.post(entry_url(patient_a), {**VISIT, **FRIED, "action": "save"})
    visit = Visit.objects.get()
    edit = client_a.get(
        reverse("assessments:visit_entry_edit", args=[patient_a.study_id, visit.pk])
    )
    fi = next(form for form, _ in edit.context["sections"] if form.prefix == "frailty_index")
    # BMI 22.0 is normal (0); grip 16 kg is weak for a woman in every BMI stratum (1).
    assert fi.initial["deficit__bmi"] == "0"
    assert fi.initial["deficit__grip_strength"] == "1"


def test_a_bmi_of_exactly_25_prefills_the_overweight_value(client_a, patient_a):
    # 64 kg at 160 cm is BMI 25 exactly; the database's float column says 24.999999999999996
    # (issue 16), which would have pre-filled 0 instead of the published 0.5.
    visit = {**VISIT, "visit-weight_kg": "64", "visit-height_cm": "160"}
    client_a.post(entry_url(patient_a), {**visit, **FRIED, "action": "save"})
    visit = Visit.objects.get()
    assert visit.bmi < 25
    edit = client_a.get(
        reverse("assessments:visit_entry_edit", args=[patient_a.study_id, visit.pk])
    )
    fi = next(form for form, _ in edit.context["sections"] if form.prefix == "frailty_index")
    assert fi.initial["deficit__bmi"] == "0.5"
