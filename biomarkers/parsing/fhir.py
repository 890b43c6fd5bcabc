"""FHIR R4 Observations and transaction/batch Bundles -> LabRecords.

Structure is checked by ``fhir.resources`` (its R4B models: R4 and R4B share Observation
and Bundle; the package's default models are R5). That package does not check code
values, LOINC or UCUM, so the vocabulary rules of docs/biomarkers.md §4 and "FHIR R4"
"Laboratory results" are applied here:

- ``status`` in the API vocabulary; ``code.coding`` with system http://loinc.org;
- ``subject.identifier`` with system ``urn:frailty-registry:study-id`` or
  ``urn:frailty-registry:site:<SITE>:mrn``, or a reference to a Patient entry's fullUrl;
- ``identifier`` is the idempotency key; ``request.ifNoneExist`` is returned with it;
- ``effectiveDateTime`` (collection) with a time and offset, ``issued`` (release);
- ``valueQuantity`` with comparator, or a numeric ``valueString`` such as "<0.5".
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, unquote

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from biomarkers.catalogue import UnknownAnalyteError, analyte_by_loinc
from biomarkers.parsing.records import (
    STATUSES,
    STUDY_ID_SYSTEM,
    VALUELESS_STATUSES,
    LabRecord,
    ParseIssue,
    PatientRef,
    Skipped,
)
from biomarkers.units import COMPARATORS, ValueParseError, split_value_and_unit
from core import jsonlimits

LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"
BUNDLE_TYPES = ("transaction", "batch")
_SITE_MRN_SYSTEM = re.compile(r"^urn:frailty-registry:site:(?P<site>[^:]+):mrn$")


class FhirParseError(ValueError):
    """The payload as a whole is unusable: answer with one OperationOutcome."""

    def __init__(self, message: str, issues: tuple[ParseIssue, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.issues = issues or (ParseIssue(message),)


@dataclass(frozen=True)
class FhirParseResult:
    """Records of a single Observation (``bundle_type`` None) or of a Bundle's entries."""

    bundle_type: str | None
    records: tuple[LabRecord, ...]
    skipped: tuple[Skipped, ...] = ()
    entry_count: int = 1

    @property
    def has_errors(self) -> bool:
        return any(not r.ok for r in self.records) or any(s.is_error for s in self.skipped)


@dataclass
class _Issues:
    """Collects the problems of one Observation while its fields are read."""

    errors: list[ParseIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def error(self, message: str, location: str) -> None:
        self.errors.append(ParseIssue(message, location))


# --- entry points ----------------------------------------------------------------------


def parse_fhir(
    payload: str | bytes | Mapping[str, Any], *, max_depth: int = jsonlimits.DEFAULT_MAX_DEPTH
) -> FhirParseResult:
    """Parse an Observation or a transaction/batch Bundle (``POST /api/v1/fhir``).

    JSON text nested deeper than ``max_depth`` is refused before it is decoded.
    """
    data = _load(payload, max_depth)
    resource_type = data.get("resourceType")
    if resource_type == "Observation":
        return FhirParseResult(bundle_type=None, records=(observation_record(0, data),))
    if resource_type == "Bundle":
        return _parse_bundle(data)
    raise FhirParseError(
        f"resourceType '{resource_type}' is not accepted; expected Observation or Bundle.",
        (ParseIssue("expected Observation or Bundle", "resourceType"),),
    )


def _load(payload: str | bytes | Mapping[str, Any], max_depth: int) -> dict[str, Any]:
    if isinstance(payload, Mapping):
        return _with_decimals(dict(payload))
    try:
        # Decimal keeps the value exactly as sent ("0.50" stays 0.50).
        data = jsonlimits.loads(payload, max_depth=max_depth, parse_float=Decimal)
    except jsonlimits.JsonTooDeepError as exc:
        raise FhirParseError(str(exc)) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FhirParseError(f"Malformed JSON: {exc}.") from exc
    if not isinstance(data, dict):
        raise FhirParseError("Expected a JSON object with a resourceType.")
    return data


def _with_decimals(value: Any) -> Any:
    """Floats from an already-decoded payload become Decimals via their shortest repr."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Mapping):
        return {key: _with_decimals(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_decimals(item) for item in value]
    return value


def _validation_issues(exc: ValidationError, prefix: str) -> tuple[ParseIssue, ...]:
    return tuple(
        ParseIssue(error["msg"], ".".join([prefix, *(str(part) for part in error["loc"])]))
        for error in exc.errors()
    )


# --- bundles ---------------------------------------------------------------------------


def _parse_bundle(data: dict[str, Any]) -> FhirParseResult:
    if data.get("type") not in BUNDLE_TYPES:
        raise FhirParseError(
            f"Bundle.type '{data.get('type')}' is not accepted; expected transaction or batch.",
            (ParseIssue("expected transaction or batch", "Bundle.type"),),
        )
    entries = data.get("entry") or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise FhirParseError("Bundle.entry must be a list of objects.")
    _validate_envelope(data, entries)
    patients = _bundle_patients(entries)
    records: list[LabRecord] = []
    skipped: list[Skipped] = []
    for index, entry in enumerate(entries):
        record, skip = _bundle_entry(index, entry, patients)
        records.extend([record] if record else [])
        skipped.extend([skip] if skip else [])
    return FhirParseResult(data["type"], tuple(records), tuple(skipped), len(entries))


def _validate_envelope(data: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    """Check the Bundle without its resources, which are validated one by one.

    Validating resources separately is what lets a batch answer per entry.
    """
    shell = {**data, "entry": [{k: v for k, v in e.items() if k != "resource"} for e in entries]}
    try:
        Bundle.model_validate(shell)
    except ValidationError as exc:
        issues = _validation_issues(exc, "Bundle")
        raise FhirParseError("Invalid Bundle: " + "; ".join(map(str, issues)), issues) from exc


def _bundle_patients(entries: list[dict[str, Any]]) -> dict[str, PatientRef]:
    """fullUrl -> identifier of every valid Patient entry (docs/biomarkers.md §4)."""
    patients = {}
    for entry in entries:
        resource = entry.get("resource") or {}
        if resource.get("resourceType") != "Patient" or not entry.get("fullUrl"):
            continue
        try:
            patient = Patient.model_validate(resource)
        except ValidationError:
            continue  # reported on the Patient entry itself
        patients[entry["fullUrl"]] = _patient_from_identifiers(patient.identifier or [])
    return patients


def _bundle_entry(
    index: int, entry: dict[str, Any], patients: dict[str, PatientRef]
) -> tuple[LabRecord | None, Skipped | None]:
    resource = entry.get("resource")
    resource_type = resource.get("resourceType") if isinstance(resource, dict) else None
    if resource_type == "Observation":
        return _observation_entry(index, entry, resource, patients), None
    if resource_type == "Patient":
        return None, _patient_entry(index, resource)
    reason = f"entry of type '{resource_type}' is not accepted; expected Observation or Patient"
    return None, Skipped(index=index, code=resource_type, reason=reason, is_error=True)


def _patient_entry(index: int, resource: dict[str, Any]) -> Skipped:
    try:
        Patient.model_validate(resource)
    except ValidationError as exc:
        issues = "; ".join(map(str, _validation_issues(exc, "Patient")))
        return Skipped(index=index, code="Patient", reason=issues, is_error=True)
    # Patients are never created through lab interfaces; the entry only identifies.
    return Skipped(index=index, code="Patient", reason="used to resolve Observation.subject")


def _observation_entry(
    index: int, entry: dict[str, Any], resource: dict[str, Any], patients: dict[str, PatientRef]
) -> LabRecord:
    request = entry.get("request") or {}
    record = observation_record(index, resource, patients)
    issues = _request_issues(request)
    if_none_exist = request.get("ifNoneExist")
    if if_none_exist:
        issues.extend(_if_none_exist_issues(if_none_exist, resource))
    return _replace(record, if_none_exist=if_none_exist, extra_errors=issues)


def _request_issues(request: dict[str, Any]) -> list[ParseIssue]:
    method, url = request.get("method"), str(request.get("url") or "")
    if method != "POST" or url.split("?")[0].rstrip("/") != "Observation":
        return [
            ParseIssue(
                f"only 'POST Observation' (create) is accepted, got '{method} {url}'",
                "Bundle.entry.request",
            )
        ]
    return []


def parse_if_none_exist(query: str) -> tuple[str | None, str] | None:
    """``Observation?identifier=system|value`` -> (system, value); None if unsupported."""
    params = parse_qs(query.split("?", 1)[-1], keep_blank_values=True)
    tokens = params.get("identifier", [])
    if set(params) != {"identifier"} or len(tokens) != 1 or not tokens[0]:
        return None
    system, bar, value = unquote(tokens[0]).rpartition("|")
    return (system or None) if bar else None, value


def _if_none_exist_issues(query: str, resource: dict[str, Any]) -> list[ParseIssue]:
    location = "Bundle.entry.request.ifNoneExist"
    parsed = parse_if_none_exist(query)
    if parsed is None:
        return [ParseIssue("only 'Observation?identifier=system|value' is supported", location)]
    identifiers = [(i.get("system"), i.get("value")) for i in resource.get("identifier") or []]
    system, value = parsed
    if (system, value) in identifiers or (system is None and value in dict(identifiers).values()):
        return []
    return [ParseIssue(f"identifier '{query}' does not match Observation.identifier", location)]


def _replace(
    record: LabRecord, *, if_none_exist: str | None, extra_errors: list[ParseIssue]
) -> LabRecord:
    errors = record.errors + tuple(extra_errors)
    return replace(record, if_none_exist=if_none_exist, errors=errors)


# --- one Observation -------------------------------------------------------------------


def observation_record(
    index: int, resource: dict[str, Any], patients: Mapping[str, PatientRef] | None = None
) -> LabRecord:
    """A LabRecord for one Observation resource; problems land in ``errors``."""
    try:
        observation = Observation.model_validate(resource)
    except ValidationError as exc:
        return LabRecord(index=index, errors=_validation_issues(exc, "Observation"))
    issues = _Issues()
    fields = {
        "status": _status(observation, issues),
        "patient": _subject(observation, patients or {}, issues),
        **_code(observation, issues),
        **_identifier(observation, issues),
        "collected_at": _effective(observation, issues),
        "resulted_at": _aware(observation.issued),
        **_observation_details(observation),
    }
    fields.update(_value(observation, fields["status"], issues))
    return LabRecord(index=index, errors=tuple(issues.errors), notes=tuple(issues.notes), **fields)


def _status(observation: Observation, issues: _Issues) -> str | None:
    if observation.status in STATUSES:
        return observation.status
    accepted = ", ".join(STATUSES)
    issues.error(
        f"status '{observation.status}' is not accepted; expected {accepted}", "Observation.status"
    )
    return None


def _code(observation: Observation, issues: _Issues) -> dict[str, str | None]:
    loincs = [c.code for c in observation.code.coding or [] if c.system == LOINC_SYSTEM and c.code]
    if not loincs:
        issues.error(f"a coding with system {LOINC_SYSTEM} is required", "Observation.code")
        return {"loinc": None, "analyte": None}
    problems = []
    for loinc in loincs:
        try:
            return {"loinc": loinc, "analyte": analyte_by_loinc(loinc).code}
        except UnknownAnalyteError as exc:
            problems.append(str(exc))
    issues.error(" ".join(problems), "Observation.code")
    return {"loinc": loincs[0], "analyte": None}


def _subject(
    observation: Observation, patients: Mapping[str, PatientRef], issues: _Issues
) -> PatientRef | None:
    subject = observation.subject
    if subject is not None and subject.identifier is not None:
        return _patient_from_identifiers([subject.identifier])
    if subject is not None and subject.reference in patients:
        return patients[subject.reference]
    where = f" '{subject.reference}'" if subject is not None and subject.reference else ""
    issues.error(
        f"subject{where} must carry an identifier or reference a Patient entry of the Bundle "
        "by its fullUrl; patients are never matched by name",
        "Observation.subject",
    )
    return None


def _patient_from_identifiers(identifiers: list[Any]) -> PatientRef:
    """The first registry identifier (study id, or site + MRN), else the first as sent.

    An unknown system is kept rather than refused: the result is parked for a coordinator
    to match (the outcome ``parked``, docs/biomarkers.md).
    """
    for identifier in identifiers:
        system, value = identifier.system or "", identifier.value
        if system == STUDY_ID_SYSTEM and value:
            return PatientRef(study_id=value, system=system, value=value)
        site = _SITE_MRN_SYSTEM.match(system)
        if site and value:
            return PatientRef(site=site.group("site"), mrn=value, system=system, value=value)
    first = identifiers[0] if identifiers else None
    return PatientRef(system=getattr(first, "system", None), value=getattr(first, "value", None))


def _identifier(observation: Observation, issues: _Issues) -> dict[str, str | None]:
    for identifier in observation.identifier or []:
        if identifier.value:
            return {"external_id": identifier.value, "external_id_system": identifier.system}
    issues.error(
        "an identifier (system + value) is required as idempotency key", "Observation.identifier"
    )
    return {"external_id": None, "external_id_system": None}


def _aware(value: datetime | date | str | None) -> datetime | None:
    if isinstance(value, datetime) and value.tzinfo is not None:
        # A plain timezone keeps the record picklable and comparable.
        return value.astimezone(timezone(value.utcoffset()))
    return None


def _effective(observation: Observation, issues: _Issues) -> datetime | None:
    sent = observation.effectiveDateTime or observation.effectiveInstant
    collected = _aware(sent)
    if collected is None:
        what = f"'{sent}' has no time of day" if sent else "is missing"
        issues.error(
            f"specimen collection time {what}; a date-time with offset is required",
            "Observation.effectiveDateTime",
        )
    return collected


def _value(observation: Observation, status: str | None, issues: _Issues) -> dict[str, Any]:
    if observation.valueQuantity is not None:
        return _quantity(observation.valueQuantity, issues)
    if observation.valueString is not None:
        return _value_string(observation.valueString, issues)
    other = next((name for name in _VALUE_FIELDS if getattr(observation, name) is not None), None)
    if other is not None:
        issues.error(f"{other} carries no number; send valueQuantity", f"Observation.{other}")
    elif status not in VALUELESS_STATUSES:
        reason = _text(observation.dataAbsentReason) or "no value[x]"
        issues.error(f"a numeric result is required ({reason})", "Observation.value[x]")
    return {}


_VALUE_FIELDS = (
    "valueCodeableConcept",
    "valueBoolean",
    "valueInteger",
    "valueRange",
    "valueRatio",
    "valueSampledData",
    "valueTime",
    "valueDateTime",
    "valuePeriod",
)


def _quantity(quantity: Any, issues: _Issues) -> dict[str, Any]:
    comparator = quantity.comparator
    if comparator is not None and comparator not in COMPARATORS:
        issues.error(
            f"comparator '{comparator}' is not accepted; expected <, <=, >= or >",
            "Observation.valueQuantity.comparator",
        )
    if quantity.value is None:
        issues.error("value is required", "Observation.valueQuantity.value")
    # The UCUM code is what software can convert; the display unit is the fallback.
    unit = quantity.code if quantity.system == UCUM_SYSTEM and quantity.code else None
    reported = None if quantity.value is None else f"{comparator or ''}{quantity.value}"
    return {
        "value": quantity.value,
        "comparator": comparator,
        "reported_value": reported,
        "unit": unit or quantity.unit or quantity.code,
    }


def _value_string(text: str, issues: _Issues) -> dict[str, Any]:
    try:
        comparator, number, unit = split_value_and_unit(text)
    except ValueParseError as exc:
        issues.error(exc.message, "Observation.valueString")
        return {"reported_value": text}
    issues.notes.append("numeric result read from valueString")
    return {"value": number, "comparator": comparator, "reported_value": text, "unit": unit}


# --- details kept as sent --------------------------------------------------------------


def _observation_details(observation: Observation) -> dict[str, str | None]:
    return {
        "reference_range": _reference_range(observation.referenceRange or []),
        "interpretation": _join(_text(c) for c in observation.interpretation or []),
        "method": _text(observation.method),
        "device": _reference_text(observation.device),
        "specimen": _reference_text(observation.specimen),
    }


def _text(concept: Any) -> str | None:
    """A CodeableConcept as one string: its text, else its first code (v3: N, H, LL...)."""
    if concept is None:
        return None
    if concept.text:
        return concept.text
    coding = next(iter(concept.coding or []), None)
    return (coding.code or coding.display) if coding is not None else None


def _reference_text(reference: Any) -> str | None:
    if reference is None:
        return None
    return reference.display or reference.reference


def _reference_range(ranges: list[Any]) -> str | None:
    return _join(_one_range(r) for r in ranges)


def _one_range(reference_range: Any) -> str | None:
    if reference_range.text:
        return reference_range.text
    low, high = reference_range.low, reference_range.high
    low_text = f"{low.value}" if low is not None and low.value is not None else ""
    high_text = f"{high.value}" if high is not None and high.value is not None else ""
    unit = next((q.unit or q.code for q in (low, high) if q is not None and (q.unit or q.code)), "")
    text = f"{low_text}-{high_text} {unit}".strip()
    return None if text == "-" else text


def _join(parts: Any) -> str | None:
    kept = [part for part in parts if part]
    return "; ".join(kept) if kept else None
