"""``lab_results_ingest``: ONE ingestion service behind every way results arrive.

JSON batches, FHIR Observations and Bundles, HL7 v2 ORU messages, CSV uploads, manual
entry and matches from the parked inbox all turn into ``LabRecord``s and come here. It
decides, per item (docs/biomarkers.md, "One service behind every door"):

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
``ON CONFLICT (source_id, external_id) DO NOTHING`` (biomarkers/bulk.py) and whatever
already existed (or was inserted a moment earlier by a racing request) is then locked and
compared (versions.py). Every write of an item runs in its own savepoint, so a failure
rolls back that item only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from biomarkers import bulk, catalogue, units
from biomarkers.models import LabResult, LabSource, ResultStatus
from biomarkers.parsing.records import VALUELESS_STATUSES, LabRecord
from biomarkers.patient_scope import (
    PatientScope,
    patient_key,
    patients_resolve,
    unmatched_reason,
)
from biomarkers.services import parking, versions
from biomarkers.services.items import IngestReport, ItemOutcome, PreparedItem, reject
from core.dates import age_on
from core.transient import is_transient
from registry.models import Visit

# How far in the future a collection time may be before it is refused: lab and registry
# clocks differ by seconds to minutes, never by more.
CLOCK_SKEW = dt.timedelta(minutes=5)
CANONICAL_PLACES = Decimal("1e-9")  # LabResult.value has 9 decimal places
PRELIMINARY_FLAG = {
    "code": "PRELIMINARY",
    "label": "preliminary result: may still change",
    "source": "biomarkers.md §4",
}


class _RollBack(Exception):  # noqa: N818 - control flow, never escapes this module
    def __init__(self, report: IngestReport) -> None:
        self.report = report


# --- preparing items (no writes) -----------------------------------------------------------


def _analyte_of(record: LabRecord) -> catalogue.Analyte:
    if record.analyte:
        return catalogue.analyte_by_code(record.analyte)
    if record.loinc:
        return catalogue.analyte_by_loinc(record.loinc)
    local = f" (local code '{record.local_code}')" if record.local_code else ""
    raise catalogue.UnknownAnalyteError(f"No catalogued analyte or LOINC code was sent{local}.")


def prepare_record(record: LabRecord, now: dt.datetime) -> PreparedItem | ItemOutcome:
    """Every check that needs no database: shape, analyte, unit, plausibility, time."""
    if record.errors:
        return reject(record, *record.error_messages())
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
        return reject(record, *errors)
    if errors:
        return reject(record, *errors)
    collected_on = timezone.localdate(record.collected_at, timezone=_local_zone())
    return PreparedItem(
        record=record, analyte=analyte, canonical=canonical, collected_on=collected_on
    )


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


def _visits_for(items: Sequence[PreparedItem]) -> dict[int, list[tuple[dt.date, int]]]:
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


def _flags(item: PreparedItem, collected: dt.date) -> list[dict[str, str]]:
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


def _build_result(item: PreparedItem, source: LabSource, visit_id: int | None, actor) -> LabResult:
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
    prepared = [prepare_record(record, now) for record in records]
    items = [p for p in prepared if isinstance(p, PreparedItem)]
    patients = patients_resolve((item.record.patient for item in items), scope=scope)
    storable: list[PreparedItem] = []
    for item in items:
        item.patient = patients.get(patient_key(item.record.patient))
        if item.patient is not None and item.collected_on < item.patient.date_of_birth:
            if scope.reveals_patient_facts:
                item.outcome = reject(
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


def _unmatched(source: LabSource, item: PreparedItem, scope: PatientScope, actor) -> ItemOutcome:
    """No patient in scope: the same answer whether the patient exists elsewhere or not."""
    if scope.park_unmatched:
        return parking.park(source, item, actor)
    return reject(item.record, f"patient: {unmatched_reason(item.record.patient)}.")


def _store(source: LabSource, items: list[PreparedItem], actor, now, visit_id: int | None) -> None:
    visits = {} if visit_id else _visits_for(items)
    for item in items:
        linked = visit_id or _closest_visit(visits.get(item.patient.id, []), item.collected_on)
        item.result = _build_result(item, source, linked, actor)
    # One attempt per external id in bulk; repeats within the payload come after, in
    # order, and meet the row the first one wrote. Sorting keeps lock order the same in
    # every transaction, so concurrent batches wait for each other instead of deadlocking.
    first: dict[str, PreparedItem] = {}
    repeats: list[PreparedItem] = []
    for item in sorted(items, key=lambda i: (i.record.external_id, i.record.index)):
        if item.record.external_id in first:
            repeats.append(item)
        else:
            first[item.record.external_id] = item
    new_ids = _insert(source, list(first.values()), actor, now)
    existing = [item for key, item in first.items() if key not in new_ids] + repeats
    versions.apply_to_existing(source, existing, actor)
    parking.close_parked(source, list(new_ids))


def _creation_outcome(item: PreparedItem, pk: int) -> ItemOutcome:
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


def _insert(source: LabSource, items: list[PreparedItem], actor, now) -> dict[str, int]:
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


def _insert_one(source: LabSource, item: PreparedItem, actor, now) -> dict[str, int]:
    try:
        with transaction.atomic():
            new_id = bulk.insert_new_results([item.result], now=now)
            _history(new_id.values(), source, actor, now)
            return new_id
    except DatabaseError as exc:
        if is_transient(exc):
            raise
        item.outcome = reject(item.record, f"The database refused this result: {exc}")
        return {}


def _history(ids: Iterable[int], source: LabSource, actor, now) -> None:
    user_id = getattr(actor, "pk", None)
    bulk.copy_to_history(list(ids), when=now, user_id=user_id, reason=f"received from {source}")

