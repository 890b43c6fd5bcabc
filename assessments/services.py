"""Writes for assessments: score with the pure instrument modules, store with history.

`visit_record` records a visit with its assessments, all or nothing (the visit-entry
page; the API when an assessment arrives for a new date); `assessment_submit` stores one
assessment at a visit. Each stored assessment is built by the plain functions of
`assessments.records`, which the synthetic cohort generator uses too.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from assessments import records, scoring
from assessments.models import Assessment
from registry import services as registry_services
from registry.access import sites_writable_by
from registry.models import Patient, Visit
from registry.studies.selectors import visit_kind_for


def instrument_get(code: str) -> scoring.Instrument:
    try:
        return scoring.get(code)
    except scoring.UnknownInstrument as exc:
        raise ValidationError({"instrument": [str(exc)]}) from None


def _inputs_checked(inputs: Any) -> dict:
    if not isinstance(inputs, dict):
        raise ValidationError({"inputs": ["inputs must be an object of field: value."]})
    return inputs


def _context(visit: Visit | None, instrument: scoring.Instrument, inputs: dict) -> dict:
    """What the registry already knows at the visit and the instrument asks for."""
    if visit is None:
        return {}
    patient = visit.patient
    facts = records.visit_facts(
        sex=patient.sex, date_of_birth=patient.date_of_birth, date=visit.date,
        height_cm=visit.height_cm, weight_kg=visit.weight_kg,
    )
    return records.assessment_context(instrument=instrument, inputs=inputs, facts=facts)


@contextmanager
def _scoring_errors() -> Iterator[None]:
    """A scoring refusal as a ValidationError naming each field."""
    try:
        yield
    except scoring.ScoringError as exc:
        raise ValidationError({k: list(v) for k, v in exc.errors.items()}) from None


def assessment_score(*, visit: Visit | None, code: str, inputs: Any) -> tuple[dict, dict]:
    """Score without storing. Returns (context used, result dict); raises ValidationError."""
    instrument = instrument_get(code)
    inputs = _inputs_checked(inputs)
    context = _context(visit, instrument, inputs)
    with _scoring_errors():
        result = records.assessment_result(instrument=instrument, inputs=inputs, context=context)
    return context, result


@transaction.atomic
def assessment_submit(*, actor, visit: Visit, instrument: str, inputs: Any) -> Assessment:
    """Score and store one instrument at a visit; a second submission re-scores it.

    The previous version stays in history. One assessment per instrument per visit is a
    database constraint, so two clinicians saving at once cannot create two rows.
    """
    if not sites_writable_by(actor).filter(pk=visit.patient.site_id).exists():
        raise PermissionDenied("You cannot record assessments for this patient.")
    scorer = instrument_get(instrument)
    inputs = _inputs_checked(inputs)
    context = _context(visit, scorer, inputs)
    with _scoring_errors():
        fields = records.assessment_stored_fields(
            instrument=scorer, inputs=inputs, context=context
        )
    values = {"inputs": inputs, "context": context, "entered_by": actor, **fields}
    assessment = Assessment.objects.filter(visit=visit, instrument=instrument).first()
    if assessment is None:
        assessment = Assessment(visit=visit, instrument=instrument)
    for field, value in values.items():
        setattr(assessment, field, value)
    assessment._history_user = actor
    try:
        with transaction.atomic():
            assessment.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"instrument": ["This instrument was saved for this visit a moment ago; reload."]}
        ) from exc
    return assessment


class VisitRecordError(ValidationError):
    """A visit refused by `visit_record`, with the service's own messages by field.

    `instrument` says which part was refused, so a page can show the messages beside it:
    None for the visit itself (date, kind, anthropometrics), else the code of the
    assessment whose inputs were refused. The API answers it like any ValidationError.
    """

    def __init__(self, error: ValidationError, *, instrument: str | None) -> None:
        super().__init__(error)
        self.instrument = instrument


@contextmanager
def _refused_as(instrument: str | None) -> Iterator[None]:
    try:
        yield
    except ValidationError as exc:
        raise VisitRecordError(exc, instrument=instrument) from exc


@dataclass(frozen=True)
class RecordedVisit:
    """A recorded visit and the assessments stored at it, in the order given."""

    visit: Visit
    assessments: list[Assessment]


@transaction.atomic
def visit_record(
    *, actor, patient: Patient, visit: Visit | None = None, date: dt.date, kind: str,
    weight_kg: Decimal | None = None, height_cm: Decimal | None = None, notes: str = "",
    assessments: Sequence[tuple[str, Any]] = (),
) -> RecordedVisit:
    """Create `visit` (or update it) and score and store each (instrument, inputs) at it.

    All or nothing: the first refusal raises `VisitRecordError` and nothing is written.
    The one way a visit is recorded with its assessments: the visit-entry page and the
    API's assessment for a new date call it.
    """
    for code, _ in assessments:
        with _refused_as(code):
            instrument_get(code)  # an unknown instrument must not create a visit
    fields = {
        "date": date, "kind": kind, "weight_kg": weight_kg, "height_cm": height_cm,
        "notes": notes,
    }
    with _refused_as(None):
        if visit is None:
            visit = registry_services.visit_create(actor=actor, patient=patient, **fields)
        else:
            visit = registry_services.visit_update(actor=actor, visit=visit, **fields)
    stored = []
    for code, inputs in assessments:
        with _refused_as(code):
            stored.append(
                assessment_submit(actor=actor, visit=visit, instrument=code, inputs=inputs)
            )
    return RecordedVisit(visit=visit, assessments=stored)


@transaction.atomic
def assessment_submit_for_date(
    *, actor, patient: Patient, date: dt.date, instrument: str, inputs: Any
) -> Assessment:
    """The assessment at the patient's visit on that date; for a new date the visit is
    recorded with it by `visit_record`: a baseline if it is the patient's first, else
    unscheduled when it falls outside every window of the patient's study schedule, else
    a follow-up."""
    instrument_get(instrument)  # an unknown instrument must not create a visit
    visit = Visit.objects.filter(patient=patient, date=date).select_related("patient").first()
    if visit is not None:
        return assessment_submit(actor=actor, visit=visit, instrument=instrument, inputs=inputs)
    recorded = visit_record(
        actor=actor, patient=patient, date=date, kind=visit_kind_for(patient=patient, date=date),
        assessments=[(instrument, inputs)],
    )
    return recorded.assessments[0]
