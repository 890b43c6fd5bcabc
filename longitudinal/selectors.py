"""Cohort figures from the PatientSnapshot read model, scoped to the person's sites.

Each figure is one aggregate query over the snapshot table (conditional counts, sums
and standard deviations), so the dashboard costs the same handful of queries at 200 or
100,000 patients. Every figure carries the `cell` that the drill-down uses to list the
patients behind it.
"""

import datetime as dt
from collections import defaultdict

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q, QuerySet, Sum
from django.utils import timezone

from longitudinal import stats
from longitudinal.filters import AGE_BANDS, CohortFilterForm, birth_range
from longitudinal.models import (
    CATEGORY_INSTRUMENTS,
    CHANGE_MEASURES,
    LATEST_BIOMARKERS,
    TIMEPOINT_SLOTS,
    TIMEPOINTS,
    PatientSnapshot,
    column,
)
from registry.access import sites_visible_to
from registry.selectors import patient_ids_with_condition
from registry.studies.selectors import BLINDED, arm_visible

CATEGORIES = ("robust", "prefrail", "frail")
OTHER_CATEGORIES = ("indeterminate", "impaired", "terminally_ill")
PRIMARY_INSTRUMENT = "fried"
FOLLOW_UPS = ("m3", "m6")  # change from baseline is reported at these
CHANGE_LABELS = {"m3": "Month 3", "m6": "Month 6"}


def cohort_queryset(*, user, form: CohortFilterForm, today: dt.date | None = None):
    """Snapshots of the visible patients that match the filters."""
    today = today or timezone.localdate()
    data = form.active()
    qs = PatientSnapshot.objects.filter(site__in=sites_visible_to(user))
    if "site" in data:
        qs = qs.filter(site__code=data["site"])
    if "sex" in data:
        qs = qs.filter(sex=data["sex"])
    qs = _age_filter(qs, today, data)
    study = form.selected_study() if ("study" in data or "arm" in data) else None
    if study is not None:
        qs = qs.filter(study=study)
    if "arm" in data:
        qs = qs.filter(arm__code=data["arm"])
    if "enrolled_from" in data:
        qs = qs.filter(enrolled_on__gte=data["enrolled_from"])
    if "enrolled_to" in data:
        qs = qs.filter(enrolled_on__lte=data["enrolled_to"])
    if "condition" in data:
        qs = qs.filter(patient__in=patient_ids_with_condition(code=data["condition"]))
    return qs


def _age_filter(qs, today, data):
    low, high = AGE_BANDS.get(data.get("age_band"), (None, None))
    low = data.get("age_min", low)
    high = data.get("age_max", high)
    earliest, latest = birth_range(today, low, high)
    if latest:
        qs = qs.filter(date_of_birth__lte=latest)
    if earliest:
        qs = qs.filter(date_of_birth__gte=earliest)
    return qs


def _band_q(today: dt.date, band: str) -> Q:
    earliest, latest = birth_range(today, *AGE_BANDS[band])
    q = Q(date_of_birth__lte=latest)
    return q & Q(date_of_birth__gte=earliest) if earliest else q


# Each figure is a pair: the aggregates it needs (named "<figure>|..."), and how to read
# them back. cohort_summary runs every figure's aggregates in ONE query over the
# snapshot table, plus one grouped query for change by arm: two scans whatever the size.


def _distribution_aggregates() -> dict:
    return {
        f"dist|{code}|{cat}": Count("pk", filter=Q(**{column(code, "latest"): cat}))
        for code in CATEGORY_INSTRUMENTS
        for cat in CATEGORIES + OTHER_CATEGORIES
    }


def _distribution(row) -> dict[str, dict[str, int]]:
    """Latest category counts per instrument."""
    out = defaultdict(dict)
    for code in CATEGORY_INSTRUMENTS:
        for cat in CATEGORIES + OTHER_CATEGORIES:
            n = row[f"dist|{code}|{cat}"]
            if n or cat in CATEGORIES:
                out[code][cat] = n
    return dict(out)


def _prevalence_aggregates(today: dt.date, instrument: str = PRIMARY_INSTRUMENT) -> dict:
    latest = column(instrument, "latest")
    assessed = ~Q(**{latest: ""})
    aggregates = {}
    for band in AGE_BANDS:
        for sex in ("female", "male"):
            cell = _band_q(today, band) & Q(sex=sex) & assessed
            aggregates[f"prev|{band}|{sex}|n"] = Count("pk", filter=cell)
            aggregates[f"prev|{band}|{sex}|frail"] = Count(
                "pk", filter=cell & Q(**{latest: "frail"})
            )
    return aggregates


def _prevalence(row) -> list[dict]:
    """Frailty prevalence (latest category) by age band and sex."""
    return [
        {
            "age_band": band, "sex": sex, "n": row[f"prev|{band}|{sex}|n"],
            "frail": row[f"prev|{band}|{sex}|frail"],
            "percent": _percent(row[f"prev|{band}|{sex}|frail"], row[f"prev|{band}|{sex}|n"]),
        }
        for band in AGE_BANDS
        for sex in ("female", "male")
    ]


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _transition_aggregates(instrument: str = PRIMARY_INSTRUMENT) -> dict:
    base, latest = column(instrument, "baseline"), column(instrument, "latest")
    return {
        f"trans|{a}|{b}": Count("pk", filter=Q(**{base: a, latest: b}))
        for a in CATEGORIES
        for b in CATEGORIES
    }


def _transitions(row) -> dict[str, dict[str, int]]:
    """Baseline → latest category counts (3 × 3)."""
    return {a: {b: row[f"trans|{a}|{b}"] for b in CATEGORIES} for a in CATEGORIES}


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate percentile_cont(p) WITHIN GROUP (ORDER BY x)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, *, fraction: float, **extra):
        # A constant of ours, never user input: safe to place in the SQL text.
        super().__init__(expression, fraction=float(fraction), **extra)


QUARTILES = {"q1": 0.25, "median": 0.5, "q3": 0.75}


def _biomarker_cells(instrument: str = PRIMARY_INSTRUMENT):
    latest = column(instrument, "latest")
    for code in LATEST_BIOMARKERS:
        field = column(code, "latest")
        for cat in CATEGORIES:
            yield code, cat, field, Q(**{latest: cat, f"{field}__isnull": False})


def _biomarker_aggregates() -> dict:
    """Counts everywhere; quartiles in the database where it can (PostgreSQL)."""
    aggregates = {}
    for code, cat, field, cell in _biomarker_cells():
        aggregates[f"bio|{code}|{cat}|n"] = Count("pk", filter=cell)
        if connection.vendor == "postgresql":
            for name, fraction in QUARTILES.items():
                aggregates[f"bio|{code}|{cat}|{name}"] = PercentileCont(
                    field, fraction=fraction, filter=cell
                )
    return aggregates


def _biomarkers(row, qs) -> dict[str, dict]:
    """Median and IQR of the latest value of each biomarker, by latest frailty category."""
    out = defaultdict(dict)
    for code, cat, field, cell in _biomarker_cells():
        key = f"bio|{code}|{cat}"
        if connection.vendor == "postgresql":
            out[code][cat] = {"n": row[f"{key}|n"], **{q: row[f"{key}|{q}"] for q in QUARTILES}}
        else:  # SQLite has no percentile aggregate: small embedded databases only
            values = sorted(qs.filter(cell).values_list(field, flat=True))
            out[code][cat] = stats.quartiles(values).as_dict()
    return dict(out)


def change_from_baseline(qs, *, user, study) -> dict:
    """n, mean, SD and 95 % CI of (value at month 3/6 − baseline) per measure, by arm.

    Blinded users (or no single study selected) get pooled figures only.
    """
    by_arm = study is not None and arm_visible(user, study)
    aggregates = {}
    for code in CHANGE_MEASURES:
        base = column(code, "base")
        for tp in FOLLOW_UPS:
            value = column(code, tp)
            both = Q(**{f"{base}__isnull": False, f"{value}__isnull": False})
            diff = F(value) - F(base)
            # Sums rather than STDDEV_SAMP: portable, and defined for n < 2 as well.
            aggregates[f"{code}|{tp}|n"] = Count("pk", filter=both)
            aggregates[f"{code}|{tp}|sum"] = Sum(diff, filter=both)
            aggregates[f"{code}|{tp}|sumsq"] = Sum(diff * diff, filter=both)
    groups = _change_groups(qs, aggregates, by_arm=by_arm, study=study)
    return {
        "by_arm": by_arm,
        "measures": list(CHANGE_MEASURES),
        "timepoints": {tp: CHANGE_LABELS[tp] for tp in FOLLOW_UPS},
        "groups": groups,
    }


def _change_groups(qs, aggregates, *, by_arm, study) -> list[dict]:
    if by_arm:
        rows = qs.filter(study=study).values("arm_id", "arm__code", "arm__name").annotate(
            **aggregates
        ).order_by("arm__code")
        return [_change_group(r, r["arm__code"], r["arm__name"], r["arm_id"]) for r in rows]
    row = qs.aggregate(**aggregates)
    label = "All patients" if study is None else f"All arms ({BLINDED})"
    return [_change_group(row, "all", label, None)]


def _change_group(row, code, name, arm_id) -> dict:
    cells = {}
    for measure in CHANGE_MEASURES:
        for tp in FOLLOW_UPS:
            key = f"{measure}|{tp}"
            cells[key] = _interval(row[f"{key}|n"], row[f"{key}|sum"], row[f"{key}|sumsq"])
    return {"arm": code, "name": name, "arm_id": arm_id, "cells": cells}


def _interval(n: int, total, total_sq) -> dict:
    """Mean, sample SD and t-based 95 % CI from n, Σx and Σx²."""
    if not n:
        return {"n": 0, "mean": None, "sd": None, "ci95": None}
    mean = total / n
    if n < 2:
        return {"n": n, "mean": mean, "sd": None, "ci95": None}
    sd = max((total_sq - n * mean * mean) / (n - 1), 0.0) ** 0.5
    half = stats.t_critical(n - 1) * sd / n**0.5
    return {"n": n, "mean": mean, "sd": sd, "ci95": [mean - half, mean + half]}


def _overdue_aggregates(today: dt.date) -> dict:
    return {f"due|{tp}": Count("pk", filter=Q(**{f"{tp}_due_by__lt": today})) for tp in TIMEPOINTS}


def _overdue(row) -> dict[str, int]:
    """Study visits whose window has closed without a visit, per timepoint."""
    return {tp: row[f"due|{tp}"] for tp in TIMEPOINTS}


def _completeness_aggregates() -> dict:
    enrolled = Q(study__isnull=False)
    aggregates = {"comp|enrolled": Count("pk", filter=enrolled)}
    for tp in TIMEPOINTS:
        aggregates[f"comp|{tp}|visit"] = Count(
            "pk", filter=enrolled & Q(**{f"{tp}_visit": True})
        )
    for tp, slot in TIMEPOINT_SLOTS.items():
        for code in CHANGE_MEASURES:
            aggregates[f"comp|{tp}|{code}"] = Count(
                "pk", filter=enrolled & Q(**{f"{column(code, slot)}__isnull": False})
            )
    return aggregates


def _completeness(row) -> dict[str, dict]:
    """Per timepoint: enrolled patients with a visit, and with each end point measured."""
    total = row["comp|enrolled"]
    out = {"enrolled": total, "timepoints": {}}
    for key, n in row.items():
        parts = key.split("|")
        if parts[0] == "comp" and len(parts) == 3:
            out["timepoints"].setdefault(parts[1], {})[parts[2]] = {
                "n": n, "percent": _percent(n, total),
            }
    return out


def cohort_summary(*, user, form: CohortFilterForm, today: dt.date | None = None) -> dict:
    """Every figure of the dashboard (and of GET /api/v1/cohort/summary/)."""
    today = today or timezone.localdate()
    qs = cohort_queryset(user=user, form=form, today=today)
    study = form.selected_study()
    row = qs.aggregate(
        patients=Count("pk"),
        **_distribution_aggregates(),
        **_prevalence_aggregates(today),
        **_transition_aggregates(),
        **_biomarker_aggregates(),
        **_overdue_aggregates(today),
        **_completeness_aggregates(),
    )
    return {
        "as_of": today.isoformat(),
        "filters": {k: str(v) for k, v in form.active().items()},
        "patients": row["patients"],
        "latest_categories": _distribution(row),
        "prevalence": _prevalence(row),
        "transitions": {"instrument": PRIMARY_INSTRUMENT, "matrix": _transitions(row)},
        "biomarkers_by_category": {
            "instrument": PRIMARY_INSTRUMENT, "analytes": _biomarkers(row, qs),
        },
        "change_from_baseline": change_from_baseline(qs, user=user, study=study),
        "overdue_visits": _overdue(row),
        "completeness": _completeness(row),
        "study": study.code if study else None,
    }


def cell_filter(qs: QuerySet, cell: str, *, user, study, today: dt.date) -> QuerySet:
    """The patients behind one number of the dashboard; ValueError for an unknown cell."""
    parts = cell.split(":")
    kind, args = parts[0], parts[1:]
    handler = _CELLS.get(kind)
    if handler is None:
        raise ValueError(f"Unknown figure {cell!r}.")
    return handler(qs, *args, user=user, study=study, today=today)


def _cell_all(qs, **_):
    return qs


def _cell_latest(qs, instrument, category, **_):
    _require(instrument in CATEGORY_INSTRUMENTS, instrument)
    return qs.filter(**{column(instrument, "latest"): category})


def _cell_prevalence(qs, band, sex, which, *, today, **_):
    _require(band in AGE_BANDS and sex in ("female", "male") and which in ("n", "frail"), band)
    latest = column(PRIMARY_INSTRUMENT, "latest")
    qs = qs.filter(_band_q(today, band), sex=sex).exclude(**{latest: ""})
    return qs.filter(**{latest: "frail"}) if which == "frail" else qs


def _cell_transition(qs, before, after, **_):
    _require(before in CATEGORIES and after in CATEGORIES, before)
    return qs.filter(
        **{column(PRIMARY_INSTRUMENT, "baseline"): before,
           column(PRIMARY_INSTRUMENT, "latest"): after}
    )


def _cell_change(qs, measure, tp, arm, *, user, study, **_):
    _require(measure in CHANGE_MEASURES and tp in FOLLOW_UPS, measure)
    qs = qs.filter(**{f"{column(measure, 'base')}__isnull": False,
                      f"{column(measure, tp)}__isnull": False})
    if arm == "all":
        return qs
    _require(study is not None and arm_visible(user, study), arm)
    return qs.filter(study=study, arm__code=arm)


def _cell_overdue(qs, tp, *, today, **_):
    _require(tp in TIMEPOINTS, tp)
    return qs.filter(**{f"{tp}_due_by__lt": today})


def _cell_visit(qs, tp, **_):
    _require(tp in TIMEPOINTS, tp)
    return qs.filter(study__isnull=False, **{f"{tp}_visit": True})


def _cell_biomarker(qs, code, category, **_):
    _require(code in LATEST_BIOMARKERS and category in CATEGORIES, code)
    return qs.filter(**{column(PRIMARY_INSTRUMENT, "latest"): category,
                        f"{column(code, 'latest')}__isnull": False})


def _require(ok: bool, what) -> None:
    if not ok:
        raise ValueError(f"Unknown figure part {what!r}.")


_CELLS = {
    "all": _cell_all, "latest": _cell_latest, "prevalence": _cell_prevalence,
    "transition": _cell_transition, "change": _cell_change, "overdue": _cell_overdue,
    "visit": _cell_visit, "biomarker": _cell_biomarker,
}
