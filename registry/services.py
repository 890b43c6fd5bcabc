"""Writes with rules for the registry: patients, conditions and visits.

HTML forms and the API call these same functions, so the two can never disagree. Each
raises django.core.exceptions.ValidationError with per-field messages on bad input and
writes nothing in that case (the caller's request runs in one transaction).
"""

import datetime as dt
from collections.abc import Sequence
from contextlib import nullcontext
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.services import UNCHANGED, OrUnchanged, model_save, set_fields
from registry.access import can_write_patients, sites_writable_by
from registry.models import (
    AccessLog,
    Condition,
    Patient,
    PatientCondition,
    PatientStatus,
    Site,
    Visit,
)
from registry.studies.services import visit_schedule_check

STUDY_ID_PREFIX = "FR-"



def study_id_for(pk: int) -> str:
    return f"{STUDY_ID_PREFIX}{pk:06d}"


def _check_site_writable(*, actor, site) -> None:
    if not sites_writable_by(actor).filter(pk=site.pk).exists():
        raise PermissionDenied("You cannot record patients at this site.")


def _validate_patient_dates(patient: Patient) -> None:
    errors = {}
    today = timezone.localdate()
    if patient.date_of_birth and patient.date_of_birth > today:
        errors["date_of_birth"] = ["The date of birth cannot be in the future."]
    if patient.enrolled_on and patient.enrolled_on > today:
        errors["enrolled_on"] = ["The enrolment date cannot be in the future."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def patient_create(
    *, actor, site: Site, mrn: str, given_name: str, family_name: str,
    date_of_birth: dt.date, sex: str, enrolled_on: dt.date, ethnicity: str = "",
    race: str = "", status: str = PatientStatus.ACTIVE,
) -> Patient:
    """Register a patient at a site the actor may write to, and assign the study id."""
    _check_site_writable(actor=actor, site=site)
    patient = Patient(
        site=site, mrn=mrn, given_name=given_name, family_name=family_name,
        date_of_birth=date_of_birth, sex=sex, enrolled_on=enrolled_on, ethnicity=ethnicity,
        race=race, status=status,
    )
    _validate_patient_dates(patient)
    patient.full_clean()
    # The study id comes from the primary key, so no process-wide counter is needed:
    # insert, derive, then write one "created" history row with the final values.
    patient.save_without_historical_record()
    patient.study_id = study_id_for(patient.pk)
    patient.save_without_historical_record(update_fields=["study_id"])
    Patient.history.bulk_history_create([patient], default_user=actor)
    return patient


@transaction.atomic
def patient_update(
    *, actor, patient: Patient, site: OrUnchanged[Site] = UNCHANGED,
    mrn: OrUnchanged[str] = UNCHANGED, given_name: OrUnchanged[str] = UNCHANGED,
    family_name: OrUnchanged[str] = UNCHANGED, date_of_birth: OrUnchanged[dt.date] = UNCHANGED,
    sex: OrUnchanged[str] = UNCHANGED, ethnicity: OrUnchanged[str] = UNCHANGED,
    race: OrUnchanged[str] = UNCHANGED, enrolled_on: OrUnchanged[dt.date] = UNCHANGED,
    status: OrUnchanged[str] = UNCHANGED,
) -> Patient:
    if not can_write_patients(actor):
        raise PermissionDenied("Your role cannot change patient records.")
    _check_site_writable(actor=actor, site=patient.site)
    changed = set_fields(
        patient, site=site, mrn=mrn, given_name=given_name, family_name=family_name,
        date_of_birth=date_of_birth, sex=sex, ethnicity=ethnicity, race=race,
        enrolled_on=enrolled_on, status=status,
    )
    if "site" in changed:
        _check_site_writable(actor=actor, site=patient.site)
    _validate_patient_dates(patient)
    model_save(patient, actor=actor, update_fields=changed)
    return patient


@transaction.atomic
def patient_condition_add(
    *, actor, patient: Patient, condition: Condition, onset_date=None, notes=""
) -> PatientCondition:
    _check_site_writable(actor=actor, site=patient.site)
    if onset_date and onset_date > timezone.localdate():
        raise ValidationError({"onset_date": ["The onset date cannot be in the future."]})
    if onset_date and onset_date < patient.date_of_birth:
        raise ValidationError({"onset_date": ["The onset date cannot be before birth."]})
    record = PatientCondition(
        patient=patient, condition=condition, onset_date=onset_date, notes=notes
    )
    model_save(record, actor=actor)
    return record


@transaction.atomic
def patient_condition_remove(*, actor, record: PatientCondition) -> None:
    _check_site_writable(actor=actor, site=record.patient.site)
    record._history_user = actor
    record.delete()


def _validate_visit(visit: Visit) -> None:
    patient = visit.patient
    if visit.date and visit.date > timezone.localdate():
        raise ValidationError({"date": ["The visit date cannot be in the future."]})
    if visit.date and visit.date < patient.date_of_birth:
        raise ValidationError(
            {"date": [f"The visit date cannot be before the date of birth "
                      f"({patient.date_of_birth:%d %b %Y})."]}
        )
    visit_schedule_check(patient=patient, date=visit.date, kind=visit.kind)


@transaction.atomic
def visit_create(
    *, actor, patient: Patient, date: dt.date, kind: str, weight_kg: Decimal | None = None,
    height_cm: Decimal | None = None, notes: str = "",
) -> Visit:
    _check_site_writable(actor=actor, site=patient.site)
    visit = Visit(
        patient=patient, entered_by=actor, date=date, kind=kind, weight_kg=weight_kg,
        height_cm=height_cm, notes=notes,
    )
    _validate_visit(visit)
    model_save(visit, actor=actor)
    visit.refresh_from_db(fields=["bmi"])
    return visit


@transaction.atomic
def visit_update(
    *, actor, visit: Visit, date: OrUnchanged[dt.date] = UNCHANGED,
    kind: OrUnchanged[str] = UNCHANGED, weight_kg: OrUnchanged[Decimal | None] = UNCHANGED,
    height_cm: OrUnchanged[Decimal | None] = UNCHANGED, notes: OrUnchanged[str] = UNCHANGED,
) -> Visit:
    _check_site_writable(actor=actor, site=visit.patient.site)
    changed = set_fields(
        visit, date=date, kind=kind, weight_kg=weight_kg, height_cm=height_cm, notes=notes
    )
    _validate_visit(visit)
    model_save(visit, actor=actor, update_fields=changed)
    visit.refresh_from_db(fields=["bmi"])
    return visit


ACCESS_LOG_BATCH = 2000


def access_log_write(*, reads: Sequence[tuple[int, int]], path: str, method: str) -> int:
    """One AccessLog row per (user id, patient id) read by a request, with its path and
    method; all or none. One INSERT per 2,000 patients (a downloaded export may hold
    thousands), never one per row. Called by registry.middleware only."""
    batches = [reads[i:i + ACCESS_LOG_BATCH] for i in range(0, len(reads), ACCESS_LOG_BATCH)]
    # A single INSERT is atomic by itself; several share one transaction.
    with transaction.atomic() if len(batches) > 1 else nullcontext():
        for batch in batches:
            AccessLog.objects.bulk_create([
                AccessLog(user_id=user_id, patient_id=patient_id, path=path[:300],
                          method=method[:8])
                for user_id, patient_id in batch
            ])
    return len(reads)
