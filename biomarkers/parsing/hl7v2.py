"""HL7 v2.5.1 ORU^R01 messages -> LabRecords, and the ACK that answers them.

The envelope (segments, fields, components, escapes) is parsed by the ``hl7`` package
(python-hl7), which does not validate structure; the rules of docs/biomarkers.md §4 are
applied here:

- MSH-10 control id is returned so that a retransmission is acknowledged, not re-applied;
- PID-3 MRN with assigning authority = site code;
- OBR-7 collection time is the fallback for OBX-14; OBR-3 filler order number identifies
  a result together with its code when OBX-21 is absent;
- OBX-2 NM and SN (``<^0.5``) carry numbers, ST is tolerated when numeric, anything else
  (CWE, TX, ...) is skipped with a note; OBX-3 codes outside the catalogue are skipped
  without failing the message; OBX-11 maps to the API status vocabulary.

Segments may be separated by CR (the standard), LF or CRLF (files, copy-paste).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

import hl7

from biomarkers.catalogue import RejectedLoincError, UnknownAnalyteError, analyte_by_loinc
from biomarkers.parsing.records import (
    VALUELESS_STATUSES,
    LabRecord,
    ParseIssue,
    PatientRef,
    Skipped,
)
from biomarkers.units import ValueParseError, parse_reported_value, split_value_and_unit

# OBX-11 (HL7 table 0085) -> API status, as docs/biomarkers.md §4 lists them.
OBX_STATUS: dict[str, str] = {
    "F": "final",
    "P": "preliminary",
    "C": "corrected",
    "A": "amended",
    "D": "entered-in-error",
    "W": "entered-in-error",
    "X": "cancelled",
}
NUMERIC_VALUE_TYPES = ("NM", "SN", "ST")
ACK_CODES = ("AA", "AE", "AR")
_SN_COMPARATORS = {"": None, "=": None, "<": "<", ">": ">", "<=": "<=", ">=": ">="}
_DTM = re.compile(r"^(?P<digits>\d{4,14}(?:\.\d{1,4})?)(?P<offset>[+-]\d{4})?$")
_MLLP_FRAME = "\x0b\x1c"

# (code system, code) -> registry analyte code or None; lets the ingestion service apply
# its sender + local code mapping (docs/biomarkers.md §1) without the parser touching the DB.
LocalCodeResolver = Callable[[str, str], str | None]


class Hl7ParseError(ValueError):
    """The message as a whole is unusable: answer with ``MSA|AR``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class OruParseResult:
    """What one ORU^R01 message carried."""

    control_id: str
    sending_application: str
    sending_facility: str
    records: tuple[LabRecord, ...]
    skipped: tuple[Skipped, ...]


@dataclass(frozen=True)
class _Order:
    """The OBR context an OBX inherits."""

    filler_id: str = ""
    filler_namespace: str = ""
    collected: str = ""  # OBR-7
    resulted: str = ""  # OBR-22


@dataclass
class _Context:
    default_tz: tzinfo | None
    resolve_local_code: LocalCodeResolver | None
    patient: PatientRef | None = None
    order: _Order = _Order()


# --- envelope --------------------------------------------------------------------------


def _text(message: str | bytes) -> str:
    if isinstance(message, bytes):
        try:
            message = message.decode("utf-8")
        except UnicodeDecodeError:
            message = message.decode("latin-1")  # HL7's traditional 8-bit default
    stripped = message.strip(_MLLP_FRAME + "\r\n\t ")
    segments = [line for line in re.split(r"\r\n|\r|\n", stripped) if line.strip()]
    return "\r".join(segments)


def parse_message(message: str | bytes) -> hl7.Message:
    """The python-hl7 Message, after CR/LF and MLLP framing are normalised."""
    text = _text(message)
    if not text.startswith("MSH"):
        raise Hl7ParseError("Not an HL7 v2 message: it does not start with an MSH segment.")
    _check_delimiters(text)
    try:
        return hl7.parse(text)
    except (hl7.ParseException, IndexError, ValueError) as exc:
        raise Hl7ParseError(f"Malformed HL7 v2 message: {exc}.") from exc


def _check_delimiters(text: str) -> None:
    """MSH-1 and MSH-2 as HL7 v2 defines them, checked before python-hl7 builds its parse
    plan from them (it fails with an assertion on repeated delimiters and silently drops a
    character when no field follows MSH-2)."""
    separator = text[3:4]
    encoding, closed, _ = text[4:].partition(separator) if separator else ("", "", "")
    delimiters = separator + encoding
    if (
        len(encoding) not in (4, 5)  # component, repetition, escape, subcomponent (+ truncation)
        or len(set(delimiters)) != len(delimiters)
        or any(char.isalnum() or char.isspace() for char in delimiters)
    ):
        raise Hl7ParseError(
            f"MSH-1 and MSH-2 must be a field separator and four encoding characters, all "
            f"different and none a letter, digit or space (usually |^~\\&); received "
            f"'{text[3:12]}'."
        )
    if not closed:
        raise Hl7ParseError(
            "The MSH segment ends after its encoding characters: MSH-9 message type and "
            "MSH-10 control id are required."
        )


def _field(segment: Any, number: int, component: int = 1, repetition: int = 1, sub: int = 1) -> str:
    """One value, "" when absent (python-hl7 raises when a path passes a leaf)."""
    try:
        return str(segment.extract_field(1, number, repetition, component, sub)).strip()
    except IndexError:
        return ""


def _repetitions(segment: Any, number: int) -> int:
    return len(segment(number)) if number < len(segment) else 0


def _check_type(message: hl7.Message) -> None:
    msh = message.segment("MSH")
    kind = f"{_field(msh, 9, 1)}^{_field(msh, 9, 2)}"
    if kind != "ORU^R01":
        raise Hl7ParseError(f"Message type '{kind}' is not accepted; expected ORU^R01.")
    if not _field(msh, 10):
        raise Hl7ParseError("MSH-10 message control id is required.")


# --- entry point -----------------------------------------------------------------------


def parse_oru(
    message: str | bytes,
    *,
    default_tz: tzinfo | None = None,
    resolve_local_code: LocalCodeResolver | None = None,
) -> OruParseResult:
    """Parse one ORU^R01 message; raises Hl7ParseError only when no ACK but AR makes sense.

    ``default_tz`` applies to timestamps sent without an offset (HL7 then means the
    sender's local time); without it such timestamps are record errors.
    """
    parsed = parse_message(message)
    _check_type(parsed)
    records, skipped = _walk(parsed, _Context(default_tz, resolve_local_code))
    msh = parsed.segment("MSH")
    return OruParseResult(
        control_id=_field(msh, 10),
        sending_application=_field(msh, 3),
        sending_facility=_field(msh, 4),
        records=tuple(records),
        skipped=tuple(skipped),
    )


def _walk(parsed: hl7.Message, context: _Context) -> tuple[list[LabRecord], list[Skipped]]:
    records: list[LabRecord] = []
    skipped: list[Skipped] = []
    group_start = 0  # first record of the current OBR, for its SPM
    obx_index = 0
    for segment in parsed:
        name = str(segment[0])
        if name == "PID":
            context.patient = _patient(segment)
        elif name == "OBR":
            context.order, group_start = _order(segment), len(records)
        elif name == "SPM":
            records[group_start:] = _with_specimen(records[group_start:], _specimen(segment))
        elif name == "OBX":
            outcome = _observation(segment, obx_index, context)
            (records if isinstance(outcome, LabRecord) else skipped).append(outcome)
            obx_index += 1
    return records, skipped


# --- PID, OBR, SPM ---------------------------------------------------------------------


def _patient(pid: Any) -> PatientRef:
    """PID-3: the MR identifier (else the first); its assigning authority is the site.

    Whether that authority is a registry site is for the service to decide (the NIST
    sample's "NIST MPI" is not one: the result is parked for a coordinator).
    """
    candidates = [rep for rep in range(1, _repetitions(pid, 3) + 1) if _field(pid, 3, 1, rep)]
    if not candidates:
        return PatientRef()
    mr = [rep for rep in candidates if _field(pid, 3, 5, rep).upper() == "MR"]
    rep = (mr or candidates)[0]
    mrn, authority = _field(pid, 3, 1, rep), _field(pid, 3, 4, rep)
    return PatientRef(site=authority or None, mrn=mrn, system=authority or None, value=mrn)


def _order(obr: Any) -> _Order:
    return _Order(
        filler_id=_field(obr, 3, 1) or _field(obr, 2, 1),  # placer id when no filler id
        filler_namespace=_field(obr, 3, 2) or _field(obr, 2, 2),
        collected=_field(obr, 7),
        resulted=_field(obr, 22),
    )


def _specimen(spm: Any) -> str | None:
    # SPM-4 specimen type: original text, else the text, else the code.
    return _field(spm, 4, 9) or _field(spm, 4, 2) or _field(spm, 4, 1) or None


def _with_specimen(records: list[LabRecord], specimen: str | None) -> list[LabRecord]:
    return [r if r.specimen or not specimen else replace(r, specimen=specimen) for r in records]


# --- OBX -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Code:
    loinc: str | None
    local_system: str
    local_code: str
    text: str

    @property
    def shown(self) -> str:
        code = self.loinc or self.local_code or "(no code)"
        return f"{code} ({self.text})" if self.text else code


def _code(obx: Any) -> _Code:
    """OBX-3: LOINC in the identifier triplet or in the alternate one (components 4-6)."""
    primary = (_field(obx, 3, 1), _field(obx, 3, 2), _field(obx, 3, 3))
    alternate = (_field(obx, 3, 4), _field(obx, 3, 5), _field(obx, 3, 6))
    loinc = next((c for c, _, system in (primary, alternate) if system == "LN" and c), None)
    text = _field(obx, 3, 9) or primary[1] or alternate[1]
    return _Code(loinc=loinc, local_system=primary[2], local_code=primary[0], text=text)


def _observation(obx: Any, index: int, context: _Context) -> LabRecord | Skipped:
    code = _code(obx)
    value_type = _field(obx, 2)
    if value_type not in NUMERIC_VALUE_TYPES:
        reason = f"OBX-2 value type '{value_type}' carries no number"
        return Skipped(index=index, code=code.loinc or code.local_code, reason=reason)
    analyte, problem = _analyte(code, context)
    if analyte is None and problem is None:
        reason = f"{code.shown} is outside the registry catalogue"
        return Skipped(index=index, code=code.loinc or code.local_code, reason=reason)
    return _record(obx, index, code, analyte, problem, context)


def _analyte(code: _Code, context: _Context) -> tuple[str | None, ParseIssue | None]:
    """(analyte code, None), (None, None) for "not ours", or (None, issue) for a refusal."""
    if code.loinc:
        try:
            return analyte_by_loinc(code.loinc).code, None
        except RejectedLoincError as exc:
            return None, ParseIssue(str(exc), "OBX-3")
        except UnknownAnalyteError:
            return None, None
    if code.local_code and context.resolve_local_code is not None:
        return context.resolve_local_code(code.local_system, code.local_code), None
    return None, None


def _record(
    obx: Any,
    index: int,
    code: _Code,
    analyte: str | None,
    problem: ParseIssue | None,
    context: _Context,
) -> LabRecord:
    issues: list[ParseIssue] = [problem] if problem else []
    notes: list[str] = []
    status = _status(obx, issues)
    value = _value(obx, status, issues, notes)
    return LabRecord(
        index=index,
        patient=context.patient,
        analyte=analyte,
        loinc=code.loinc,
        local_code=None if code.loinc else code.local_code,
        **value,
        **_identifier(obx, code, context.order, issues),
        status=status,
        collected_at=_collected(obx, context, issues, notes),
        resulted_at=_timestamp(context.order.resulted, "OBR-22", context.default_tz, []),
        reference_range=_field(obx, 7) or None,
        interpretation=_join(_field(obx, 8, 1, rep) for rep in range(1, _repetitions(obx, 8) + 1)),
        method=_field(obx, 17, 2) or _field(obx, 17, 1) or None,
        device=_field(obx, 18, 1) or None,
        errors=tuple(issues) + _patient_issues(context.patient),
        notes=tuple(notes),
    )


def _patient_issues(patient: PatientRef | None) -> tuple[ParseIssue, ...]:
    if patient is None:
        return (ParseIssue("no PID segment precedes this OBX", "PID"),)
    if not patient.mrn:
        return (ParseIssue("PID-3 carries no patient identifier", "PID-3"),)
    return ()


def _status(obx: Any, issues: list[ParseIssue]) -> str | None:
    sent = _field(obx, 11)
    if sent in OBX_STATUS:
        return OBX_STATUS[sent]
    expected = ", ".join(OBX_STATUS)
    issues.append(
        ParseIssue(f"result status '{sent}' is not accepted; expected {expected}", "OBX-11")
    )
    return None


def _identifier(
    obx: Any, code: _Code, order: _Order, issues: list[ParseIssue]
) -> dict[str, str | None]:
    """OBX-21, else filler order number + code (+ OBX-4 sub-id), stable across resends."""
    if _field(obx, 21, 1):
        return {"external_id": _field(obx, 21, 1), "external_id_system": _field(obx, 21, 2) or None}
    if not order.filler_id:
        issues.append(ParseIssue("no OBX-21 and no OBR-3/OBR-2 order number", "OBX-21"))
        return {"external_id": None, "external_id_system": None}
    parts = [order.filler_id, code.loinc or code.local_code, _field(obx, 4)]
    return {
        "external_id": "/".join(part for part in parts if part),
        "external_id_system": order.filler_namespace or None,
    }


def _join(parts: Iterable[str]) -> str | None:
    kept = [part for part in parts if part]
    return "~".join(kept) if kept else None


# --- values ----------------------------------------------------------------------------


def _value(
    obx: Any, status: str | None, issues: list[ParseIssue], notes: list[str]
) -> dict[str, Any]:
    raw = _raw_value(obx)
    unit = _field(obx, 6, 1) or _field(obx, 6, 2) or None
    base = {"reported_value": raw or None, "unit": unit}
    if not raw:
        if status not in VALUELESS_STATUSES:
            issues.append(ParseIssue("a numeric result is required", "OBX-5"))
        return base
    try:
        comparator, number, text_unit = _number(obx, raw)
    except ValueParseError as exc:
        issues.append(ParseIssue(exc.message, "OBX-5"))
        return base
    if text_unit and not unit:
        notes.append("unit read from the OBX-5 text")
    return {**base, "value": number, "comparator": comparator, "unit": unit or text_unit}


def _raw_value(obx: Any) -> str:
    """OBX-5 as received; for SN the components rejoined as sent ("<^0.5")."""
    if _field(obx, 2) != "SN":
        return _field(obx, 5)
    components = [_field(obx, 5, n) for n in range(1, 5)]
    return "^".join(components).rstrip("^")


def _number(obx: Any, raw: str) -> tuple[str | None, Decimal, str | None]:
    value_type = _field(obx, 2)
    if value_type == "SN":
        comparator, number = _structured_numeric(obx)
        return comparator, number, None
    if value_type == "ST":
        return split_value_and_unit(raw)
    comparator, number = parse_reported_value(raw)  # NM; "<0.5" is tolerated
    return comparator, number, None


def _structured_numeric(obx: Any) -> tuple[str | None, Decimal]:
    """SN = comparator ^ num1 ^ separator/suffix ^ num2; only "<^0.5"-like values are numbers."""
    comparator, num1, separator, num2 = (_field(obx, 5, n) for n in range(1, 5))
    if separator or num2:
        raise ValueParseError(
            f"structured numeric '{_raw_value(obx)}' is a range or ratio, not one number"
        )
    if comparator not in _SN_COMPARATORS:
        raise ValueParseError(f"structured numeric comparator '{comparator}' is not accepted")
    try:
        return _SN_COMPARATORS[comparator], Decimal(num1)
    except InvalidOperation as exc:
        raise ValueParseError(f"structured numeric '{_raw_value(obx)}' has no number") from exc


# --- timestamps ------------------------------------------------------------------------


def _collected(
    obx: Any, context: _Context, issues: list[ParseIssue], notes: list[str]
) -> datetime | None:
    if _field(obx, 14):
        return _timestamp(_field(obx, 14), "OBX-14", context.default_tz, issues)
    if context.order.collected:
        notes.append("collection time taken from OBR-7")
        return _timestamp(context.order.collected, "OBR-7", context.default_tz, issues)
    issues.append(ParseIssue("collection time is required (OBX-14 or OBR-7)", "OBX-14"))
    return None


def _timestamp(
    raw: str, location: str, default_tz: tzinfo | None, issues: list[ParseIssue]
) -> datetime | None:
    """An aware datetime from an HL7 DTM; the offset is read here because python-hl7
    loses the sign of offsets such as -0030."""
    if not raw:
        return None
    match = _DTM.match(raw)
    if match is None or len(match.group("digits").split(".")[0]) < 12:
        issues.append(ParseIssue(f"'{raw}' is not a timestamp with a time of day", location))
        return None
    try:
        naive = hl7.parse_datetime(match.group("digits"))
    except ValueError:
        issues.append(ParseIssue(f"'{raw}' is not a valid timestamp", location))
        return None
    tz = _offset(match.group("offset")) or default_tz
    if tz is None:
        issues.append(ParseIssue(f"'{raw}' has no UTC offset", location))
        return None
    return naive.replace(tzinfo=tz)


def _offset(text: str | None) -> timezone | None:
    if not text:
        return None
    sign = -1 if text[0] == "-" else 1
    return timezone(sign * timedelta(hours=int(text[1:3]), minutes=int(text[3:5])))


# --- ACK -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AckIssue:
    """One ERR segment: severity E (error), W (warning) or I (information)."""

    text: str
    severity: str = "E"
    location: str = ""  # ERL, e.g. "OBX^4^5" (segment^sequence^field)


def skipped_ack_issues(result: OruParseResult) -> tuple[AckIssue, ...]:
    """Information lines telling the sender which OBX were not taken, and why."""
    return tuple(
        AckIssue(text=f"not taken: {s.reason}", severity="I", location=f"OBX^{s.index + 1}")
        for s in result.skipped
    )


def build_ack(
    message: str | bytes | hl7.Message | None,
    code: str,
    text: str = "",
    issues: Sequence[AckIssue] = (),
) -> str:
    """The ACK (``MSA|AA|<MSH-10>``, ``AE`` or ``AR`` with text) built by python-hl7.

    Whatever was received is answered, however broken: the ACK echoes only the MSH
    fields that could be read (an empty MSA-2 when there is no MSH-10).
    """
    if code not in ACK_CODES:
        raise ValueError(f"ACK code '{code}' is not one of {', '.join(ACK_CODES)}.")
    source = _ack_source(message)
    ack = source.create_ack(ack_code=code)
    if text:
        ack.segment("MSA").assign_field(_ack_text(text), 3)
    for issue in issues:
        ack.append(_err_segment(issue))
    return str(ack)


# python-hl7's create_ack indexes MSH-1 to MSH-12 and the components of MSH-9 directly
# and raises on a short or oddly delimited header ("MSH|^~\\&", "MSH|ABCD|LAB"). The
# ACK is therefore built from a well-formed copy, in the standard delimiters, of the
# fields it echoes, each read with the tolerant _field (absent -> default).
_ECHOED_MSH_FIELDS = {3: "", 4: "", 5: "", 6: "", 10: "", 11: "P", 12: "2.5.1"}
_STANDARD = hl7.parse("MSH|^~\\&|")


def _ack_source(message: str | bytes | hl7.Message | None) -> hl7.Message:
    msh = _readable_msh(message)
    fields = {n: _echoed(msh, n) or default for n, default in _ECHOED_MSH_FIELDS.items()}
    fields[9] = "ORU^" + _STANDARD.escape(_field(msh, 9, 2)) if msh is not None else "ORU^R01"
    return hl7.parse("MSH|^~\\&|" + "|".join(fields.get(n, "") for n in range(3, 13)))


def _readable_msh(message: str | bytes | hl7.Message | None) -> Any:
    try:
        parsed = message if isinstance(message, hl7.Message) else parse_message(message or "")
        return parsed.segment("MSH")
    except (Hl7ParseError, KeyError):
        return None


def _echoed(msh: Any, number: int) -> str:
    """MSH-n re-encoded: components (HD: namespace^universal id^type) kept, escaped."""
    if msh is None:
        return ""
    components = [_STANDARD.escape(_field(msh, number, c)) for c in (1, 2, 3)]
    return "^".join(components).rstrip("^")


def _ack_text(text: str) -> str:
    return _STANDARD.escape(" ".join(text.split()))  # one line, delimiters escaped


def _err_segment(issue: AckIssue) -> hl7.Segment:
    # ERR-3 from HL7 table 0357: 207 application error, 0 accepted (for information).
    error_code = (
        "207^Application internal error^HL70357"
        if issue.severity == "E"
        else ("0^Message accepted^HL70357")
    )
    line = f"ERR||{issue.location}|{error_code}|{issue.severity}||||{_ack_text(issue.text)}"
    return hl7.parse(f"MSH|^~\\&|\r{line}").segment("ERR")
