"""Reads for assessments: a patient's assessments, latest per instrument with trend,
and a visit's side-by-side summary. Fixed query counts whatever the history length."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from assessments import scoring
from assessments.comparison import disagreement, trend
from assessments.models import Assessment
from registry.models import Patient, Visit


def assessments_for_patient(*, patient: Patient) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(visit__patient=patient)
        .select_related("visit", "entered_by")
        .order_by("visit__date", "instrument")
    )


# --- Set-based reads for the apps above (snapshots, alerts, timeline, exports) ------------
# `patient_ids` is a list or a subquery of patient ids (a subquery stays in SQL: the cohort
# is never loaded into Python). The tuple reads return plain rows, no model instances,
# with the columns their docstring names; the caller iterates (or counts) them.


def assessments_for_patients(*, patient_ids) -> QuerySet[Assessment]:
    return Assessment.objects.filter(visit__patient_id__in=patient_ids)


def assessment_scores_for_patients(*, patient_ids) -> QuerySet:
    """(patient id, visit date, visit id, instrument, score, category) rows."""
    return assessments_for_patients(patient_ids=patient_ids).values_list(
        "visit__patient_id", "visit__date", "visit_id", "instrument", "score", "category"
    )


def assessment_scores_in_date_order(*, patient_ids) -> QuerySet:
    """(assessment id, patient id, visit date, instrument, score, category) rows, oldest
    visit first."""
    return (
        assessments_for_patients(patient_ids=patient_ids)
        .values_list("pk", "visit__patient_id", "visit__date", "instrument", "score", "category")
        .order_by("visit__date")
    )


def assessment_rows_in_patient_order(*, patient_ids) -> QuerySet:
    """(patient id, visit date, visit id, instrument, score, category, version, flags)
    rows, by patient, visit date and instrument."""
    return assessments_for_patients(patient_ids=patient_ids).order_by(
        "visit__patient_id", "visit__date", "instrument"
    ).values_list(
        "visit__patient_id", "visit__date", "visit_id", "instrument", "score", "category",
        "version", "flags",
    )


def assessments_with_visits(*, patient: Patient) -> QuerySet[Assessment]:
    """The patient's assessments with their visits, by visit date and instrument."""
    return (
        Assessment.objects.filter(visit__patient=patient)
        .select_related("visit")
        .order_by("visit__date", "instrument")
    )


def assessment_patient_ids_changed_since(*, since: datetime) -> QuerySet:
    """Ids of the patients with an assessment changed after `since` (repeats possible)."""
    # order_by(): the default ordering would join and sort the whole table.
    return (
        Assessment.objects.filter(modified_at__gt=since)
        .values_list("visit__patient_id", flat=True)
        .order_by()
    )


@dataclass(frozen=True)
class LatestAssessment:
    instrument: str
    name: str
    latest: Assessment
    previous: Assessment | None
    trend: str | None


def latest_per_instrument(*, patient: Patient) -> list[LatestAssessment]:
    """The latest assessment of each instrument with its trend since the one before."""
    by_instrument: dict[str, list[Assessment]] = {}
    for a in assessments_for_patient(patient=patient).order_by("instrument", "-visit__date"):
        by_instrument.setdefault(a.instrument, []).append(a)
    rows = []
    for code, items in by_instrument.items():
        latest, previous = items[0], items[1] if len(items) > 1 else None
        rows.append(
            LatestAssessment(
                instrument=code,
                name=_name(code),
                latest=latest,
                previous=previous,
                trend=trend(code, previous.result(), latest.result()) if previous else None,
            )
        )
    return rows


def _name(code: str) -> str:
    try:
        return scoring.get(code).name
    except scoring.UnknownInstrument:
        return code


@dataclass(frozen=True)
class VisitSummary:
    visit: Visit
    assessments: list[Assessment]
    disagreeing: list[str]


def visit_summary(*, visit: Visit) -> VisitSummary:
    assessments = list(visit.assessments.select_related("entered_by").order_by("instrument"))
    return VisitSummary(
        visit=visit,
        assessments=assessments,
        disagreeing=disagreement(a.result() for a in assessments),
    )
