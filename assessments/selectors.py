"""Reads for assessments: a patient's assessments, latest per instrument with trend,
and a visit's side-by-side summary. Fixed query counts whatever the history length."""

from dataclasses import dataclass

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
