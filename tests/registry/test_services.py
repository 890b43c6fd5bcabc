"""Registry services: study ids, validation messages, permissions and history."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from registry import services
from registry.models import Patient, Visit

pytestmark = pytest.mark.django_db

PATIENT = {
    "mrn": "A-77", "given_name": "Iris", "family_name": "Stone",
    "date_of_birth": dt.date(1940, 3, 2), "sex": "female", "enrolled_on": dt.date(2025, 5, 1),
}


def test_it_assigns_a_study_id_from_the_primary_key(clinician_a, site_a):
    patient = services.patient_create(actor=clinician_a, site=site_a, **PATIENT)
    assert patient.study_id == f"FR-{patient.pk:06d}"


def test_it_writes_one_created_history_row_with_the_study_id(clinician_a, site_a):
    patient = services.patient_create(actor=clinician_a, site=site_a, **PATIENT)
    rows = list(patient.history.all())
    assert len(rows) == 1
    assert rows[0].history_type == "+"
    assert rows[0].study_id == patient.study_id
    assert rows[0].history_user == clinician_a


def test_it_refuses_a_site_the_clinician_does_not_work_at(clinician_a, site_b):
    with pytest.raises(PermissionDenied):
        services.patient_create(actor=clinician_a, site=site_b, **PATIENT)
    assert not Patient.objects.exists()


def test_coordinators_cannot_register_patients(coordinator, site_a):
    with pytest.raises(PermissionDenied):
        services.patient_create(actor=coordinator, site=site_a, **PATIENT)


def test_duplicate_mrn_is_a_field_message(clinician_a, site_a):
    services.patient_create(actor=clinician_a, site=site_a, **PATIENT)
    with pytest.raises(ValidationError) as exc:
        services.patient_create(actor=clinician_a, site=site_a, **PATIENT)
    assert "already exists at this site" in str(exc.value)


def test_birth_in_the_future_is_refused(clinician_a, site_a):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.patient_create(
            actor=clinician_a, site=site_a, **{**PATIENT, "date_of_birth": tomorrow}
        )
    assert "date_of_birth" in exc.value.message_dict


def test_update_keeps_the_previous_version_in_history(clinician_a, patient_a):
    services.patient_update(actor=clinician_a, patient=patient_a, family_name="Arden")
    latest, previous = patient_a.history.all()[:2]
    assert (previous.family_name, latest.family_name) == ("Archer", "Arden")
    assert latest.history_user == clinician_a


def test_visit_dates_cannot_be_in_the_future(clinician_a, patient_a):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.visit_create(actor=clinician_a, patient=patient_a, date=tomorrow, kind="baseline")
    assert exc.value.message_dict["date"] == ["The visit date cannot be in the future."]


def test_visit_dates_cannot_precede_birth(clinician_a, patient_a):
    with pytest.raises(ValidationError) as exc:
        services.visit_create(
            actor=clinician_a, patient=patient_a, date=dt.date(1944, 1, 1), kind="baseline"
        )
    assert "before the date of birth" in exc.value.message_dict["date"][0]


def test_a_second_baseline_is_refused_with_a_message(clinician_a, patient_a):
    services.visit_create(
        actor=clinician_a, patient=patient_a, date=dt.date(2025, 1, 15), kind="baseline"
    )
    with pytest.raises(ValidationError) as exc:
        services.visit_create(
            actor=clinician_a, patient=patient_a, date=dt.date(2025, 3, 1), kind="baseline"
        )
    assert "already has a baseline visit" in str(exc.value)
    assert Visit.objects.count() == 1


def test_implausible_height_names_the_range(clinician_a, patient_a):
    with pytest.raises(ValidationError) as exc:
        services.visit_create(
            actor=clinician_a, patient=patient_a, date=dt.date(2025, 1, 15),
            kind="baseline", height_cm=Decimal("250"),
        )
    assert "between 100 and 230 cm" in str(exc.value)


def test_visit_records_who_entered_it_and_derives_bmi(clinician_a, patient_a):
    visit = services.visit_create(
        actor=clinician_a, patient=patient_a, date=dt.date(2025, 1, 15), kind="baseline",
        height_cm=Decimal("170.0"), weight_kg=Decimal("72.3"),
    )
    assert visit.entered_by == clinician_a
    assert visit.bmi == pytest.approx(72.3 / 1.7**2)


def test_clinicians_cannot_add_visits_at_other_sites(clinician_b, patient_a):
    with pytest.raises(PermissionDenied):
        services.visit_create(
            actor=clinician_b, patient=patient_a, date=dt.date(2025, 1, 15), kind="baseline"
        )


def test_an_update_writes_only_the_fields_it_was_given(clinician_a, patient_a):
    stale = Patient.objects.get(pk=patient_a.pk)  # read before the first change
    services.patient_update(actor=clinician_a, patient=patient_a, family_name="Arden")
    services.patient_update(actor=clinician_a, patient=stale, given_name="Ivy")
    patient_a.refresh_from_db()
    assert (patient_a.given_name, patient_a.family_name) == ("Ivy", "Arden")


def test_an_update_of_a_few_fields_still_moves_modified_at(clinician_a, patient_a):
    # The dashboard's incremental refresh scans records changed since its last run.
    before = Patient.objects.get(pk=patient_a.pk).modified_at
    services.patient_update(actor=clinician_a, patient=patient_a, family_name="Arden")
    assert Patient.objects.get(pk=patient_a.pk).modified_at > before


def test_a_field_the_service_does_not_know_is_refused_not_dropped(clinician_a, patient_a):
    with pytest.raises(TypeError):
        services.visit_create(
            actor=clinician_a, patient=patient_a, date=dt.date(2025, 6, 2), kind="baseline",
            weight=Decimal("60"),  # the field is weight_kg
        )
