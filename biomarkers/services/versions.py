"""A result sent again under an external id already stored: keep, update, retract or refuse.

The stored row is locked and compared with the new version. An amended or corrected
result replaces the stored version, as does any new content for a preliminary or
cancelled one; an entered-in-error or cancelled one retracts it; an older version than
the stored one is not applied. django-simple-history keeps every earlier version. A
resend may never move a result to another patient or analyte.
"""

from __future__ import annotations

from django.db import transaction

from biomarkers.models import LabResult, LabSource, ResultStatus
from biomarkers.parsing.records import VALUELESS_STATUSES
from biomarkers.services.items import ItemOutcome, PreparedItem, reject

# Fields whose difference makes a resent result "different content".
CONTENT_FIELDS = (
    "patient_id", "analyte_id", "value", "comparator", "reported_value", "reported_unit",
    "collected_at", "status", "reference_range", "interpretation", "method", "device",
    "specimen", "external_id_system",
)  # fmt: skip
REPLACING_STATUSES = (ResultStatus.AMENDED, ResultStatus.CORRECTED)


def apply_to_existing(source: LabSource, items: list[PreparedItem], actor) -> None:
    """Compare resent items with the stored row (locked) and update, keep or refuse."""
    pending = [item for item in items if item.outcome is None]
    if not pending:
        return
    keys = {item.record.external_id for item in pending}
    rows = (
        LabResult.objects.select_for_update()
        .filter(source=source, external_id__in=keys)
        .order_by("external_id")
    )
    stored = {row.external_id: row for row in rows}
    for item in pending:
        row = stored.get(item.record.external_id)
        if row is None:  # the insert failed for another reason, already reported
            item.outcome = item.outcome or reject(item.record, "The result could not be stored.")
            continue
        item.outcome = _resend_outcome(row, item, source, actor)


def _differences(row: LabResult, new: LabResult) -> list[str]:
    return [name for name in CONTENT_FIELDS if getattr(row, name) != getattr(new, name)]


def _resend_outcome(row: LabResult, item: PreparedItem, source: LabSource, actor) -> ItemOutcome:
    record, new = item.record, item.result

    def outcome(name: str, *notes: str) -> ItemOutcome:
        return ItemOutcome(
            record.index, name, id=row.pk, notes=(*record.notes, *notes),
            external_id=record.external_id,
        )  # fmt: skip

    if record.if_none_exist:
        return outcome("unchanged", "conditional create: a result with this identifier exists")
    # Before ANY retraction or update: the resend must name the stored patient and analyte,
    # or an entered-in-error row naming anyone could retract this result.
    if row.patient_id != new.patient_id or row.analyte_id != new.analyte_id:
        return reject(
            record,
            f"Result '{record.external_id}' belongs to another patient or analyte; retract it "
            "(entered-in-error) naming its own patient and analyte, and send a new result "
            "with a new identifier.",
        )
    if record.status in VALUELESS_STATUSES:
        if row.status == record.status:
            return outcome("unchanged")
        return outcome(_save_version(row, item, actor, source, retraction=True))
    changed = _differences(row, new)
    if not changed:
        return outcome("unchanged")
    if row.status == ResultStatus.ENTERED_IN_ERROR and record.status not in REPLACING_STATUSES:
        return reject(
            record,
            f"Result '{record.external_id}' was retracted (entered-in-error); send it with "
            "status amended or corrected to reinstate it.",
        )
    if row.resulted_at and record.resulted_at and record.resulted_at < row.resulted_at:
        return outcome("unchanged", "an older version than the one stored; not applied")
    replaceable = (ResultStatus.PRELIMINARY, ResultStatus.CANCELLED, ResultStatus.ENTERED_IN_ERROR)
    if record.status in REPLACING_STATUSES or row.status in replaceable:
        return outcome(_save_version(row, item, actor, source))
    return reject(
        record,
        f"A result with external_id '{record.external_id}' already exists with different "
        f"content ({', '.join(changed)}); send status amended or corrected to change it.",
    )


def _save_version(
    row: LabResult, item: PreparedItem, actor, source: LabSource, *, retraction=False
):
    """Replace the stored version; django-simple-history keeps the previous one.

    A retraction changes the status only: the retracted value stays readable in history.
    """
    if retraction:
        names: tuple[str, ...] = ("status", "resulted_at")
    else:
        names = (*CONTENT_FIELDS, "resulted_at", "visit_id", "flags", "loinc", "unit")
    for name in names:
        setattr(row, name, getattr(item.result, name))
    row._history_user = actor if getattr(actor, "pk", None) else None
    row._change_reason = f"{item.record.status} from {source}"
    with transaction.atomic():
        row.save()
    return "retracted" if retraction else "updated"
