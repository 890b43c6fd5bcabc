"""Writing an export: the tidy long CSV and the wide CSV per timepoint (and, for the
dictionary kind, the data dictionary of longitudinal/exports/dictionary.py).

Plain functions that read and write; no request, no job. `export_write` is what the
Celery task runs and what `bench/` times directly. The columns are defined in
longitudinal/exports/formats.py.

How it stays fast and flat at 100,000 patients (see docs/exports.md):

- The patients are the cohort's PatientSnapshot queryset; the measures are read with
  `patient_id IN (SELECT patient_id FROM <cohort>)`, never a Python list of ids.
- Four ordered streams (patients, visits, assessments, lab results), each read with
  `.values_list(...).iterator(chunk_size=5000)` in patient order, are merged like a
  merge join: only one patient's rows are held in memory at a time.
- Rows are plain lists handed to the registry's CSV writer (`core.csvsafe`, which
  neutralises spreadsheet formulas); no model instances.

Visit timepoints are derived on read, as in longitudinal/snapshots.py: from the study the
snapshot follows (the patient's latest enrolment), its schedule and the anchor date
(first intervention, else study enrolment), with `registry.schedule.window_for`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from itertools import groupby
from operator import itemgetter
from typing import Any, TextIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from assessments.selectors import assessment_rows_in_patient_order, assessments_for_patients
from biomarkers.selectors import (
    lab_result_rows_in_patient_order,
    lab_results_visible_for_patients,
)
from core import csvsafe
from core.dates import age_on
from longitudinal.exports import pseudonyms
from longitudinal.exports.dictionary import dictionary_write
from longitudinal.exports.formats import (
    AGE_CAP,
    AGE_CAPPED,
    DATE_FROM_BASELINE,
    DATE_SHIFTED,
    REGISTRY,
    SCORE_UNITS,
    UNSCHEDULED,
    check_options,
    flags_cell,
    plain_decimal,
    tidy_columns,
    wide_columns,
    wide_measure_columns,
)
from longitudinal.filters import CohortFilterForm
from longitudinal.models import CATEGORY_INSTRUMENTS, ExportKind, PatientSnapshot
from longitudinal.selectors import cohort_queryset
from registry.models import VisitKind
from registry.selectors import visit_rows_in_patient_order
from registry.studies import blinding, schedule
from registry.studies.selectors import arm_visible, arms_by_id, studies_by_id, study_windows

CHUNK = 5000
PROGRESS_EVERY = 10_000


# --- Plain helpers ---------------------------------------------------------------------


def date_offset(*, patient_pk: int, key: str | bytes | None = None, recipient: str = "") -> int:
    """The secret date shift of one patient: ±1..180 days, the same for all their dates.

    HMAC-SHA256 under EXPORT_DATE_SHIFT_KEY (longitudinal/exports/pseudonyms.py): stable
    across exports for one recipient label (so re-exports line up), unguessable without the
    key, never 0 (an unshifted patient would keep real dates).
    """
    key = settings.EXPORT_DATE_SHIFT_KEY if key is None else key
    return pseudonyms.date_offset(key=key, patient_pk=patient_pk, recipient=recipient)


def pseudonym(*, patient_pk: int, key: str | bytes | None = None, recipient: str = "") -> str:
    """The patient's pseudonym in de-identified exports (`P-` + 16 base32 characters),
    HMAC-SHA256 under EXPORT_PSEUDONYM_KEY with the recipient label mixed in."""
    key = settings.EXPORT_PSEUDONYM_KEY if key is None else key
    return pseudonyms.pseudonym(key=key, patient_pk=patient_pk, recipient=recipient)


# --- Reading: four ordered streams merged per patient ----------------------------------


def _patient_stream(cohort: QuerySet[PatientSnapshot]) -> Iterator[tuple]:
    return cohort.order_by("patient_id").values_list(
        "patient_id", "patient__study_id", "patient__mrn", "site__code",
        "patient__family_name", "patient__given_name", "date_of_birth", "sex",
        "study_id", "arm_id", "anchor_date", "patient__enrolled_on",
    ).iterator(chunk_size=CHUNK)


def _visit_stream(ids: QuerySet) -> Iterator[tuple]:
    return visit_rows_in_patient_order(patient_ids=ids).iterator(chunk_size=CHUNK)


def _assessment_stream(ids: QuerySet) -> Iterator[tuple]:
    return assessment_rows_in_patient_order(patient_ids=ids).iterator(chunk_size=CHUNK)


def _lab_stream(ids: QuerySet) -> Iterator[tuple]:
    # Current results only: retracted and cancelled ones stay in history, never in an
    # export (docs/exports.md).
    return lab_result_rows_in_patient_order(patient_ids=ids).iterator(chunk_size=CHUNK)


def export_rows_estimate(*, cohort: QuerySet[PatientSnapshot]) -> int:
    """Measures (assessments + visible lab results) of the cohort: two COUNTs."""
    ids = cohort.values("patient_id")
    return (
        assessments_for_patients(patient_ids=ids).count()
        + lab_results_visible_for_patients(patient_ids=ids).count()
    )


def _merged(patients: Iterator[tuple], *streams: Iterator[tuple]) -> Iterator[tuple]:
    """(patient row, [rows of stream 1], [rows of stream 2], ...) per patient, in order.

    Every stream is ordered by patient id, so one pass over each suffices (a merge join);
    only the current patient's rows are in memory.
    """
    grouped = [groupby(stream, key=itemgetter(0)) for stream in streams]
    heads = [next(g, None) for g in grouped]
    for patient in patients:
        pid = patient[0]
        found = []
        for i, groups in enumerate(grouped):
            head = heads[i]
            while head is not None and head[0] < pid:
                head = next(groups, None)
            if head is not None and head[0] == pid:
                found.append(list(head[1]))
                head = next(groups, None)
            else:
                found.append([])
            heads[i] = head
        yield patient, *found


# --- Per-patient derivations -----------------------------------------------------------


class _Studies:
    """The studies and arms of the export, loaded once: windows and what the reader sees."""

    def __init__(self, user) -> None:
        self.user = user
        self.studies = studies_by_id()
        self.windows: dict[int, tuple] = {}
        self.visible = {pk: arm_visible(user, s) for pk, s in self.studies.items()}
        self.arms = arms_by_id()

    def windows_for(self, study_id: int) -> tuple:
        if study_id not in self.windows:
            self.windows[study_id] = study_windows(self.studies[study_id])
        return self.windows[study_id]

    def study_code(self, study_id: int | None) -> str:
        return self.studies[study_id].code if study_id else ""

    def arm_code(self, study_id: int | None, arm_id: int | None) -> str:
        """The arm code, or "blinded" for people who may not see this study's arms."""
        if not study_id or not arm_id:
            return ""
        return blinding.arm_code_in(code=self.arms[arm_id].code, visible=self.visible[study_id])


def _visit_labels(visits: list, *, study_id, anchor, windows) -> dict[int, str]:
    """Each visit's timepoint code: the schedule window it falls in, else registry /
    unscheduled. Outside a study only the baseline visit has a timepoint."""
    labels = {}
    for _pid, visit_id, date, kind in visits:
        if study_id is None or anchor is None:
            labels[visit_id] = "baseline" if kind == VisitKind.BASELINE else REGISTRY
            continue
        window = schedule.window_on(anchor=anchor, date=date, windows=windows)
        if window is not None:
            labels[visit_id] = window.code
        else:
            labels[visit_id] = REGISTRY if date < anchor else UNSCHEDULED
    return labels


def _baseline(visits: list, *, anchor, enrolled_on) -> dt.date:
    """Day 0 of days_from_baseline: the study anchor, else the baseline visit, else the
    registry enrolment date."""
    if anchor is not None:
        return anchor
    for _pid, _vid, date, kind in visits:
        if kind == VisitKind.BASELINE:
            return date
    return enrolled_on


class Cells:
    """The cells that depend on the reader and the options (the identifying prefix, ages,
    dates, study and arm) for one patient's rows; also used by bench's naive writer."""

    def __init__(self, *, user, deidentified: bool, date_mode: str, recipient: str = "") -> None:
        self.deidentified = deidentified
        self.date_mode = date_mode
        self.recipient = recipient
        self.studies = _Studies(user)
        self.tz = timezone.get_current_timezone()

    def prepare(self, patient: tuple, visits: list) -> dict:
        (pid, study_id, mrn, site, family, given, born, sex,
         study_pk, arm_pk, anchor, enrolled_on) = patient
        windows = self.studies.windows_for(study_pk) if study_pk else ()
        ctx = {
            "born": born,
            "labels": _visit_labels(visits, study_id=study_pk, anchor=anchor, windows=windows),
            "visit_dates": {v[1]: v[2] for v in visits},
            "study": self.studies.study_code(study_pk),
            "arm": self.studies.arm_code(study_pk, arm_pk),
        }
        if self.deidentified:
            ctx["prefix"] = [pseudonym(patient_pk=pid, recipient=self.recipient), sex]
        else:
            ctx["prefix"] = [study_id, mrn, site, family, given, born, sex]
        if self.date_mode == DATE_SHIFTED:
            shift = date_offset(patient_pk=pid, recipient=self.recipient)
            ctx["shift"] = dt.timedelta(days=shift)
        elif self.date_mode == DATE_FROM_BASELINE:
            ctx["baseline"] = _baseline(visits, anchor=anchor, enrolled_on=enrolled_on)
        return ctx

    def date_cell(self, ctx: dict, date: dt.date):
        if self.date_mode == DATE_SHIFTED:
            return date + ctx["shift"]
        if self.date_mode == DATE_FROM_BASELINE:
            return (date - ctx["baseline"]).days
        return date

    def age_cell(self, ctx: dict, date: dt.date):
        age = age_on(ctx["born"], date)
        return AGE_CAPPED if self.deidentified and age >= AGE_CAP else age

    def lab_date(self, collected: dt.datetime) -> dt.date:
        return collected.astimezone(self.tz).date()


def _tidy_rows(w: Cells, ctx: dict, assessments: list, labs: list) -> list[list]:
    rows = []
    prefix, labels, study, arm = ctx["prefix"], ctx["labels"], ctx["study"], ctx["arm"]
    for _pid, date, visit_id, code, score, category, version, flags in assessments:
        rows.append((date, 0, code, [
            *prefix, w.age_cell(ctx, date), w.date_cell(ctx, date), labels.get(visit_id, ""),
            "instrument", code, score, "", SCORE_UNITS.get(code, "points"), "", "",
            category, "", flags_cell(flags), study, arm, version,
        ]))
    for (_pid, collected, visit_id, code, value, unit, comparator, reported_value,
         reported_unit, status, flags) in labs:
        date = w.lab_date(collected)
        rows.append((date, 1, code, [
            *prefix, w.age_cell(ctx, date), w.date_cell(ctx, date), labels.get(visit_id, ""),
            "analyte", code, plain_decimal(value), comparator, unit, reported_value,
            reported_unit, "", status, flags_cell(flags), study, arm, "",
        ]))
    rows.sort(key=itemgetter(0, 1, 2))
    return [r[3] for r in rows]


def _wide_rows(w: Cells, ctx: dict, assessments: list, labs: list, index: dict) -> list:
    """One row per visit (timepoint) of the patient, measured or not; lab results without
    a visit get a row of their own at their collection date. The later of two results of one analyte
    at one visit wins (the streams are in date order)."""
    labels, dates = ctx["labels"], ctx["visit_dates"]
    # Every visit is a row, measured or not: a missed measure is visible as a blank.
    cells: dict[tuple, dict] = {(date, labels[vid]): {} for vid, date in dates.items()}
    for _pid, date, visit_id, code, score, category, _version, _flags in assessments:
        row = cells.setdefault((date, labels.get(visit_id, "")), {})
        row[index[code]] = score
        if code in CATEGORY_INSTRUMENTS:
            row[index[f"{code}_category"]] = category
    for _pid, collected, visit_id, code, value, _unit, comparator, *_rest in labs:
        date = dates[visit_id] if visit_id in dates else w.lab_date(collected)
        row = cells.setdefault((date, labels.get(visit_id, "")), {})
        if code in index:
            row[index[code]] = plain_decimal(value)
            row[index[f"{code}_comparator"]] = comparator
    width = len(index)
    rows = []
    for (date, label), values in sorted(cells.items(), key=itemgetter(0)):
        measures = [""] * width
        for i, value in values.items():
            measures[i] = value
        rows.append([
            *ctx["prefix"], w.age_cell(ctx, date), w.date_cell(ctx, date), label,
            ctx["study"], ctx["arm"], *measures,
        ])
    return rows


# --- Writing ---------------------------------------------------------------------------


def export_cohort(*, user, form_or_filters) -> QuerySet[PatientSnapshot]:
    """The cohort's snapshots; a mapping of filters is validated for this user first."""
    form = form_or_filters
    if not isinstance(form, CohortFilterForm):
        form = CohortFilterForm(data=dict(form_or_filters or {}), user=user)
    if not form.is_valid():
        raise ValidationError({
            field: [e["message"] for e in errors]
            for field, errors in form.errors.get_json_data().items()
        })
    return cohort_queryset(user=user, form=form)


def export_write(
    *,
    kind: str,
    user,
    form_or_filters: CohortFilterForm | Mapping[str, Any] | None,
    deidentified: bool,
    date_mode: str,
    out: TextIO,
    progress: Callable[[int], None] | None = None,
    dictionary_format: str = "csv",
    recipient: str = "",
    on_patient: Callable[[int], None] | None = None,
) -> int:
    """Write one export of the user's cohort to `out` (text, newline=""); returns the
    number of data rows written.

    `recipient` (a label such as a project or the team receiving the file) keys the
    pseudonyms and date shifts of a de-identified export: the same label, the same ones.
    `on_patient(pk)` is called for each patient with rows in the file (the download is
    access-logged per patient). `progress(measures_done)` is called about every 10,000
    measures. Snapshots are read
    as they are: call `snapshots_refresh_changed()` first for current data (export_run
    does). Raises ValidationError for invalid filters or options.
    """
    check_options(kind=kind, deidentified=deidentified, date_mode=date_mode)
    if kind == ExportKind.DICTIONARY:
        return dictionary_write(out=out, fmt=dictionary_format)
    cohort = export_cohort(user=user, form_or_filters=form_or_filters)
    w = Cells(user=user, deidentified=deidentified, date_mode=date_mode, recipient=recipient)
    writer = csvsafe.writer(out)
    if kind == ExportKind.TIDY:
        writer.writerow(tidy_columns(deidentified=deidentified, date_mode=date_mode))
        build = _tidy_rows
    else:
        header = wide_columns(deidentified=deidentified, date_mode=date_mode)
        writer.writerow(header)
        index = {c: i for i, c in enumerate(wide_measure_columns())}

        def build(w, ctx, assessments, labs):
            return _wide_rows(w, ctx, assessments, labs, index)

    return _stream(cohort, w, writer, build, progress, on_patient)


def _stream(cohort, w: Cells, writer, build, progress, on_patient) -> int:
    ids = cohort.values("patient_id")
    merged = _merged(
        _patient_stream(cohort), _visit_stream(ids), _assessment_stream(ids), _lab_stream(ids)
    )
    written = done = 0
    next_report = PROGRESS_EVERY
    for patient, visits, assessments, labs in merged:
        ctx = w.prepare(patient, visits)
        rows = build(w, ctx, assessments, labs)
        writer.writerows(rows)
        if rows and on_patient is not None:
            on_patient(patient[0])
        written += len(rows)
        done += len(assessments) + len(labs)
        if progress is not None and done >= next_report:
            progress(done)
            next_report = done + PROGRESS_EVERY
    if progress is not None:
        progress(done)
    return written
