"""Results whose patient the sender cannot reach, held in the inbox (the ingestion's side).

A laboratory key's result for an unknown patient (or one outside the sites it serves) is
parked, not lost; a resend refreshes the same inbox row, and a later delivery naming a
known patient supersedes it. The record is kept as JSON so that a coordinator's match
(biomarkers/services/inbox.py) can ingest it again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from biomarkers.models import LabSource, ParkedLabResult, ParkedStatus
from biomarkers.parsing.records import LabRecord, PatientRef
from biomarkers.patient_scope import unmatched_reason
from biomarkers.services.items import ItemOutcome, PreparedItem


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


def record_from_json(data: dict[str, Any], *, patient: PatientRef) -> LabRecord:
    fields = {f.name for f in dataclasses.fields(LabRecord)} - {"errors", "patient"}
    values = {k: v for k, v in data.items() if k in fields}
    for name in ("collected_at", "resulted_at"):
        if values.get(name):
            values[name] = dt.datetime.fromisoformat(values[name])
    if values.get("value") is not None:
        values["value"] = Decimal(values["value"])
    values["notes"] = tuple(values.get("notes") or ())
    return LabRecord(patient=patient, **values)


def park(source: LabSource, item: PreparedItem, actor) -> ItemOutcome:
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


def close_parked(source: LabSource, external_ids: list[str]) -> None:
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
