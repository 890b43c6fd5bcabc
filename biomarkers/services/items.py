"""A payload item on its way through the ingestion, and what happened to it.

Every module of the package speaks these: ``lab_results_ingest`` answers an
``IngestReport`` holding one ``ItemOutcome`` per record, in payload order.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from biomarkers import catalogue
from biomarkers.models import LabResult
from biomarkers.parsing.records import LabRecord
from biomarkers.patient_scope import PatientInfo

OUTCOMES = ("created", "unchanged", "updated", "retracted", "parked", "rejected")


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


@dataclass
class PreparedItem:
    """An item that passed every check that needs no patient.

    The ingestion then fills in its patient, the result to store and its outcome.
    """

    record: LabRecord
    analyte: catalogue.Analyte
    canonical: Decimal | None
    outcome: ItemOutcome | None = None
    patient: PatientInfo | None = None
    result: LabResult | None = None
    collected_on: dt.date | None = None  # local date of collection, computed once


def reject(record: LabRecord, *errors: str) -> ItemOutcome:
    """The outcome of a record refused with these reasons."""
    return ItemOutcome(record.index, "rejected", errors=errors, external_id=record.external_id)
