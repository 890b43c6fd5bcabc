"""A patient's timeline: every instrument and analyte on one time axis, with
interventions, adverse events and visit timepoints; plus change from baseline.

A fixed number of queries whatever the length of the history (one per kind of record),
asserted by tests/longitudinal/test_timeline.py.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from assessments import scoring
from assessments.selectors import assessments_with_visits
from biomarkers import catalogue
from biomarkers.selectors import lab_results_for_patient
from longitudinal.alerts import flag_parts, is_high_flag
from longitudinal.charts import Band, Marker, Point, chart_svg, shared_axis
from registry.models import Patient
from registry.selectors import visits_in_date_order
from registry.studies import blinding
from registry.studies.selectors import (
    adverse_event_rows,
    adverse_events_by_onset,
    interventions_by_start,
    patient_first_intervention,
    visit_labels,
)

LOW_WORDS = ("LOW", "DEFICIENCY", "INSUFFICIENT")


@dataclass
class Series:
    kind: str  # "instrument" | "analyte"
    code: str
    name: str
    unit: str
    points: list[dict] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)

    def change(self) -> dict | None:
        """Latest minus baseline (the point at the baseline visit, else the first)."""
        usable = [p for p in self.points if p["value"] is not None and not p["acute"]]
        if len(usable) < 2:
            return None
        base = next((p for p in usable if p["timepoint"] == "Baseline"), usable[0])
        latest = usable[-1]
        if latest is base:
            return None
        delta = latest["value"] - base["value"]
        percent = 100 * delta / base["value"] if base["value"] else None
        return {
            "baseline_date": base["date"],
            "baseline": base["value"],
            "latest_date": latest["date"],
            "latest": latest["value"],
            "absolute": delta,
            "percent": percent,
        }


def _instrument_name(code: str) -> str:
    try:
        return scoring.get(code).name
    except scoring.UnknownInstrument:
        return code


def _instrument_series(assessments, labels) -> list[Series]:
    by_code: dict[str, Series] = {}
    for a in assessments:
        series = by_code.setdefault(
            a.instrument,
            Series("instrument", a.instrument, _instrument_name(a.instrument), "score"),
        )
        series.points.append(
            {
                "date": a.visit.date,
                "value": a.score,
                "category": a.category or None,
                "label": a.label or None,
                "comparator": "",
                "reported": None,
                "status": "final",
                "preliminary": False,
                "acute": False,
                "timepoint": labels.get(a.visit_id, ""),
                "flags": a.flags,
                "visit_id": a.visit_id,
            }
        )
    return sorted(by_code.values(), key=lambda s: s.name)


def _bands(code: str) -> list[Band]:
    try:
        analyte = catalogue.analyte_by_code(code)
    except LookupError:
        return []
    bands = []
    for t in analyte.thresholds:
        kind = "high" if is_high_flag(t.flag) else "normal"
        kind = "low" if any(w in t.flag for w in LOW_WORDS) else kind
        bands.append(Band(_num(t.low), _num(t.high), t.label, kind))
    return bands


def _num(value) -> float | None:
    return None if value is None else float(value)


def _analyte_series(results, labels) -> list[Series]:
    by_code: dict[str, Series] = {}
    for r in sorted(results, key=lambda r: (r.collected_at, r.pk)):
        code = r.analyte_id
        series = by_code.setdefault(
            code, Series("analyte", code, r.analyte.name, r.unit, bands=_bands(code))
        )
        value = float(r.value) if r.value is not None else None
        series.points.append(
            {
                "date": r.collected_at.date(),
                "value": value,
                "category": None,
                "label": None,
                "comparator": r.comparator,
                "reported": f"{r.reported_value} {r.reported_unit}".strip(),
                "status": r.status,
                "preliminary": r.status == "preliminary",
                "acute": catalogue.is_acute_inflammation(code, value),
                "timepoint": labels.get(r.visit_id, "") if r.visit_id else "",
                "flags": [flag_parts(f)[0] for f in r.flags],
                "visit_id": r.visit_id,
                "id": r.pk,
            }
        )
    order = {a.code: i for i, a in enumerate(catalogue.all_analytes())}
    return sorted(by_code.values(), key=lambda s: order.get(s.code, 99))


def patient_timeline(*, patient: Patient, user) -> dict:
    """Everything the timeline page and API show, in a fixed number of queries."""
    visits = list(visits_in_date_order(patient=patient))
    labels = visit_labels(patient=patient, visits=visits)
    assessments = assessments_with_visits(patient=patient)
    results = lab_results_for_patient(patient=patient)
    interventions = list(interventions_by_start(patient=patient))
    events = list(adverse_events_by_onset(patient=patient))
    series = _instrument_series(assessments, labels) + _analyte_series(results, labels)
    for s in series:
        for point in s.points:
            point["shown"] = _shown(point)
    return {
        "patient": patient,
        "visits": [
            {"id": v.pk, "date": v.date, "kind": v.kind, "timepoint": labels.get(v.pk, "")}
            for v in visits
        ],
        "series": series,
        "interventions": [_intervention(i, user) for i in interventions],
        "adverse_events": _events(events, interventions),
    }


def _intervention(i, user) -> dict:
    """One intervention as this person may see it: the masking layer replaces the
    product and dose (and anything else arm-revealing) in a study blinded to them."""
    return blinding.intervention_shown(user, i, {
        "id": i.pk,
        "kind": i.kind,
        "kind_label": i.get_kind_display(),
        "product": i.product,
        "dose": blinding.dose_text(i),  # with its unit; None when there is none
        "start_date": i.start_date,
        "end_date": i.end_date,
    })


def _events(events, interventions) -> list[dict]:
    first = patient_first_intervention(interventions=interventions)
    rows = adverse_event_rows(events=events, first_intervention=first)
    return [
        {
            "id": row.event.pk,
            "onset_date": row.event.onset_date,
            "resolved_on": row.event.resolved_on,
            "description": row.event.description,
            "serious": row.event.serious,
            "treatment_emergent": row.flags.treatment_emergent,
            "te_sae_1m": row.flags.te_sae_1m,
        }
        for row in rows
    ]


def timeline_charts(timeline: dict) -> list[dict]:
    """One SVG per series, all on the same date axis, with the same markers."""
    dates = [p["date"] for s in timeline["series"] for p in s.points]
    dates += [v["date"] for v in timeline["visits"]]
    axis = shared_axis(dates)
    markers = _markers(timeline)
    charts = []
    for n, s in enumerate(timeline["series"]):
        points = [
            Point(p["date"], p["value"], p["shown"], p["comparator"], p["preliminary"], p["acute"])
            for p in s.points
            if p["value"] is not None
        ]
        svg = chart_svg(
            title=s.name,
            unit=s.unit,
            axis=axis,
            points=points,
            bands=s.bands,
            markers=markers,
            chart_id=f"chart-{n}",
        )
        charts.append({"series": s, "svg": svg, "change": s.change()})
    return charts


def _shown(point: dict) -> str:
    value = point["value"]
    text = f"{value:.2f}".rstrip("0").rstrip(".") if value is not None else "—"
    return f"{point['comparator']}{text}"


def _markers(timeline: dict) -> list[Marker]:
    markers = [Marker(v["date"], v["timepoint"]) for v in timeline["visits"] if v["timepoint"]]
    markers += [
        Marker(i["start_date"], f"{i['kind_label']}: {i['product']}", "intervention")
        for i in timeline["interventions"]
    ]
    markers += [
        Marker(
            e["onset_date"],
            f"Adverse event: {e['description']}" + (" (serious)" if e["serious"] else ""),
            "adverse_event",
        )
        for e in timeline["adverse_events"]
    ]
    return markers


def as_json(timeline: dict) -> dict:
    """The API shape of GET /api/v1/patients/{study_id}/timeline/."""
    patient = timeline["patient"]
    dates = [p["date"] for s in timeline["series"] for p in s.points]
    return {
        "study_id": patient.study_id,
        "start": min(dates, default=None),
        "end": max(dates, default=None),
        "visits": timeline["visits"],
        "series": [
            {
                "kind": s.kind,
                "code": s.code,
                "name": s.name,
                "unit": s.unit,
                "points": [_point_json(p) for p in s.points],
                "thresholds": [
                    {"low": b.low, "high": b.high, "label": b.label, "kind": b.kind}
                    for b in s.bands
                ],
                "change_from_baseline": s.change(),
            }
            for s in timeline["series"]
        ],
        "interventions": timeline["interventions"],
        "adverse_events": timeline["adverse_events"],
    }


def _point_json(point: dict) -> dict:
    return {k: v for k, v in point.items() if k != "visit_id"} | {"visit_id": point["visit_id"]}


def group_by_date(timeline: dict) -> list[tuple[dt.date, list[tuple[Series, dict]]]]:
    """The table view: one row per date with every measure taken that day."""
    rows = defaultdict(list)
    for s in timeline["series"]:
        for p in s.points:
            rows[p["date"]].append((s, p))
    return sorted(rows.items())
