"""Building PatientSnapshot rows from the clinical tables (the dashboard's read model).

A fixed number of queries per chunk of patients, whatever their history length; rows
are upserted, so two processes refreshing the same patients at once simply write the
same values (no lock needed). `snapshots_refresh_changed` refreshes only patients whose
records changed since the last refresh: dashboards call it before reading, so they are
current without a background job, and a job can call it too.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assessments.selectors import (
    assessment_patient_ids_changed_since,
    assessment_scores_for_patients,
)
from biomarkers import catalogue
from biomarkers.selectors import lab_result_patient_ids_changed_since, lab_values_for_patients
from longitudinal.alerts import alerts_evaluate
from longitudinal.models import (
    CATEGORY_INSTRUMENTS,
    CHANGE_MEASURES,
    LATEST_BIOMARKERS,
    TIMEPOINT_SLOTS,
    TIMEPOINTS,
    PatientSnapshot,
    SnapshotState,
    column,
)
from registry.models import Enrollment, Patient
from registry.selectors import (
    patient_ids_all,
    patient_ids_changed_since,
    patients_with_ids,
    visit_dates_for_patients,
    visit_patient_ids_changed_since,
)
from registry.studies import schedule
from registry.studies.selectors import (
    enrollment_patient_ids_changed_since,
    enrollments_for_patients,
    first_intervention_dates,
    intervention_patient_ids_changed_since,
    study_windows,
)

CHUNK = 1000
LOOKBACK = dt.timedelta(seconds=60)
ANALYTES = set(LATEST_BIOMARKERS) | {c for c in CHANGE_MEASURES if c.isupper()}


@dataclass
class _Patient:
    patient: Patient
    enrollment: Enrollment | None = None
    anchor: dt.date | None = None
    windows: tuple = ()
    visits: list = field(default_factory=list)  # (date, kind, id)
    labels: dict = field(default_factory=dict)  # visit id -> timepoint code
    assessments: list = field(default_factory=list)  # (date, visit id, code, score, cat)
    labs: list = field(default_factory=list)  # (collected date, visit id, code, value)


def _enrollments(patient_ids) -> dict[int, Enrollment]:
    """The latest study enrolment of each patient: the study the dashboard follows."""
    latest = {}
    for e in enrollments_for_patients(patient_ids=patient_ids):
        latest[e.patient_id] = e
    return latest


def _load(patient_ids: Sequence[int]) -> dict[int, _Patient]:
    data = {p.pk: _Patient(p) for p in patients_with_ids(patient_ids=patient_ids)}
    enrollments = _enrollments(patient_ids)
    anchors = first_intervention_dates(enrollment_ids=[e.pk for e in enrollments.values()])
    windows = {}
    for pid, e in enrollments.items():
        if e.study_id not in windows:
            windows[e.study_id] = study_windows(e.study)
        item = data[pid]
        item.enrollment, item.windows = e, windows[e.study_id]
        item.anchor = anchors.get(e.pk, e.enrolled_on)
    for v in visit_dates_for_patients(patient_ids=patient_ids):
        data[v[0]].visits.append(v[1:])
    _load_measures(data, patient_ids)
    return data


def _load_measures(data, patient_ids) -> None:
    for row in assessment_scores_for_patients(patient_ids=patient_ids):
        data[row[0]].assessments.append(row[1:])
    labs = lab_values_for_patients(patient_ids=patient_ids, analytes=ANALYTES)
    for pid, collected, visit_id, code, value in labs:
        data[pid].labs.append((collected.date(), visit_id, code, float(value)))


def _label_visits(item: _Patient) -> None:
    if item.enrollment is None:
        baseline = next((v for v in sorted(item.visits) if v[1] == "baseline"), None)
        item.labels = {baseline[2]: "baseline"} if baseline else {}
        return
    for date, _kind, visit_id in item.visits:
        if date < item.enrollment.enrolled_on - dt.timedelta(days=30):
            continue  # registry history before the study
        window = schedule.window_on(anchor=item.anchor, date=date, windows=item.windows)
        if window is not None:
            item.labels.setdefault(visit_id, window.code)


def _row(item: _Patient, now) -> PatientSnapshot:
    p = item.patient
    _label_visits(item)
    values = {
        "patient": p, "site_id": p.site_id, "sex": p.sex, "date_of_birth": p.date_of_birth,
        "enrolled_on": p.enrolled_on, "refreshed_at": now,
        "study_id": item.enrollment.study_id if item.enrollment else None,
        "arm_id": item.enrollment.arm_id if item.enrollment else None,
        "anchor_date": item.anchor,
    }
    values.update(_categories(item))
    values.update(_changes(item))
    values.update(_latest_labs(item))
    values.update(_timepoints(item))
    return PatientSnapshot(**values)


def _categories(item: _Patient) -> dict:
    out = {}
    by_code = defaultdict(list)
    for _date, visit_id, code, _score, category in sorted(item.assessments, key=lambda a: a[0]):
        if code in CATEGORY_INSTRUMENTS and category:
            by_code[code].append((visit_id, category))
    baseline_visits = {vid for vid, tp in item.labels.items() if tp == "baseline"}
    for code in CATEGORY_INSTRUMENTS:
        rows = by_code.get(code, [])
        at_baseline = [cat for vid, cat in rows if vid in baseline_visits]
        out[column(code, "latest")] = rows[-1][1] if rows else ""
        first = rows[0][1] if rows else ""
        out[column(code, "baseline")] = at_baseline[0] if at_baseline else first
    return out


def _changes(item: _Patient) -> dict:
    out = {}
    for _date, visit_id, code, score, _cat in item.assessments:
        slot = TIMEPOINT_SLOTS.get(item.labels.get(visit_id))
        if slot and code in CHANGE_MEASURES and score is not None:
            out[column(code, slot)] = score
    for _date, visit_id, code, value in sorted(item.labs):
        slot = TIMEPOINT_SLOTS.get(item.labels.get(visit_id))
        # Samples taken in acute inflammation (CRP or hs-CRP >= 10 mg/L) stay out of
        # chronic trends (docs/longitudinal.md).
        if slot and code in CHANGE_MEASURES and not catalogue.is_acute_inflammation(code, value):
            out[column(code, slot)] = value
    return out


def _latest_labs(item: _Patient) -> dict:
    out = {}
    for _date, _visit, code, value in sorted(item.labs):
        if code in LATEST_BIOMARKERS:
            out[column(code, "latest")] = value
    return out


def _timepoints(item: _Patient) -> dict:
    done = set(item.labels.values())
    out = {}
    windows = {w.code: w for w in item.windows}
    for code in TIMEPOINTS:
        out[f"{code}_visit"] = code in done
        window = windows.get(code)
        if window and code not in done and item.anchor:
            out[f"{code}_due_by"] = item.anchor + dt.timedelta(days=window.last_day)
    return out


def _columns() -> list[str]:
    return [f.name for f in PatientSnapshot._meta.concrete_fields if f.name != "patient"]


def snapshots_refresh(*, patient_ids: Iterable[int]) -> int:
    """Rebuild the snapshots of these patients, and evaluate their alerts."""
    ids = sorted(set(patient_ids))
    written = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        now = timezone.now()
        rows = [_row(item, now) for item in _load(chunk).values()]
        with transaction.atomic():
            PatientSnapshot.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["patient"],
                update_fields=_columns(),
            )
            alerts_evaluate(patient_ids=chunk)
        written += len(rows)
    return written


def _changed_since(since: dt.datetime | None) -> set[int]:
    if since is None:
        return set(patient_ids_all())
    # order_by(): the models' default orderings would join and sort whole tables.
    sources = [
        patient_ids_changed_since(since=since),
        patient_ids_all().filter(snapshot__isnull=True),  # never refreshed
        visit_patient_ids_changed_since(since=since),
        assessment_patient_ids_changed_since(since=since),
        lab_result_patient_ids_changed_since(since=since),
        enrollment_patient_ids_changed_since(since=since),
        intervention_patient_ids_changed_since(since=since),
    ]
    return {pk for qs in sources for pk in qs.order_by()}


def snapshots_refresh_changed() -> int:
    """Refresh the patients changed since the last refresh (all of them the first time)."""
    state, _ = SnapshotState.objects.get_or_create(pk=1)
    started = timezone.now()
    # Look back a little: a transaction that committed just after the last refresh may
    # carry a modified_at from before it. Patients changed in that window are refreshed
    # again, which costs little and is harmless (upsert).
    since = state.refreshed_through - LOOKBACK if state.refreshed_through else None
    written = snapshots_refresh(patient_ids=_changed_since(since))
    SnapshotState.objects.filter(
        Q(refreshed_through__lt=started) | Q(refreshed_through__isnull=True), pk=1
    ).update(refreshed_through=started)
    return written
