"""The naive export writer, for bench/longitudinal.py's comparison only; never used by
the app.

It writes the same tidy rows as longitudinal.exports.writers.export_write (same cells,
same checks: tests/longitudinal/test_export_writer.py compares the two), the way an ORM
loop would: model instances and queries per patient and per visit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from biomarkers.models import HIDDEN_STATUSES
from core import csvsafe
from longitudinal.exports.formats import (
    SCORE_UNITS,
    check_options,
    flags_cell,
    plain_decimal,
    tidy_columns,
)
from longitudinal.exports.writers import Cells, date_offset, export_cohort, pseudonym
from longitudinal.filters import CohortFilterForm
from longitudinal.models import ExportKind
from registry.studies.blinding import arm_code_for
from registry.studies.selectors import visit_labels


def export_write_naive(
    *,
    kind: str,
    user,
    form_or_filters: CohortFilterForm | Mapping[str, Any] | None,
    deidentified: bool,
    date_mode: str,
    out: TextIO,
    progress: Callable[[int], None] | None = None,
) -> int:
    """The naive ORM way: model instances, a loop per patient with queries per patient
    and per visit, the schedule re-read per patient. Tidy format only."""
    if kind != ExportKind.TIDY:
        raise ValueError("export_write_naive writes the tidy format only.")
    check_options(kind=kind, deidentified=deidentified, date_mode=date_mode)
    cohort = export_cohort(user=user, form_or_filters=form_or_filters)
    writer = csvsafe.writer(out)
    writer.writerow(tidy_columns(deidentified=deidentified, date_mode=date_mode))
    w = Cells(user=user, deidentified=deidentified, date_mode=date_mode)
    written = 0
    for snapshot in cohort.order_by("patient_id"):
        patient = snapshot.patient
        visits = list(patient.visits.all())
        labels = visit_labels(patient=patient, visits=visits)
        enrollment = patient.enrollments.order_by("enrolled_on", "id").last()
        arm = arm_code_for(user, enrollment) if enrollment else ""
        ctx = {
            "born": patient.date_of_birth,
            "shift": dt.timedelta(days=date_offset(patient_pk=patient.pk)),
            "baseline": snapshot.anchor_date or patient.enrolled_on,
        }
        prefix = [pseudonym(patient_pk=patient.pk), patient.sex] if deidentified else [
            patient.study_id, patient.mrn, patient.site.code, patient.family_name,
            patient.given_name, patient.date_of_birth, patient.sex,
        ]
        study = enrollment.study.code if enrollment else ""
        for visit in visits:
            for a in visit.assessments.all():
                writer.writerow([
                    *prefix, w.age_cell(ctx, visit.date), w.date_cell(ctx, visit.date),
                    labels.get(visit.pk, ""), "instrument", a.instrument, a.score, "",
                    SCORE_UNITS.get(a.instrument, "points"), "", "", a.category, "",
                    flags_cell(a.flags), study, arm, a.version,
                ])
                written += 1
        for r in patient.lab_results.exclude(status__in=HIDDEN_STATUSES).order_by("collected_at"):
            date = w.lab_date(r.collected_at)
            writer.writerow([
                *prefix, w.age_cell(ctx, date), w.date_cell(ctx, date),
                labels.get(r.visit_id, ""), "analyte", r.analyte_id, plain_decimal(r.value),
                r.comparator, r.unit, r.reported_value, r.reported_unit, "", r.status,
                flags_cell(r.flags), study, arm, "",
            ])
            written += 1
        if progress is not None:
            progress(written)
    return written
