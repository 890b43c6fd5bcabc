"""Plain records that the FHIR and HL7 v2 parsers produce.

The parsers check envelope and shape only; resolving patients, converting units and
deciding created/updated/parked is the ingestion service's job. So every field keeps
what the laboratory sent (value and unit exactly as received, docs/biomarkers.md §1), and
record that could not be read carries its errors instead of raising, so that one bad
a result never blocks the good ones.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

# The status vocabulary shared by every entry path (docs/biomarkers.md §4).
STATUSES: tuple[str, ...] = (
    "preliminary",
    "final",
    "amended",
    "corrected",
    "entered-in-error",
    "cancelled",
)
# Statuses that may arrive without a number (docs/biomarkers.md §4: a retraction, or a test
# that was never performed).
VALUELESS_STATUSES: tuple[str, ...] = ("entered-in-error", "cancelled")

STUDY_ID_SYSTEM = "urn:frailty-registry:study-id"
SITE_MRN_SYSTEM_TEMPLATE = "urn:frailty-registry:site:{site}:mrn"


@dataclass(frozen=True)
class ParseIssue:
    """One problem with a record; ``location`` is a FHIRPath or an HL7 field (OBX-5)."""

    message: str
    location: str | None = None

    def __str__(self) -> str:
        return self.message if self.location is None else f"{self.location}: {self.message}"


@dataclass(frozen=True)
class PatientRef:
    """How the sender identified the patient; never a name (docs/biomarkers.md §4).

    ``study_id`` or ``site`` + ``mrn`` is what the registry can resolve. ``system`` and
    ``value`` keep the identifier as received, so a coordinator can match a parked result
    whose identifier the registry does not know (an HL7 assigning authority that is not a
    site, a FHIR identifier system that is not the registry's).
    """

    study_id: str | None = None
    site: str | None = None
    mrn: str | None = None
    system: str | None = None
    value: str | None = None

    @property
    def is_resolvable(self) -> bool:
        return bool(self.study_id) or bool(self.site and self.mrn)


@dataclass(frozen=True)
class LabRecord:
    """One laboratory result as sent, ready for the ingestion service."""

    index: int  # position in the payload: Bundle entry index or OBX order (0-based)
    patient: PatientRef | None = None
    analyte: str | None = None  # registry catalogue code, when the code was recognised
    loinc: str | None = None
    local_code: str | None = None  # sender's own code (HL7 OBX-3 without LOINC)
    value: Decimal | None = None
    comparator: str | None = None  # "<", "<=", ">=", ">" (docs/biomarkers.md §2)
    reported_value: str | None = None  # exactly as received: "<0.5", "12.50"
    unit: str | None = None  # exactly as received (UCUM code when the sender gave one)
    collected_at: datetime | None = None  # specimen collection, timezone-aware
    resulted_at: datetime | None = None  # release of this version
    external_id: str | None = None  # with the sender, the idempotency key
    external_id_system: str | None = None
    status: str | None = None  # one of STATUSES
    reference_range: str | None = None
    interpretation: str | None = None
    method: str | None = None
    device: str | None = None
    specimen: str | None = None
    if_none_exist: str | None = None  # FHIR Bundle entry.request.ifNoneExist
    errors: tuple[ParseIssue, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_messages(self) -> list[str]:
        return [str(issue) for issue in self.errors]

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Skipped:
    """A part of the payload that produced no record, and why.

    ``is_error`` distinguishes refusals (a FHIR entry of an unsupported type) from things
    simply outside the registry (an HL7 OBX for platelets, a text result).
    """

    index: int
    code: str | None
    reason: str
    is_error: bool = False
