"""Reads for the registry: lists, a patient's page and its audit history."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Prefetch, QuerySet

from registry.access import patients_visible_to
from registry.models import (
    AccessLog,
    AdverseEvent,
    Condition,
    Enrollment,
    Intervention,
    Patient,
    PatientCondition,
    Study,
    Visit,
)
from registry.panels import history_from_apps
from registry.studies import blinding


def patient_list(*, user) -> QuerySet[Patient]:
    """Visible patients with what the list page shows, in one query."""
    return (
        patients_visible_to(user)
        .select_related("site")
        .annotate(visit_count=Count("visits"), last_visit=Max("visits__date"))
        .order_by("family_name", "given_name", "id")
    )


def patient_detail(*, patient: Patient) -> Patient:
    """The patient with conditions and visits prefetched for the patient page."""
    return Patient.objects.prefetch_related(
        Prefetch("conditions", PatientCondition.objects.select_related("condition")),
        Prefetch("visits", Visit.objects.select_related("entered_by").order_by("-date")),
    ).get(pk=patient.pk)


# --- Set-based reads for the apps above (snapshots, cohort, timeline, exports) ------------
# `patient_ids` is a list or a subquery of patient ids (a subquery stays in SQL: the cohort
# is never loaded into Python). The tuple reads return plain rows, no model instances,
# with the columns their docstring names; the caller iterates them.


def patients_with_ids(*, patient_ids) -> QuerySet[Patient]:
    return Patient.objects.filter(pk__in=patient_ids)


def patient_ids_all() -> QuerySet:
    """Every patient's id (a queryset: the caller may narrow it further)."""
    return Patient.objects.values_list("pk", flat=True)


def patient_ids_changed_since(*, since: datetime) -> QuerySet:
    """Ids of the patients whose own record changed after `since`."""
    # order_by(): the default ordering would sort the whole table.
    return Patient.objects.filter(modified_at__gt=since).values_list("pk", flat=True).order_by()


def condition_exists(*, code: str) -> bool:
    return Condition.objects.filter(code=code).exists()


def patient_ids_with_condition(*, code: str) -> QuerySet:
    """The patient ids having this condition, as a subquery (values of `patient_id`)."""
    return PatientCondition.objects.filter(condition__code=code).values("patient_id")


def visit_dates_for_patients(*, patient_ids) -> QuerySet:
    """(patient id, date, kind, visit id) rows."""
    return Visit.objects.filter(patient_id__in=patient_ids).values_list(
        "patient_id", "date", "kind", "id"
    )


def visit_rows_in_patient_order(*, patient_ids) -> QuerySet:
    """(patient id, visit id, date, kind) rows, by patient and date."""
    return Visit.objects.filter(patient_id__in=patient_ids).order_by(
        "patient_id", "date"
    ).values_list("patient_id", "id", "date", "kind")


def visits_in_date_order(*, patient: Patient) -> QuerySet[Visit]:
    return patient.visits.order_by("date")


def visit_patient_ids_changed_since(*, since: datetime) -> QuerySet:
    """Ids of the patients with a visit changed after `since` (repeats possible)."""
    # order_by(): the default ordering would sort the whole table.
    return Visit.objects.filter(modified_at__gt=since).values_list(
        "patient_id", flat=True
    ).order_by()


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    record: str
    action: str
    reason: str
    changes: list[Change] = field(default_factory=list)


ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def _history_rows(model, **filters):
    tracked = {f.name for f in model.history.model._meta.fields}
    fields = [f for f in model._meta.fields if f.name in tracked and f.name not in _SKIP]
    rows = (
        model.history.filter(**filters)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    return fields, rows


_SKIP = {"id", "created_at", "modified_at", "patient", "study_id"}


def _display(record, f, labels) -> str:
    value = getattr(record, f.attname)
    if value in (None, ""):
        return "—"
    if f.is_relation:
        return str(labels[f.name].get(value, value))
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    return str(value)


# Foreign keys whose model's __str__ shows internal ids: label them for people instead.
_FK_LABELS = {
    "registry.enrollment": (("study",), lambda e: e.study.code),
    "registry.allocation": ((), lambda a: f"#{a.sequence}"),
}


def _related_labels(fields, rows) -> dict[str, dict]:
    """Names for foreign keys in the history rows: one query per FK field, not per row."""
    labels = {}
    for f in fields:
        if f.is_relation:
            ids = {getattr(r, f.attname) for r in rows} - {None}
            related, label = _FK_LABELS.get(f.related_model._meta.label_lower, ((), str))
            objects = f.related_model._default_manager.select_related(*related).in_bulk(ids)
            labels[f.name] = {pk: label(obj) for pk, obj in objects.items()}
    return labels


def _changes(fields, before, row, labels, hidden: frozenset) -> list[Change]:
    """What changed from `before` to `row`. Masked fields are listed in every entry, each
    as "blinded", whether or not they changed: which of them changed (or is empty, like
    a placebo's dose) would tell the arm."""
    changes = []
    for f in fields:
        if f.name in hidden:
            changes.append(Change(f.verbose_name, blinding.BLINDED, blinding.BLINDED))
            continue
        old = _display(before, f, labels) if before else "—"
        new = _display(row, f, labels)
        if old != new:
            changes.append(Change(f.verbose_name, old, new))
    return changes


def _entries_for(model, label_of, *, masked=None, **filters) -> list[HistoryEntry]:
    """History entries of one kind of record; `masked(row)` says which records belong to
    a study blinded to the reader (their arm-revealing fields go through the masking
    layer, registry/studies/blinding.py)."""
    fields, rows = _history_rows(model, **filters)
    rows = list(rows)
    labels = _related_labels(fields, rows)
    # A record is masked in all its versions if any of them was in a blinded study.
    hidden_ids = {row.id for row in rows if masked is not None and masked(row)}
    entries, previous = [], {}
    for row in rows:
        hidden = blinding.masked_fields(model) if row.id in hidden_ids else frozenset()
        changes = [] if row.history_type == "-" else _changes(
            fields, previous.get(row.id), row, labels, hidden
        )
        reason = row.history_change_reason or ""
        entries.append(
            HistoryEntry(
                when=row.history_date,
                who=str(row.history_user or "system"),
                record=label_of(row),
                action=ACTIONS[row.history_type],
                reason=blinding.BLINDED if hidden and reason else reason,
                changes=changes,
            )
        )
        previous[row.id] = row
    return entries


def patient_history(*, patient: Patient, user=None) -> list[HistoryEntry]:
    """Every change to the patient's record, conditions, visits and study data, newest
    first. Arms of blinded studies are masked unless `user` may see them.

    One query per kind of record, whatever the length of the history.
    """
    names = dict(Condition.objects.values_list("id", "name"))
    entries = (
        _entries_for(Patient, lambda r: "Patient record", id=patient.pk)
        + _entries_for(
            PatientCondition,
            lambda r: f"Condition: {names.get(r.condition_id, r.condition_id)}",
            patient_id=patient.pk,
        )
        + _entries_for(Visit, lambda r: f"Visit of {r.date:%d %b %Y}", patient_id=patient.pk)
        + _study_entries(patient=patient, user=user)
        + history_from_apps(patient=patient, user=user)
    )
    return sorted(entries, key=lambda e: e.when, reverse=True)


def access_log_for(*, patient: Patient, limit: int = 100) -> QuerySet[AccessLog]:
    return AccessLog.objects.filter(patient=patient).select_related("user")[:limit]


def _study_entries(*, patient: Patient, user) -> list[HistoryEntry]:
    """History of enrolments, interventions and adverse events. Enrolments and
    interventions of studies blinded to `user` are masked by the blinding layer; adverse
    events reveal no arm and are shown as they are."""
    studies = {s.pk: s for s in Study.objects.filter(blinded=True)}
    hidden_studies = {pk for pk, s in studies.items() if blinding.study_hidden(user, s)}
    # Every enrolment the patient ever had (history included), to its study.
    enrolment_study = dict(
        Enrollment.history.filter(patient_id=patient.pk).values_list("id", "study_id")
    )
    return (
        _entries_for(
            Intervention, lambda r: f"Intervention of {r.start_date:%d %b %Y}",
            masked=lambda r: enrolment_study.get(r.enrollment_id) in hidden_studies,
            patient_id=patient.pk,
        )
        + _entries_for(AdverseEvent, lambda r: f"Adverse event: {r.description}",
                       patient_id=patient.pk)
        + _entries_for(
            Enrollment, lambda r: "Study enrolment",
            masked=lambda r: r.study_id in hidden_studies, patient_id=patient.pk,
        )
    )
