"""Storing assessments: context from the patient and visit, re-scoring, history, errors."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments import services
from assessments.models import Assessment
from registry.models import Visit
from tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

FRIED = {
    "grip_kg": 16,
    "walk_15ft_s": 7.4,
    "kcal_per_week": 250,
    "cesd_effort": 1,
    "cesd_going": 0,
    "weight_loss_10lb": False,
}


@pytest.fixture
def visit(patient_a):
    # instruments.md worked example: female, 158 cm, 55 kg.
    return VisitFactory(patient=patient_a, height_cm=Decimal("158"), weight_kg=Decimal("55"))


def test_context_comes_from_the_patient_and_the_visit(clinician_a, visit):
    a = services.assessment_submit(actor=clinician_a, visit=visit, instrument="fried", inputs=FRIED)
    assert a.context == {"sex": "female", "height_cm": 158, "weight_kg": 55}
    assert (a.score, a.category, a.inputs) == (3, "frail", FRIED)
    assert a.components == {
        "shrinking": 0,
        "weakness": 1,
        "exhaustion": 0,
        "slowness": 1,
        "low_activity": 1,
    }


def test_given_context_wins_over_the_registry(clinician_a, visit):
    a = services.assessment_submit(
        actor=clinician_a, visit=visit, instrument="fried", inputs={**FRIED, "sex": "male"}
    )
    assert "sex" not in a.context


def test_age_at_the_visit_feeds_the_six_minute_walk(clinician_a, patient_a):
    visit = VisitFactory(patient=patient_a, date=dt.date(2025, 6, 1), height_cm=160, weight_kg=60)
    a = services.assessment_submit(
        actor=clinician_a, visit=visit, instrument="six_minute_walk", inputs={"distance_m": 380}
    )
    assert a.context["age_years"] == 80  # born 1945-06-01: 80 on the day itself
    expected = 2.11 * 160 - 2.29 * 60 - 5.78 * 80 + 667
    assert a.derived["predicted_m"] == pytest.approx(expected, abs=0.01)


def test_editing_rescores_and_keeps_the_previous_version(clinician_a, visit):
    services.assessment_submit(
        actor=clinician_a, visit=visit, instrument="cfs", inputs={"level": 3}
    )
    services.assessment_submit(
        actor=clinician_a, visit=visit, instrument="cfs", inputs={"level": 6}
    )
    a = Assessment.objects.get()
    assert (a.score, a.category) == (6, "frail")
    assert [h.score for h in a.history.all()] == [6, 3]
    assert a.history.first().history_user == clinician_a


@pytest.mark.parametrize(
    ("instrument", "inputs", "field", "text"),
    [
        ("cfs", {"level": 4.5}, "level", "whole number from 1 to 9"),
        ("fried", {**FRIED, "grip_kg": 250}, "grip_kg", "0 to 100 kg"),
        ("fried", {**FRIED, "colour": "blue"}, "colour", "colour"),
        ("frail", {"illnesses": ["gout"]}, "illnesses", "gout"),
        ("sppb", {"gait_trial1_s": "fast"}, "gait_trial1_s", "gait_trial1_s"),
    ],
)
def test_bad_inputs_name_the_field_and_store_nothing(
    clinician_a, visit, instrument, inputs, field, text
):
    with pytest.raises(ValidationError) as exc:
        services.assessment_submit(
            actor=clinician_a, visit=visit, instrument=instrument, inputs=inputs
        )
    assert field in exc.value.message_dict
    assert text in " ".join(exc.value.message_dict[field])
    assert not Assessment.objects.exists()


def test_an_unknown_instrument_is_refused_without_creating_a_visit(clinician_a, patient_a):
    with pytest.raises(ValidationError) as exc:
        services.assessment_submit_for_date(
            actor=clinician_a,
            patient=patient_a,
            date=dt.date(2025, 3, 1),
            instrument="hand_wave",
            inputs={},
        )
    assert "unknown instrument" in exc.value.message_dict["instrument"][0]
    assert not Visit.objects.exists()


def test_a_new_date_creates_the_visit_baseline_first(clinician_a, patient_a):
    first = services.assessment_submit_for_date(
        actor=clinician_a,
        patient=patient_a,
        date=dt.date(2025, 3, 1),
        instrument="cfs",
        inputs={"level": 4},
    )
    second = services.assessment_submit_for_date(
        actor=clinician_a,
        patient=patient_a,
        date=dt.date(2025, 9, 1),
        instrument="cfs",
        inputs={"level": 5},
    )
    assert (first.visit.kind, second.visit.kind) == ("baseline", "follow_up")


def test_clinicians_of_other_sites_and_coordinators_cannot_record(clinician_b, coordinator, visit):
    for actor in (clinician_b, coordinator):
        with pytest.raises(PermissionDenied):
            services.assessment_submit(
                actor=actor, visit=visit, instrument="cfs", inputs={"level": 3}
            )


def test_a_date_outside_every_study_window_creates_an_unscheduled_visit(
    admin_user, clinician_a, patient_a
):
    from registry.studies import services as study_services
    from tests.registry.conftest import grant_unblinded, infuse, make_study

    study = make_study(admin_user)
    enrollment = study_services.enrollment_create(
        actor=grant_unblinded(admin_user), patient=patient_a, study=study,
        arm=study.arms.get(code="D100"), enrolled_on=dt.date(2025, 1, 20),
    )
    infusion = infuse(admin_user, enrollment)
    VisitFactory(patient=patient_a, date=infusion.start_date, kind="baseline")
    day_60 = infusion.start_date + dt.timedelta(days=60)  # between month 1 and month 3
    a = services.assessment_submit_for_date(
        actor=clinician_a, patient=patient_a, date=day_60, instrument="cfs", inputs={"level": 4}
    )
    assert a.visit.kind == "unscheduled"


# --- visit_record: one visit with its assessments, all or nothing ----------------------


def _record(actor, patient, **overrides):
    return services.visit_record(**{
        "actor": actor, "patient": patient, "date": dt.date(2025, 2, 3), "kind": "baseline",
        "weight_kg": Decimal("55"), "height_cm": Decimal("158"), "notes": "",
        "assessments": [("fried", FRIED), ("cfs", {"level": 4})], **overrides,
    })


def test_visit_record_stores_the_visit_and_each_assessment_with_its_context(
    clinician_a, patient_a
):
    recorded = _record(clinician_a, patient_a)
    visit = Visit.objects.get()
    assert recorded.visit == visit and (visit.kind, visit.entered_by) == ("baseline", clinician_a)
    assert [a.instrument for a in recorded.assessments] == ["fried", "cfs"]
    fried = visit.assessments.get(instrument="fried")
    assert (fried.score, fried.category, fried.entered_by) == (3, "frail", clinician_a)
    assert fried.context == {"sex": "female", "height_cm": 158, "weight_kg": 55}


def test_a_refused_assessment_stores_nothing_and_names_its_instrument(clinician_a, patient_a):
    bad = [("cfs", {"level": 4}), ("fried", {**FRIED, "grip_kg": 250})]
    with pytest.raises(services.VisitRecordError) as exc:
        _record(clinician_a, patient_a, assessments=bad)
    assert exc.value.instrument == "fried"
    assert "0 to 100 kg" in " ".join(exc.value.message_dict["grip_kg"])
    assert not Visit.objects.exists() and not Assessment.objects.exists()


def test_a_refused_visit_names_no_instrument(clinician_a, patient_a):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(services.VisitRecordError) as exc:
        _record(clinician_a, patient_a, date=tomorrow)
    assert exc.value.instrument is None
    assert exc.value.message_dict["date"] == ["The visit date cannot be in the future."]
    assert not Visit.objects.exists() and not Assessment.objects.exists()


def test_an_unknown_instrument_is_refused_before_the_visit_is_written(clinician_a, patient_a):
    with pytest.raises(services.VisitRecordError) as exc:
        _record(clinician_a, patient_a, assessments=[("hand_wave", {})])
    assert exc.value.instrument == "hand_wave"
    assert "unknown instrument" in exc.value.message_dict["instrument"][0]
    assert not Visit.objects.exists()


def test_recording_an_existing_visit_updates_it_and_rescores(clinician_a, patient_a):
    first = _record(clinician_a, patient_a).visit
    _record(clinician_a, patient_a, visit=first, weight_kg=Decimal("50"),
            assessments=[("cfs", {"level": 6})])  # fmt: skip
    visit = Visit.objects.get()
    assert (visit.kind, visit.weight_kg) == ("baseline", Decimal("50"))
    assert Assessment.objects.get(instrument="cfs").category == "frail"
    assert Assessment.objects.count() == 2


def test_other_sites_cannot_record_a_visit(clinician_b, patient_a):
    with pytest.raises(PermissionDenied):
        _record(clinician_b, patient_a)
    assert not Visit.objects.exists()
