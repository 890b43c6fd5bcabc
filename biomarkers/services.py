"""Writes with rules for laboratory results: ONE ingestion service behind every format.

JSON batches, FHIR Observations and Bundles, HL7 v2 ORU messages, CSV uploads, manual
entry and matches from the parked inbox all turn into ``LabRecord``s and go through
``lab_results_ingest``. It decides, per item (API.md "Laboratory results"):

- ``created``: a new (source, external_id);
- ``unchanged``: the same content again (or a conditional create that matched, or an
  older version arriving after a newer one);
- ``updated``: amended/corrected (or a preliminary result becoming final), the previous
  version kept in history;
- ``retracted``: entered-in-error (or cancelled): kept in history, gone from views;
- ``parked``: the patient is not known; held for a coordinator in the inbox;
- ``rejected``: with the reasons.

Patients are resolved only within the caller's ``PatientScope`` (biomarkers/patient_scope.py):
a person's sites, or the sites a laboratory key serves.

Idempotency and concurrency rest on the database: results are inserted with
``ON CONFLICT (source_id, external_id) DO NOTHING`` and whatever already existed (or was
inserted a moment earlier by a racing request) is then locked and compared. Every write
of an item runs in its own savepoint, so a failure rolls back that item only.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from biomarkers import bulk, catalogue, units, upload_services
from biomarkers.models import (
    HIDDEN_STATUSES,
    Analyte,
    Hl7Message,
    LabClient,
    LabResult,
    LabSource,
    LabUpload,
    ParkedLabResult,
    ParkedStatus,
    ResultStatus,
    SourceKind,
)
from biomarkers.parsing.jsonitem import CSV_COLUMNS, csv_item, json_record
from biomarkers.parsing.records import VALUELESS_STATUSES, LabRecord, PatientRef
from biomarkers.patient_scope import (
    PatientInfo,
    PatientScope,
    patient_key,
    patient_scope_for_user,
    patients_resolve,
    unmatched_reason,
)
from core import csvsafe
from core.dates import age_on
from core.transient import is_transient
from registry.access import can_view_cohort, can_write_patients
from registry.models import Patient, Visit

OUTCOMES = ("created", "unchanged", "updated", "retracted", "parked", "rejected")
# How far in the future a collection time may be before it is refused: lab and registry
# clocks differ by seconds to minutes, never by more.
CLOCK_SKEW = dt.timedelta(minutes=5)
CANONICAL_PLACES = Decimal("1e-9")  # LabResult.value has 9 decimal places
PRELIMINARY_FLAG = {
    "code": "PRELIMINARY",
    "label": "preliminary result: may still change",
    "source": "biomarkers.md §4",
}
# Fields whose difference makes a resent result "different content".
CONTENT_FIELDS = (
    "patient_id", "analyte_id", "value", "comparator", "reported_value", "reported_unit",
    "collected_at", "status", "reference_range", "interpretation", "method", "device",
    "specimen", "external_id_system",
)  # fmt: skip
REPLACING_STATUSES = (ResultStatus.AMENDED, ResultStatus.CORRECTED)


@dataclass(frozen=True)
class ItemOutcome:
    """What happened to one item of a payload."""

    index: int
    outcome: str
    id: int | None = None
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    external_id: str | None = None
    parked_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data = {"index": self.index, "outcome": self.outcome, "id": self.id}
        data["errors"] = list(self.errors)
        if self.notes:
            data["notes"] = list(self.notes)
        return data


@dataclass(frozen=True)
class IngestReport:
    """Per-item outcomes, in payload order; ``applied`` is False after a rollback."""

    items: tuple[ItemOutcome, ...]
    applied: bool = True

    def summary(self) -> dict[str, int]:
        counts = Counter(item.outcome for item in self.items)
        return {"total": len(self.items), **{name: counts.get(name, 0) for name in OUTCOMES}}

    @property
    def rejected(self) -> list[ItemOutcome]:
        return [item for item in self.items if item.outcome == "rejected"]


class _RollBack(Exception):  # noqa: N818 - control flow, never escapes this module
    def __init__(self, report: IngestReport) -> None:
        self.report = report


# --- catalogue -----------------------------------------------------------------------------


def analyte_catalogue_sync() -> None:
    """Copy catalogue.py into the Analyte table (what migration 0003 does at deploy).

    Needed again after a test flushes every table (transactional tests).
    """
    for position, analyte in enumerate(catalogue.all_analytes()):
        Analyte.objects.update_or_create(
            code=analyte.code,
            defaults={
                "name": analyte.name,
                "canonical_unit": analyte.canonical_unit,
                "loinc_codes": list(analyte.loinc_codes),
                "is_core": analyte.is_core,
                "position": position,
                "definition": analyte.as_dict(),
            },
        )


# --- sources -------------------------------------------------------------------------------


def _source_get_or_create(*, code: str, **defaults) -> LabSource:
    """get_or_create that survives a concurrent creator (the unique code decides)."""
    source = LabSource.objects.filter(code=code).first()
    if source is not None:
        return source
    try:
        with transaction.atomic():
            return LabSource.objects.create(code=code, **defaults)
    except IntegrityError:
        return LabSource.objects.get(code=code)


def lab_source_for_client(*, lab_client: LabClient) -> LabSource:
    """The source of everything a laboratory system posts with its key."""
    return _source_get_or_create(
        code=f"lab:{lab_client.prefix}", name=lab_client.name, kind=SourceKind.LAB,
        lab_client=lab_client,
    )  # fmt: skip


def lab_source_manual() -> LabSource:
    return _source_get_or_create(code="manual", name="Manual entry", kind=SourceKind.MANUAL)


def lab_source_for_file(*, name: str, owner) -> LabSource:
    """A CSV feed: identifiers are unique within one feed, and a feed is its owner's.

    Keyed to the uploader, not to the free-text name alone: a second coordinator typing
    the same name gets a feed of their own, so nobody can amend or retract another
    person's results by reusing a name. ``owner=None`` is for management commands only.
    """
    label = " ".join(name.split())[:100] or "CSV upload"
    owner_part = f"u{owner.pk}:" if owner is not None else ""
    code = f"file:{owner_part}{label.casefold()}"[:80]
    return _source_get_or_create(code=code, name=label, kind=SourceKind.FILE, owner=owner)


# --- preparing items (no writes) -----------------------------------------------------------


@dataclass
class _Item:
    """An item that passed every check that needs no patient."""

    record: LabRecord
    analyte: catalogue.Analyte
    canonical: Decimal | None
    outcome: ItemOutcome | None = None
    patient: PatientInfo | None = None
    result: LabResult | None = None
    collected_on: dt.date | None = None  # local date of collection, computed once


def _reject(record: LabRecord, *errors: str) -> ItemOutcome:
    return ItemOutcome(record.index, "rejected", errors=errors, external_id=record.external_id)


def _analyte_of(record: LabRecord) -> catalogue.Analyte:
    if record.analyte:
        return catalogue.analyte_by_code(record.analyte)
    if record.loinc:
        return catalogue.analyte_by_loinc(record.loinc)
    local = f" (local code '{record.local_code}')" if record.local_code else ""
    raise catalogue.UnknownAnalyteError(f"No catalogued analyte or LOINC code was sent{local}.")


def _prepare(record: LabRecord, now: dt.datetime) -> _Item | ItemOutcome:
    """Every check that needs no database: shape, analyte, unit, plausibility, time."""
    if record.errors:
        return _reject(record, *record.error_messages())
    errors = []
    if not record.external_id:
        errors.append("external_id: an identifier of the result is required (idempotency key).")
    if record.status is None:
        errors.append("status: required.")
    if record.patient is None or not (record.patient.is_resolvable or record.patient.value):
        errors.append("patient: an identifier is required (study id, or site and MRN).")
    if record.collected_at is None:
        errors.append("collected_at: the specimen collection time is required.")
    elif record.collected_at > now + CLOCK_SKEW:
        errors.append(f"collected_at: {record.collected_at.isoformat()} is in the future.")
    elif record.resulted_at is not None and record.resulted_at < record.collected_at:
        errors.append("resulted_at: a result cannot be released before collection.")
    try:
        analyte = _analyte_of(record)
        canonical = _canonical(record, analyte)
    except (catalogue.UnknownAnalyteError, units.BiomarkerValueError) as exc:
        errors.append(str(exc) if isinstance(exc, LookupError) else exc.message)
        return _reject(record, *errors)
    if errors:
        return _reject(record, *errors)
    collected_on = timezone.localdate(record.collected_at, timezone=_local_zone())
    return _Item(record=record, analyte=analyte, canonical=canonical, collected_on=collected_on)


def _local_zone():
    return timezone.get_current_timezone()


def _canonical(record: LabRecord, analyte: catalogue.Analyte) -> Decimal | None:
    if record.value is None:
        if record.status in VALUELESS_STATUSES:
            return None
        raise units.ValueParseError(f"value: a numeric {analyte.code} result is required.")
    canonical = units.to_canonical(analyte, record.value, record.unit)
    units.check_plausible(analyte, canonical)
    return canonical.quantize(CANONICAL_PLACES)


# --- patients and visits (a fixed number of queries per payload) ---------------------------


def _visits_for(items: Sequence[_Item]) -> dict[int, list[tuple[dt.date, int]]]:
    """(date, id) of the visits of these patients around these collection dates."""
    if not items:
        return {}
    window = dt.timedelta(days=settings.LAB_RESULT_VISIT_WINDOW_DAYS)
    dates = [item.collected_on for item in items]
    visits = Visit.objects.filter(
        patient_id__in={item.patient.id for item in items},
        date__range=(min(dates) - window, max(dates) + window),
    )
    by_patient: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    for pk, patient_id, date in visits.values_list("id", "patient_id", "date"):
        by_patient[patient_id].append((date, pk))
    return by_patient


def _closest_visit(visits: list[tuple[dt.date, int]], collected: dt.date) -> int | None:
    """The visit closest to collection within the window; on a tie, the earlier one."""
    window = settings.LAB_RESULT_VISIT_WINDOW_DAYS
    candidates = [
        (abs((date - collected).days), date, pk)
        for date, pk in visits
        if abs((date - collected).days) <= window
    ]
    return min(candidates)[2] if candidates else None


def _flags(item: _Item, collected: dt.date) -> list[dict[str, str]]:
    flags = []
    if item.canonical is not None:
        found = units.flags_for(
            item.analyte,
            item.canonical,
            comparator=item.record.comparator,
            age_years=age_on(item.patient.date_of_birth, collected),
        )
        flags = [flag.as_dict() for flag in found]
    if item.record.status == ResultStatus.PRELIMINARY:
        flags.append(PRELIMINARY_FLAG)
    return flags


def _build_result(item: _Item, source: LabSource, visit_id: int | None, actor) -> LabResult:
    record, collected = item.record, item.collected_on
    return LabResult(
        patient_id=item.patient.id,
        visit_id=visit_id,
        analyte_id=item.analyte.code,
        value=item.canonical,
        unit=item.analyte.canonical_unit,
        comparator=record.comparator or "",
        reported_value=record.reported_value or "",
        reported_unit=record.unit or "",
        loinc=record.loinc or "",
        collected_at=record.collected_at,
        resulted_at=record.resulted_at,
        status=record.status,
        reference_range=(record.reference_range or "")[:200],
        interpretation=(record.interpretation or "")[:100],
        method=(record.method or "")[:200],
        device=(record.device or "")[:200],
        specimen=(record.specimen or "")[:200],
        flags=_flags(item, collected),
        source=source,
        external_id=record.external_id,
        external_id_system=(record.external_id_system or "")[:200],
        entered_by=actor if getattr(actor, "pk", None) else None,
    )


# --- the service ---------------------------------------------------------------------------


def lab_results_ingest(
    *,
    source: LabSource,
    records: Sequence[LabRecord],
    scope: PatientScope,
    actor=None,
    atomic: bool = False,
    visit_id: int | None = None,
    now: dt.datetime | None = None,
) -> IngestReport:
    """Ingest laboratory records from one source; answer one outcome per record.

    ``atomic`` (FHIR transaction Bundles, the manual entry form): any rejected item rolls
    the whole payload back and the report says ``applied=False``. Otherwise every item
    stands alone. A record with ``if_none_exist`` is a conditional create: an existing
    result is left as it is. ``visit_id`` (manual entry for a visit) overrides the
    automatic link to the closest visit. ``scope``: the patients this caller may reach.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            report = _ingest(source, records, scope, actor, now, visit_id)
            if atomic and report.rejected:
                raise _RollBack(report)
    except _RollBack as rollback:
        return dataclasses.replace(rollback.report, applied=False)
    return report


def _ingest(
    source: LabSource, records: Sequence[LabRecord], scope: PatientScope, actor, now, visit_id
) -> IngestReport:
    prepared = [_prepare(record, now) for record in records]
    items = [p for p in prepared if isinstance(p, _Item)]
    patients = patients_resolve((item.record.patient for item in items), scope=scope)
    storable: list[_Item] = []
    for item in items:
        item.patient = patients.get(patient_key(item.record.patient))
        if item.patient is not None and item.collected_on < item.patient.date_of_birth:
            if scope.reveals_patient_facts:
                item.outcome = _reject(
                    item.record, "collected_at: the specimen cannot be collected before birth."
                )
                continue
            item.patient = None  # a key learns no birth date: answered as an unknown patient
        if item.patient is None:
            item.outcome = _unmatched(source, item, scope, actor)
        else:
            storable.append(item)
    _store(source, storable, actor, now, visit_id)
    outcomes = {item.record.index: item.outcome for item in items}
    return IngestReport(
        tuple(p if isinstance(p, ItemOutcome) else outcomes[p.record.index] for p in prepared)
    )


def _unmatched(source: LabSource, item: _Item, scope: PatientScope, actor) -> ItemOutcome:
    """No patient in scope: the same answer whether the patient exists elsewhere or not."""
    if scope.park_unmatched:
        return _park(source, item, actor)
    return _reject(item.record, f"patient: {unmatched_reason(item.record.patient)}.")


def _store(source: LabSource, items: list[_Item], actor, now, visit_id: int | None) -> None:
    visits = {} if visit_id else _visits_for(items)
    for item in items:
        linked = visit_id or _closest_visit(visits.get(item.patient.id, []), item.collected_on)
        item.result = _build_result(item, source, linked, actor)
    # One attempt per external id in bulk; repeats within the payload come after, in
    # order, and meet the row the first one wrote. Sorting keeps lock order the same in
    # every transaction, so concurrent batches wait for each other instead of deadlocking.
    first: dict[str, _Item] = {}
    repeats: list[_Item] = []
    for item in sorted(items, key=lambda i: (i.record.external_id, i.record.index)):
        if item.record.external_id in first:
            repeats.append(item)
        else:
            first[item.record.external_id] = item
    new_ids = _insert(source, list(first.values()), actor, now)
    existing = [item for key, item in first.items() if key not in new_ids] + repeats
    _apply_to_existing(source, existing, actor)
    _close_parked(source, list(new_ids))


def _creation_outcome(item: _Item, pk: int) -> ItemOutcome:
    retraction = item.record.status in VALUELESS_STATUSES
    # A retraction of a result never seen is stored as a tombstone, so that the original
    # arriving late cannot bring it back.
    return ItemOutcome(
        item.record.index,
        "retracted" if retraction else "created",
        id=pk,
        notes=item.record.notes,
        external_id=item.record.external_id,
    )


def _insert(source: LabSource, items: list[_Item], actor, now) -> dict[str, int]:
    """Insert the new results in bulk; a refusal of an item falls back to one by one.

    A lost connection (or a lock timeout, a deadlock) is no item's fault: it propagates,
    the whole request rolls back and the sender is told to try again (core.transient).
    Retrying item by item on a dead connection would call every valid result "rejected".
    """
    try:
        with transaction.atomic():
            new_ids = bulk.insert_new_results([item.result for item in items], now=now)
            _history(new_ids.values(), source, actor, now)
    except DatabaseError as exc:
        if is_transient(exc):
            raise
        new_ids = {}
        for item in items:
            new_ids.update(_insert_one(source, item, actor, now))
    for item in items:
        pk = new_ids.get(item.record.external_id)
        if pk is not None:
            item.result.pk = pk
            item.outcome = item.outcome or _creation_outcome(item, pk)
    return new_ids


def _insert_one(source: LabSource, item: _Item, actor, now) -> dict[str, int]:
    try:
        with transaction.atomic():
            new_id = bulk.insert_new_results([item.result], now=now)
            _history(new_id.values(), source, actor, now)
            return new_id
    except DatabaseError as exc:
        if is_transient(exc):
            raise
        item.outcome = _reject(item.record, f"The database refused this result: {exc}")
        return {}


def _history(ids: Iterable[int], source: LabSource, actor, now) -> None:
    user_id = getattr(actor, "pk", None)
    bulk.copy_to_history(list(ids), when=now, user_id=user_id, reason=f"received from {source}")


def _apply_to_existing(source: LabSource, items: list[_Item], actor) -> None:
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
            item.outcome = item.outcome or _reject(item.record, "The result could not be stored.")
            continue
        item.outcome = _resend_outcome(row, item, source, actor)


def _differences(row: LabResult, new: LabResult) -> list[str]:
    return [name for name in CONTENT_FIELDS if getattr(row, name) != getattr(new, name)]


def _resend_outcome(row: LabResult, item: _Item, source: LabSource, actor) -> ItemOutcome:
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
        return _reject(
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
        return _reject(
            record,
            f"Result '{record.external_id}' was retracted (entered-in-error); send it with "
            "status amended or corrected to reinstate it.",
        )
    if row.resulted_at and record.resulted_at and record.resulted_at < row.resulted_at:
        return outcome("unchanged", "an older version than the one stored; not applied")
    replaceable = (ResultStatus.PRELIMINARY, ResultStatus.CANCELLED, ResultStatus.ENTERED_IN_ERROR)
    if record.status in REPLACING_STATUSES or row.status in replaceable:
        return outcome(_save_version(row, item, actor, source))
    return _reject(
        record,
        f"A result with external_id '{record.external_id}' already exists with different "
        f"content ({', '.join(changed)}); send status amended or corrected to change it.",
    )


def _save_version(row: LabResult, item: _Item, actor, source: LabSource, *, retraction=False):
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


# --- parked results ------------------------------------------------------------------------


def _record_json(record: LabRecord) -> dict[str, Any]:
    """A LabRecord as JSON-ready data (Decimals and datetimes as strings)."""

    def plain(value):
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dt.datetime):
            return value.isoformat()
        return value

    data = {k: plain(v) for k, v in dataclasses.asdict(record).items() if k not in ("errors",)}
    data["notes"] = list(record.notes)
    return data


def _record_from_json(data: dict[str, Any], *, patient: PatientRef) -> LabRecord:
    fields = {f.name for f in dataclasses.fields(LabRecord)} - {"errors", "patient"}
    values = {k: v for k, v in data.items() if k in fields}
    for name in ("collected_at", "resulted_at"):
        if values.get(name):
            values[name] = dt.datetime.fromisoformat(values[name])
    if values.get("value") is not None:
        values["value"] = Decimal(values["value"])
    values["notes"] = tuple(values.get("notes") or ())
    return LabRecord(patient=patient, **values)


def _park(source: LabSource, item: _Item, actor) -> ItemOutcome:
    """Hold a valid result for an unknown patient; a resend refreshes the same inbox row."""
    record, ref = item.record, item.record.patient
    reason = unmatched_reason(ref)
    fields = {
        "patient_identifier": {k: v for k, v in dataclasses.asdict(ref).items() if v},
        "site_code": (ref.site or "")[:64],
        "analyte_id": item.analyte.code,
        "reported_value": (record.reported_value or "")[:64],
        "reported_unit": (record.unit or "")[:64],
        "collected_at": record.collected_at,
        "reason": reason[:300],
        "record": _record_json(record),
    }
    try:
        with transaction.atomic():
            parked = ParkedLabResult(source=source, external_id=record.external_id, **fields)
            parked._history_user = actor if getattr(actor, "pk", None) else None
            parked.save()
    except IntegrityError:
        parked = ParkedLabResult.objects.select_for_update().get(
            source=source, external_id=record.external_id, status=ParkedStatus.OPEN
        )
        for name, value in fields.items():
            setattr(parked, name, value)
        with transaction.atomic():
            parked.save()
    return ItemOutcome(
        record.index, "parked", errors=(), notes=(reason + "; held for review by a coordinator.",),
        external_id=record.external_id, parked_id=parked.pk,
    )  # fmt: skip


def _close_parked(source: LabSource, external_ids: list[str]) -> None:
    """A result now stored for a known patient supersedes its open inbox row."""
    if not external_ids:
        return
    open_rows = ParkedLabResult.objects.filter(
        source=source, external_id__in=external_ids, status=ParkedStatus.OPEN
    )
    for parked in open_rows.select_for_update():
        parked.status = ParkedStatus.SUPERSEDED
        parked.note = "Delivered again with a known patient identifier."
        parked.resolved_at = timezone.now()
        parked.save()


def _check_inbox_access(actor) -> None:
    if not can_view_cohort(actor):
        raise PermissionDenied("Only coordinators and administrators review parked results.")


@transaction.atomic
def parked_result_match(*, actor, parked: ParkedLabResult, patient: Patient) -> LabResult:
    """Ingest a parked result for the patient a coordinator identified.

    The caller obtains ``patient`` through registry.access, so site scoping holds. The
    result then meets every rule of the service (before birth, duplicates, ...).
    """
    _check_inbox_access(actor)
    parked = ParkedLabResult.objects.select_for_update().get(pk=parked.pk)
    if parked.status != ParkedStatus.OPEN:
        raise ValidationError("This result has already been dealt with.")
    record = _record_from_json(parked.record, patient=PatientRef(study_id=patient.study_id))
    # Out of the open state first (no history row: the save below records the outcome),
    # so that the ingestion does not mark this very row as superseded.
    ParkedLabResult.objects.filter(pk=parked.pk).update(status=ParkedStatus.MATCHED)
    report = lab_results_ingest(
        source=parked.source, records=[record], scope=patient_scope_for_user(actor),
        actor=actor, atomic=True,
    )  # fmt: skip
    (item,) = report.items
    if item.outcome == "rejected":
        raise ValidationError({"patient": list(item.errors)})
    parked.status, parked.result_id = ParkedStatus.MATCHED, item.id
    parked.resolved_by, parked.resolved_at = actor, timezone.now()
    parked.note = f"Matched to {patient.study_id} ({item.outcome})."
    parked._history_user = actor
    parked.save()
    return LabResult.objects.get(pk=item.id)


@transaction.atomic
def parked_result_discard(*, actor, parked: ParkedLabResult, note: str) -> None:
    _check_inbox_access(actor)
    parked = ParkedLabResult.objects.select_for_update().get(pk=parked.pk)
    if parked.status != ParkedStatus.OPEN:
        raise ValidationError("This result has already been dealt with.")
    if not note.strip():
        raise ValidationError({"note": ["Say why the result is discarded."]})
    parked.status, parked.note = ParkedStatus.DISCARDED, note.strip()[:300]
    parked.resolved_by, parked.resolved_at = actor, timezone.now()
    parked._history_user = actor
    parked.save()


# --- HL7 message control ids ---------------------------------------------------------------


def hl7_message_claim(*, source: LabSource, control_id: str) -> Hl7Message | None:
    """Record MSH-10 as applied; None when this source already sent it (a retransmission).

    The unique constraint decides, so two copies racing each other apply once: the second
    insert waits for the first transaction and then fails.
    """
    try:
        with transaction.atomic():
            return Hl7Message.objects.create(source=source, control_id=control_id, ack_code="AA")
    except IntegrityError:
        return None


def hl7_message_previous(*, source: LabSource, control_id: str) -> Hl7Message:
    return Hl7Message.objects.get(source=source, control_id=control_id)


def hl7_message_acknowledged(*, message: Hl7Message, ack_code: str) -> None:
    message.ack_code = ack_code
    message.save(update_fields=["ack_code"])


# --- manual entry --------------------------------------------------------------------------


def lab_panel_enter(
    *, actor, visit: Visit, collected_at: dt.datetime, entries: Sequence[dict[str, Any]]
) -> IngestReport:
    """A clinician's panel for a visit: every entry stored, or none (form semantics).

    ``entries``: ``{"analyte", "value", "unit"}`` with the value as typed ("<0.5" allowed).
    Raises ValidationError keyed by analyte code, also for an entry already recorded: the
    same patient, analyte, collection time and value stored and not retracted (back +
    resubmit after a reload carries a new form token, so the token alone cannot tell).
    """
    if not can_write_patients(actor):
        raise PermissionDenied("Only clinicians and administrators enter laboratory results.")
    records = [
        json_record(
            index,
            {
                "patient": {"study_id": visit.patient.study_id},
                "analyte": entry["analyte"],
                "value": entry["value"],
                "unit": entry["unit"],
                "collected_at": collected_at.isoformat(),
                "status": "final",
                "external_id": f"manual-{uuid.uuid4()}",
            },
        )
        for index, entry in enumerate(entries)
    ]
    with transaction.atomic():
        # One panel of a patient at a time: a panel committed a moment ago by a racing
        # request is then visible to the check below (row lock; PostgreSQL).
        Patient.objects.select_for_update().only("pk").get(pk=visit.patient_id)
        repeats = _panel_repeats(visit.patient_id, records)
        if repeats:
            raise ValidationError({entries[index]["analyte"]: [message]
                                   for index, message in repeats.items()})
        report = lab_results_ingest(
            source=lab_source_manual(), records=records, scope=patient_scope_for_user(actor),
            actor=actor, atomic=True, visit_id=visit.pk,
        )  # fmt: skip
    if not report.applied:
        raise ValidationError(
            {entries[item.index]["analyte"]: list(item.errors) for item in report.rejected}
        )
    return report


def _panel_repeats(patient_id: int, records: Sequence[LabRecord]) -> dict[int, str]:
    """Entries whose natural key (patient, analyte, collection time, value) is stored."""
    now = timezone.now()
    items = [item for item in (_prepare(r, now) for r in records) if isinstance(item, _Item)]
    if not items:
        return {}
    stored = set(
        LabResult.objects.filter(
            patient_id=patient_id,
            collected_at=items[0].record.collected_at,
            analyte_id__in=[item.analyte.code for item in items],
        )
        .exclude(status__in=HIDDEN_STATUSES)
        .values_list("analyte_id", "comparator", "value")
    )
    return {
        item.record.index: (
            f"Already recorded: {item.record.reported_value} {item.record.unit} collected at "
            f"{item.record.collected_at:%H:%M} is stored for this patient; not stored again."
        )
        for item in items
        if (item.analyte.code, item.record.comparator or "", item.canonical) in stored
    }


# --- CSV uploads ---------------------------------------------------------------------------

UPLOAD_CHUNK = 250  # rows per ingestion call: progress moves, each chunk commits alone
REPORT_COLUMNS = ("row", "external_id", "outcome", "id", "errors", "notes")


def _csv_rows(content: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(content))
    rows = list(reader)
    return [name.strip() for name in reader.fieldnames or []], rows


def _check_columns(columns: list[str]) -> None:
    missing = [c for c in ("value", "unit", "collected_at", "external_id", "status")
               if c not in columns]  # fmt: skip
    if "analyte" not in columns and "loinc" not in columns:
        missing.append("analyte or loinc")
    if "study_id" not in columns and not {"site", "mrn"} <= set(columns):
        missing.append("study_id, or site and mrn")
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    errors = []
    if missing:
        errors.append(f"Missing column(s): {', '.join(missing)}.")
    if unknown:
        errors.append(f"Unknown column(s): {', '.join(unknown)}. Known: {', '.join(CSV_COLUMNS)}.")
    if errors:
        raise ValidationError({"file": errors})


def lab_upload_create(*, actor, source_name: str, filename: str, content: str) -> LabUpload:
    """Store a coordinator's CSV and queue its processing once the upload is committed."""
    _check_inbox_access(actor)
    try:
        columns, rows = _csv_rows(content)
    except csv.Error as exc:
        raise ValidationError({"file": [f"The file is not readable CSV: {exc}."]}) from exc
    _check_columns(columns)
    if not rows:
        raise ValidationError({"file": ["The file has a header but no rows."]})
    upload = LabUpload.objects.create(
        uploaded_by=actor,
        source=lab_source_for_file(name=source_name, owner=actor),
        filename=filename[:200],
        content=content,
        total_rows=len(rows),
    )
    # After commit, so that a worker on another machine finds the row; a broker that does
    # not answer marks the upload failed with a message (biomarkers.upload_services).
    transaction.on_commit(lambda: upload_services.lab_upload_enqueue(upload_id=upload.pk))
    return upload


def lab_upload_process(*, upload_id: int) -> LabUpload:
    """Ingest an uploaded CSV chunk by chunk, then write the per-row outcome report.

    Safe to start again at any point (biomarkers.upload_services): a redelivered task
    or a requeued one resumes after the last committed chunk.
    """
    upload = upload_services.lab_upload_claim(upload_id=upload_id)
    if upload is None:
        return LabUpload.objects.get(pk=upload_id)  # finished, failed or given up
    try:
        _process_rows(upload)
    except Exception as exc:
        if not is_transient(exc):  # a lost database: the task is retried and resumes
            upload_services.lab_upload_fail(upload=upload, error=str(exc))
        raise
    outcomes = [_outcome_from_json(o) for o in upload_services.lab_upload_outcomes(upload=upload)]
    return upload_services.lab_upload_finish(
        upload=upload, report=_report_csv(outcomes), summary=IngestReport(tuple(outcomes)).summary()
    )


def _process_rows(upload: LabUpload) -> None:
    """One transaction per chunk: its results, outcomes and progress commit together."""
    _, rows = _csv_rows(upload.content)
    # The uploader's sites when the file is processed: rows for anyone else are refused.
    scope = patient_scope_for_user(upload.uploaded_by)
    while True:
        with transaction.atomic():
            start = upload_services.lab_upload_next_chunk(upload=upload)
            if start is None:
                return
            chunk = rows[start : start + UPLOAD_CHUNK]
            records = [json_record(start + n, csv_item(row)) for n, row in enumerate(chunk)]
            report = lab_results_ingest(
                source=upload.source, records=records, scope=scope, actor=upload.uploaded_by
            )
            outcomes = [dataclasses.asdict(item) for item in report.items]
            upload_services.lab_upload_chunk_done(
                upload=upload, start=start, rows=len(chunk), outcomes=outcomes
            )


def _outcome_from_json(data: dict[str, Any]) -> ItemOutcome:
    return ItemOutcome(**{**data, "errors": tuple(data["errors"]), "notes": tuple(data["notes"])})


def _report_csv(outcomes: Sequence[ItemOutcome]) -> str:
    out = io.StringIO()
    # External ids and messages echo what the laboratory sent: the registry's CSV writer
    # keeps a value such as '=HYPERLINK(...)' from running as a spreadsheet formula.
    writer = csvsafe.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for item in outcomes:
        writer.writerow([
            item.index + 2,  # the line in the file: the header is line 1
            item.external_id or "", item.outcome, item.id or "",
            "; ".join(item.errors), "; ".join(item.notes),
        ])  # fmt: skip
    return out.getvalue()
