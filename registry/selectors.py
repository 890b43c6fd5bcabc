"""Reads for the registry: lists, a patient's page and its audit history."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Prefetch, QuerySet

from registry.access import patients_visible_to
from registry.models import AccessLog, Condition, Patient, PatientCondition, Visit
from registry.panels import history_from_apps


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


def _related_labels(fields, rows) -> dict[str, dict]:
    """Names for foreign keys in the history rows: one query per FK field, not per row."""
    labels = {}
    for f in fields:
        if f.is_relation:
            ids = {getattr(r, f.attname) for r in rows} - {None}
            labels[f.name] = f.related_model._default_manager.in_bulk(ids)
    return labels


def _entries_for(model, label_of, **filters) -> list[HistoryEntry]:
    fields, rows = _history_rows(model, **filters)
    rows = list(rows)
    labels = _related_labels(fields, rows)
    entries, previous = [], {}
    for row in rows:
        before = previous.get(row.id)
        changes = [
            Change(
                f.verbose_name,
                _display(before, f, labels) if before else "—",
                _display(row, f, labels),
            )
            for f in fields
            if before is None or getattr(before, f.attname) != getattr(row, f.attname)
        ]
        if row.history_type == "-":
            changes = []
        entries.append(
            HistoryEntry(
                when=row.history_date,
                who=str(row.history_user or "system"),
                record=label_of(row),
                action=ACTIONS[row.history_type],
                reason=row.history_change_reason or "",
                changes=[c for c in changes if c.old != c.new],
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
    """History of enrolments, interventions and adverse events, blinding-aware."""
    from registry.access import can_see_arm
    from registry.models import AdverseEvent, Enrollment, Intervention

    studies = {e.pk: e.study for e in Enrollment.objects.filter(patient=patient)
               .select_related("study")}
    entries = (
        _entries_for(Intervention, lambda r: f"Intervention of {r.start_date:%d %b %Y}",
                     patient_id=patient.pk)
        + _entries_for(AdverseEvent, lambda r: f"Adverse event: {r.description}",
                       patient_id=patient.pk)
    )
    blinded = [s for s in studies.values() if not can_see_arm(user, s)]
    enrolments = _entries_for(Enrollment, lambda r: "Study enrolment", patient_id=patient.pk)
    if blinded:
        # Arm, allocation and dose reveal treatment in a blinded study: mask them.
        hidden = {"arm", "allocation", "dose"}
        entries = [_masked(e, hidden) for e in entries + enrolments]
    else:
        entries += enrolments
    return entries


def _masked(entry: HistoryEntry, hidden: set[str]) -> HistoryEntry:
    changes = [
        Change(c.field, "blinded", "blinded") if c.field in hidden else c for c in entry.changes
    ]
    return HistoryEntry(entry.when, entry.who, entry.record, entry.action, entry.reason, changes)
