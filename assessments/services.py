"""Writes for assessments: score with the pure instrument modules, store with history.

HTML forms and the API both call `assessment_submit`, so they can never disagree.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from assessments import scoring
from assessments.models import Assessment
from core.dates import age_on
from core.numbers import json_number
from registry import services as registry_services
from registry.access import sites_writable_by
from registry.models import Patient, Visit
from registry.studies.selectors import visit_kind_for


def assessment_context(*, visit: Visit, instrument: scoring.Instrument) -> dict[str, Any]:
    """What the registry already knows and the instrument asks for (instruments.md)."""
    patient = visit.patient
    known = {
        "sex": patient.sex,
        "age_years": age_on(patient.date_of_birth, visit.date),
        "height_cm": json_number(visit.height_cm),
        "weight_kg": json_number(visit.weight_kg),
        # FRAIL and SOF call the current weight weight_now_kg.
        "weight_now_kg": json_number(visit.weight_kg),
    }
    wanted = {f.name for f in instrument.fields}
    return {k: v for k, v in known.items() if k in wanted and v is not None}


def instrument_get(code: str) -> scoring.Instrument:
    try:
        return scoring.get(code)
    except scoring.UnknownInstrument as exc:
        raise ValidationError({"instrument": [str(exc)]}) from None


def assessment_score(*, visit: Visit | None, code: str, inputs: Any) -> tuple[dict, dict]:
    """Score without storing. Returns (context used, result dict); raises ValidationError."""
    instrument = instrument_get(code)
    if not isinstance(inputs, dict):
        raise ValidationError({"inputs": ["inputs must be an object of field: value."]})
    context = assessment_context(visit=visit, instrument=instrument) if visit else {}
    context = {k: v for k, v in context.items() if k not in inputs}
    try:
        result = instrument.score({**inputs, **context})
    except scoring.ScoringError as exc:
        raise ValidationError({k: list(v) for k, v in exc.errors.items()}) from None
    return context, result.as_dict()


def assessment_fields(result: dict) -> dict[str, Any]:
    """The Assessment columns of a scoring result (demo data and the generator reuse it)."""
    core = ("score", "max_score", "category", "label", "components", "missing", "flags")
    return {
        "version": result["version"],
        **{k: result[k] for k in core},
        "category": result["category"] or "",
        "label": result["label"] or "",
        "derived": {k: v for k, v in result.items() if k not in (*core, "version", "instrument")},
    }


@transaction.atomic
def assessment_submit(*, actor, visit: Visit, instrument: str, inputs: Any) -> Assessment:
    """Score and store one instrument at a visit; a second submission re-scores it.

    The previous version stays in history. One assessment per instrument per visit is a
    database constraint, so two clinicians saving at once cannot create two rows.
    """
    if not sites_writable_by(actor).filter(pk=visit.patient.site_id).exists():
        raise PermissionDenied("You cannot record assessments for this patient.")
    context, result = assessment_score(visit=visit, code=instrument, inputs=inputs)
    values = {
        "inputs": inputs, "context": context, "entered_by": actor, **assessment_fields(result)
    }
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


@transaction.atomic
def assessment_submit_for_date(
    *, actor, patient: Patient, date: dt.date, instrument: str, inputs: Any
) -> Assessment:
    """API.md: the visit on that date is used, or created (baseline if it is the first;
    unscheduled when it falls outside every window of the patient's study schedule)."""
    instrument_get(instrument)  # an unknown instrument must not create a visit
    visit = Visit.objects.filter(patient=patient, date=date).select_related("patient").first()
    if visit is None:
        kind = visit_kind_for(patient=patient, date=date)
        visit = registry_services.visit_create(actor=actor, patient=patient, date=date, kind=kind)
    return assessment_submit(actor=actor, visit=visit, instrument=instrument, inputs=inputs)
