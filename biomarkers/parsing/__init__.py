"""FHIR R4 and HL7 v2 ORU^R01 laboratory messages -> plain LabRecords (no Django)."""

from biomarkers.parsing.fhir import FhirParseError, FhirParseResult, parse_fhir
from biomarkers.parsing.hl7v2 import (
    AckIssue,
    Hl7ParseError,
    OruParseResult,
    build_ack,
    parse_oru,
    skipped_ack_issues,
)
from biomarkers.parsing.records import STATUSES, LabRecord, ParseIssue, PatientRef, Skipped

__all__ = [
    "STATUSES",
    "AckIssue",
    "FhirParseError",
    "FhirParseResult",
    "Hl7ParseError",
    "LabRecord",
    "OruParseResult",
    "ParseIssue",
    "PatientRef",
    "Skipped",
    "build_ack",
    "parse_fhir",
    "parse_oru",
    "skipped_ack_issues",
]
