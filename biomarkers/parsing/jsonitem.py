"""JSON batch items and CSV rows (docs/biomarkers.md) -> LabRecords (no Django).

The same reader serves ``POST /api/v1/lab-results/`` and the coordinators' CSV upload,
so both accept exactly the same fields and answer with the same messages. Shape errors
land in the record's ``errors`` instead of raising: one bad item never blocks the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from biomarkers.catalogue import UnknownAnalyteError, analyte_by_code, analyte_by_loinc
from biomarkers.parsing.records import STATUSES, LabRecord, ParseIssue, PatientRef
from biomarkers.units import COMPARATORS, ValueParseError, parse_reported_value

# Field -> longest accepted text (the database columns' sizes).
TEXT_LIMITS: dict[str, int] = {
    "external_id": 200,
    "external_id_system": 200,
    "unit": 64,
    "reference_range": 200,
    "interpretation": 100,
    "method": 200,
    "device": 200,
    "specimen": 200,
}
ITEM_FIELDS = (
    "patient", "analyte", "loinc", "value", "comparator", "unit", "collected_at",
    "resulted_at", "external_id", "external_id_system", "status", "reference_range",
    "interpretation", "method", "device", "specimen",
)  # fmt: skip
# CSV columns (docs/biomarkers.md): the item fields with the patient spread out.
CSV_COLUMNS = (
    "study_id", "site", "mrn", "analyte", "loinc", "value", "comparator", "unit",
    "collected_at", "resulted_at", "external_id", "status", "reference_range",
    "interpretation", "method", "specimen",
)  # fmt: skip
MAX_REPORTED_VALUE = 64


class _Reader:
    """Reads one item field by field, collecting every problem rather than the first."""

    def __init__(self, item: Mapping[str, Any]) -> None:
        self.item = item
        self.errors: list[ParseIssue] = []

    def error(self, field: str, message: str) -> None:
        self.errors.append(ParseIssue(message, field))

    def text(self, field: str, *, required: bool = False) -> str | None:
        value = self.item.get(field)
        if value is None or value == "":
            if required:
                self.error(field, "This field is required.")
            return None
        if not isinstance(value, str):
            self.error(field, "Expected a string.")
            return None
        value = value.strip()
        limit = TEXT_LIMITS.get(field)
        if limit and len(value) > limit:
            self.error(field, f"At most {limit} characters.")
            return None
        return value or None

    def moment(self, field: str, *, required: bool = False) -> datetime | None:
        text = self.text(field, required=required)
        if text is None:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.error(field, f"'{text}' is not an ISO 8601 date-time (2025-03-01T08:15:00+01:00).")
            return None
        if moment.tzinfo is None:
            self.error(field, f"'{text}' has no UTC offset; add one, e.g. +01:00 or Z.")
            return None
        return moment


def json_record(index: int, item: Any) -> LabRecord:
    """One JSON batch item as a LabRecord; problems become the record's errors."""
    if not isinstance(item, Mapping):
        return LabRecord(index=index, errors=(ParseIssue("Each result must be a JSON object."),))
    reader = _Reader(item)
    unknown = sorted(set(item) - set(ITEM_FIELDS))
    if unknown:
        reader.error(unknown[0], f"Unknown field(s): {', '.join(unknown)}.")
    fields: dict[str, Any] = {
        "patient": _patient(reader),
        **_analyte(reader),
        **_value(reader),
        "unit": reader.text("unit"),
        "collected_at": reader.moment("collected_at", required=True),
        "resulted_at": reader.moment("resulted_at"),
        "external_id": reader.text("external_id", required=True),
        "external_id_system": reader.text("external_id_system"),
        "status": _status(reader),
        **{name: reader.text(name) for name in _DETAILS},
    }
    return LabRecord(index=index, errors=tuple(reader.errors), **fields)


_DETAILS = ("reference_range", "interpretation", "method", "device", "specimen")


def csv_item(row: Mapping[str, str | None]) -> dict[str, Any]:
    """A CSV row (columns of CSV_COLUMNS) as a JSON batch item; blanks are absent."""
    item = {key: (value or "").strip() for key, value in row.items() if key in CSV_COLUMNS}
    patient = {key: item.pop(key) for key in ("study_id", "site", "mrn") if key in item}
    item = {key: value for key, value in item.items() if value}
    item["patient"] = {key: value for key, value in patient.items() if value}
    return item


def _patient(reader: _Reader) -> PatientRef | None:
    patient = reader.item.get("patient")
    if patient is None:
        reader.error("patient", "This field is required: {\"study_id\"} or {\"site\", \"mrn\"}.")
        return None
    if not isinstance(patient, Mapping):
        reader.error("patient", "Expected an object: {\"study_id\"} or {\"site\", \"mrn\"}.")
        return None
    values = {key: patient.get(key) for key in ("study_id", "site", "mrn")}
    if any(v is not None and not isinstance(v, str) for v in values.values()):
        reader.error("patient", "study_id, site and mrn must be strings.")
        return None
    study_id, site, mrn = ((values[k] or "").strip() or None for k in ("study_id", "site", "mrn"))
    if not study_id and not (site and mrn):
        reader.error("patient", "A patient identifier is required: study_id, or site and mrn.")
        return None
    system = "study_id" if study_id else f"site:{site}:mrn"
    return PatientRef(study_id=study_id, site=site, mrn=mrn, system=system, value=study_id or mrn)


def _analyte(reader: _Reader) -> dict[str, str | None]:
    code, loinc = reader.text("analyte"), reader.text("loinc")
    if code is None and loinc is None:
        reader.error("analyte", "An analyte code or a LOINC code is required.")
        return {"analyte": None, "loinc": None}
    try:
        by_code = analyte_by_code(code).code if code else None
        by_loinc = analyte_by_loinc(loinc).code if loinc else None
    except UnknownAnalyteError as exc:
        reader.error("loinc" if loinc and code is None else "analyte", str(exc))
        return {"analyte": None, "loinc": loinc}
    if by_code and by_loinc and by_code != by_loinc:
        reader.error("loinc", f"LOINC {loinc} is {by_loinc}, not {by_code}.")
        return {"analyte": None, "loinc": loinc}
    return {"analyte": by_code or by_loinc, "loinc": loinc}


def _value(reader: _Reader) -> dict[str, Any]:
    raw = reader.item.get("value")
    comparator = reader.text("comparator")
    if comparator is not None and comparator not in COMPARATORS:
        reader.error("comparator", f"'{comparator}' is not one of <, <=, >=, >.")
        comparator = None
    if raw is None or raw == "":
        return {"comparator": comparator}
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | str):
        reader.error("value", "Expected a number or a string such as \"<0.5\".")
        return {"comparator": comparator}
    reported = str(raw).strip() if not isinstance(raw, float) else repr(raw)
    if len(reported) > MAX_REPORTED_VALUE:
        reader.error("value", f"At most {MAX_REPORTED_VALUE} characters.")
        return {"comparator": comparator}
    try:
        sent_comparator, number = parse_reported_value(reported)
    except ValueParseError as exc:
        reader.error("value", exc.message)
        return {"comparator": comparator, "reported_value": reported}
    if sent_comparator and comparator and sent_comparator != comparator:
        reader.error("comparator", f"'{comparator}' contradicts the value '{reported}'.")
    return {
        "value": number,
        "comparator": sent_comparator or comparator,
        "reported_value": reported if sent_comparator or not comparator else comparator + reported,
    }


def _status(reader: _Reader) -> str | None:
    status = reader.text("status", required=True)
    if status is not None and status not in STATUSES:
        reader.error("status", f"'{status}' is not one of {', '.join(STATUSES)}.")
        return None
    return status
