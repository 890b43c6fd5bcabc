"""Database constraints hold even when the services are bypassed."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from registry.models import AdverseEvent, Intervention
from tests.factories import PatientFactory, VisitFactory

pytestmark = pytest.mark.django_db


def _violates(factory, **kwargs) -> bool:
    try:
        with transaction.atomic():
            factory(**kwargs)
    except IntegrityError:
        return True
    return False


def test_mrn_is_unique_per_site(patient_a, site_b):
    assert _violates(PatientFactory, site=patient_a.site, mrn=patient_a.mrn)
    assert not _violates(PatientFactory, site=site_b, mrn=patient_a.mrn)


def test_a_patient_has_at_most_one_baseline_visit(patient_a):
    VisitFactory(patient=patient_a, date=dt.date(2025, 1, 15), kind="baseline")
    assert _violates(VisitFactory, patient=patient_a, date=dt.date(2025, 2, 1), kind="baseline")
    assert not _violates(
        VisitFactory, patient=patient_a, date=dt.date(2025, 2, 1), kind="follow_up"
    )


@pytest.mark.parametrize(
    ("height", "weight", "ok"),
    [
        (100, 62, True), (230, 62, True), (99.9, 62, False), (230.1, 62, False),
        (160, 20, True), (160, 300, True), (160, 19.9, False), (160, 300.1, False),
        (None, None, True),
    ],
)
def test_height_and_weight_must_be_plausible(patient_a, height, weight, ok):
    assert _violates(VisitFactory, patient=patient_a, height_cm=height, weight_kg=weight) != ok


def test_bmi_is_derived_by_the_database(patient_a):
    visit = VisitFactory(patient=patient_a, height_cm=160, weight_kg=64)
    visit.refresh_from_db()
    assert visit.bmi == pytest.approx(25.0)


def test_enrolment_cannot_precede_birth(site_a):
    assert _violates(
        PatientFactory, site=site_a, date_of_birth=dt.date(1950, 1, 2),
        enrolled_on=dt.date(1950, 1, 1),
    )


# --- Study records: each constraint's message names its field (core.ConstraintFieldsMixin)


def _field_errors(record) -> dict:
    with pytest.raises(ValidationError) as exc:
        record.full_clean()
    return exc.value.message_dict


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"resolved_on": dt.date(2025, 3, 1)}, "resolved_on"),
        ({"criterion_hospitalisation": False}, "serious"),
        ({"serious": False}, "serious"),
        ({"criterion_death": True}, "outcome"),
        ({"severity": ""}, "severity"),
        ({"ctcae_grade": 5}, "ctcae_grade"),
    ],
)
def test_an_adverse_event_constraint_names_its_field(patient_a, changes, field):
    values = {
        "onset_date": dt.date(2025, 3, 5), "description": "Pneumonia", "severity": "severe",
        "serious": True, "criterion_hospitalisation": True, "relatedness": "unrelated",
        "outcome": "recovered",
    }
    event = AdverseEvent(patient=patient_a, **{**values, **changes})
    errors = _field_errors(event)
    assert field in errors and "__all__" not in errors


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_date": dt.date(2025, 2, 1)}, "end_date"),
        ({"dose": 100, "dose_unit": ""}, "dose_unit"),
        ({"volume_ml": 5001}, "volume_ml"),
        ({"rate_ml_min": 0}, "rate_ml_min"),
    ],
)
def test_an_intervention_constraint_names_its_field(patient_a, changes, field):
    item = Intervention(
        patient=patient_a, kind="other", product="Walking group",
        start_date=dt.date(2025, 3, 1), **changes,
    )
    errors = _field_errors(item)
    assert field in errors and "__all__" not in errors
