"""Reads for laboratory results: a patient's results, the latest panel, history, inbox.

Patients reach these functions only after registry.access has checked the person;
results in HIDDEN_STATUSES (retracted, cancelled) never appear outside history and the
laboratory's own read-back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from biomarkers.models import (
    HIDDEN_STATUSES,
    Analyte,
    LabResult,
    LabSource,
    LabUpload,
    ParkedLabResult,
    ParkedStatus,
)
from registry.access import can_view_cohort, can_write_patients, role_of, sites_visible_to
from registry.models import Patient, Role, Site


def _visible() -> QuerySet[LabResult]:
    return LabResult.objects.exclude(status__in=HIDDEN_STATUSES)


def lab_results_for_patient(*, patient: Patient) -> QuerySet[LabResult]:
    """The patient's current results, newest first, ready for tables and the API."""
    return (
        _visible()
        .filter(patient=patient)
        .select_related("analyte", "source", "visit")
        .order_by("-collected_at", "analyte__position", "id")
    )


# --- Set-based reads for the apps above (snapshots, alerts, exports) ----------------------
# `patient_ids` is a list or a subquery of patient ids (a subquery stays in SQL: the cohort
# is never loaded into Python). The tuple reads return plain rows, no model instances,
# with the columns their docstring names; the caller iterates (or counts) them.


def lab_results_visible_for_patients(*, patient_ids) -> QuerySet[LabResult]:
    """The patients' current results: retracted and cancelled ones stay in history only."""
    return LabResult.objects.filter(patient_id__in=patient_ids).exclude(
        status__in=HIDDEN_STATUSES
    )


def lab_result_rows_in_patient_order(*, patient_ids) -> QuerySet:
    """(patient id, collected at, visit id, analyte code, value, unit, comparator, reported
    value, reported unit, status, flags) rows of the current results, by patient,
    collection time and analyte."""
    return lab_results_visible_for_patients(patient_ids=patient_ids).order_by(
        "patient_id", "collected_at", "analyte_id"
    ).values_list(
        "patient_id", "collected_at", "visit_id", "analyte_id", "value", "unit", "comparator",
        "reported_value", "reported_unit", "status", "flags",
    )


def lab_values_for_patients(*, patient_ids, analytes) -> QuerySet:
    """(patient id, collected at, visit id, analyte code, value) rows of the current
    results of these analytes that have a value."""
    return (
        LabResult.objects.filter(patient_id__in=patient_ids, analyte_id__in=analytes)
        .exclude(status__in=HIDDEN_STATUSES)
        .exclude(value__isnull=True)
        .values_list("patient_id", "collected_at", "visit_id", "analyte_id", "value")
    )


def lab_results_flagged_for_patients(*, patient_ids) -> QuerySet:
    """(result id, patient id, analyte name, comparator, value, unit, collected at, flags)
    rows of the current results with a value and at least one flag. Most results carry
    no flag, so the database leaves those out."""
    return (
        LabResult.objects.filter(patient_id__in=patient_ids)
        .exclude(status__in=HIDDEN_STATUSES)
        .exclude(flags=[])
        .exclude(value__isnull=True)
        .values_list(
            "pk", "patient_id", "analyte__name", "comparator", "value", "unit",
            "collected_at", "flags",
        )
    )


def lab_result_patient_ids_changed_since(*, since: datetime) -> QuerySet:
    """Ids of the patients with a result changed after `since` (repeats possible)."""
    # order_by(): the default ordering would sort the whole table.
    return LabResult.objects.filter(modified_at__gt=since).values_list(
        "patient_id", flat=True
    ).order_by()


def lab_results_latest(*, patient: Patient) -> list[LabResult]:
    """The latest current result of each analyte, in catalogue order (one query)."""
    ranked = (
        _visible()
        .filter(patient=patient)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("analyte_id")],
                order_by=[F("collected_at").desc(), F("id").desc()],
            )
        )
        .filter(rank=1)
        .select_related("analyte")
        .order_by("analyte__position")
    )
    return list(ranked)


def lab_results_of_source(*, source: LabSource | None) -> QuerySet[LabResult]:
    """What one sender posted, retracted results included (its read-back)."""
    if source is None:
        return LabResult.objects.none()
    return LabResult.objects.filter(source=source).select_related("analyte").order_by("id")


def lab_result_get(*, patient: Patient, pk: int) -> LabResult:
    """One result of a patient the caller may see; 404 otherwise (even if retracted)."""
    try:
        return LabResult.objects.select_related("analyte", "source").get(patient=patient, pk=pk)
    except LabResult.DoesNotExist:
        raise Http404("No such result for this patient.") from None


@dataclass(frozen=True)
class ResultVersion:
    """One version of a result in its history page."""

    when: datetime
    who: str
    action: str
    reason: str
    status: str
    value: str
    reported: str
    changes: list[str] = field(default_factory=list)


_ACTIONS = {"+": "received", "~": "changed", "-": "deleted"}
_COMPARED = (
    "status", "value", "comparator", "reported_value", "reported_unit", "collected_at",
    "resulted_at", "reference_range", "interpretation", "method", "specimen", "visit_id",
)  # fmt: skip


def lab_result_history(*, result: LabResult) -> list[ResultVersion]:
    """Every version of a result, oldest first (one query)."""
    rows = result.history.select_related("history_user").order_by("history_date", "history_id")
    versions, previous = [], None
    for row in rows:
        changes = [
            f"{name.replace('_', ' ')}: {_shown(getattr(previous, name))} → "
            f"{_shown(getattr(row, name))}"
            for name in _COMPARED
            if previous is not None and getattr(previous, name) != getattr(row, name)
        ]
        value = "—" if row.value is None else f"{row.comparator}{_shown(row.value)}"
        versions.append(
            ResultVersion(
                when=row.history_date,
                who=str(row.history_user or "laboratory system"),
                action=_ACTIONS[row.history_type],
                reason=row.history_change_reason or "",
                status=row.get_status_display(),
                value=f"{value} {row.unit}",
                reported=f"{row.reported_value} {row.reported_unit}".strip(),
                changes=changes,
            )
        )
        previous = row
    return versions


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def lab_panel_context(*, patient: Patient, user) -> dict:
    """The patient page's biomarker table: latest value per analyte (fixed query count)."""
    return {
        "latest": lab_results_latest(patient=patient),
        "can_write": can_write_patients(user),
    }


def analytes_for_entry() -> QuerySet[Analyte]:
    return Analyte.objects.order_by("-is_core", "position")


# --- parked inbox --------------------------------------------------------------------------


def parked_results_for(
    *, user, status: str | None = ParkedStatus.OPEN
) -> QuerySet[ParkedLabResult]:
    """Inbox rows a coordinator may review: their sites' results and unknown-site ones.

    A result that names a registry site belongs to that site's coordinators; one whose
    identifier names no site (an HL7 assigning authority such as "NIST MPI") can be
    matched by any coordinator.
    """
    if not can_view_cohort(user):
        return ParkedLabResult.objects.none()
    rows = ParkedLabResult.objects.select_related("analyte", "source")
    if status is not None:
        rows = rows.filter(status=status)
    if role_of(user) == Role.ADMINISTRATOR:
        return rows
    visible = list(sites_visible_to(user).values_list("code", flat=True))
    all_sites = Site.objects.values_list("code", flat=True)
    return rows.filter(Q(site_code__in=visible) | ~Q(site_code__in=all_sites))


def parked_result_get(*, user, pk: int) -> ParkedLabResult:
    try:
        return parked_results_for(user=user, status=None).get(pk=pk)
    except ParkedLabResult.DoesNotExist:
        raise Http404("No such parked result in your inbox.") from None


def parked_result_history(*, parked: ParkedLabResult):
    return parked.history.select_related("history_user").order_by("history_date")


# --- uploads -------------------------------------------------------------------------------


def lab_uploads_for(*, user) -> QuerySet[LabUpload]:
    if not can_view_cohort(user):
        return LabUpload.objects.none()
    return LabUpload.objects.filter(uploaded_by=user).select_related("source").defer("content")


def lab_upload_get(*, user, public_id) -> LabUpload:
    try:
        return lab_uploads_for(user=user).get(public_id=public_id)
    except LabUpload.DoesNotExist:
        raise Http404("No such upload.") from None
