"""The export files' formats: their columns, date modes and units, and which options
go together. Plain definitions shared by the writers (longitudinal/exports/writers.py) and
the data dictionary (longitudinal/exports/dictionary.py), so the two cannot drift apart.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from assessments import scoring
from biomarkers import catalogue
from longitudinal.models import CATEGORY_INSTRUMENTS, ExportKind

AGE_CAP = 90  # HIPAA Safe Harbor: ages over 89 are aggregated into one category
AGE_CAPPED = f"{AGE_CAP}+"

# Date modes: actual dates (identified exports only), dates shifted by a secret
# per-patient offset, or whole days from the patient's baseline.
DATE_ACTUAL = "date"
DATE_SHIFTED = "shifted"
DATE_FROM_BASELINE = "days_from_baseline"
DATE_MODES = (DATE_ACTUAL, DATE_SHIFTED, DATE_FROM_BASELINE)
DICTIONARY_FORMATS = ("csv", "md")

# Timepoint labels besides the schedule's own codes.
REGISTRY = "registry"  # a visit outside any study (or before the study began)
UNSCHEDULED = "unscheduled"  # in the study, outside every window

IDENTIFIERS = ("mrn", "site", "family_name", "given_name", "date_of_birth")
# The first column: the registry study id (identified) or a keyed pseudonym (de-identified;
# the study id is sequential and anyone with registry access could look it up).
STUDY_ID = "study_id"
PSEUDONYM = "pseudonym"
# What an instrument's stored score is (scoring modules keep the unit on their inputs).
SCORE_UNITS = {
    "gait_speed": "m/s",
    "grip_strength": "kg",
    "six_minute_walk": "m",
    "spirometry": "L",
    "frailty_index": "proportion",
}
SCORE_MEANING = {
    "gait_speed": "usual-pace gait speed",
    "grip_strength": "best grip trial",
    "six_minute_walk": "six-minute walk distance",
    "spirometry": "FEV1",
    "sf36": "physical component summary (norm-based)",
    "frailty_index": "deficits present / deficits assessed",
}


def id_column(*, deidentified: bool) -> str:
    return PSEUDONYM if deidentified else STUDY_ID


def plain_decimal(value) -> str:
    """0.500000000 -> '0.5', 1E+2 -> '100': the canonical value as a lab would write it."""
    return "" if value is None else format(value.normalize(), "f")


def flags_cell(flags) -> str:
    """Flag codes, semicolon-separated: lab flags are {"code", "label", "source"} objects,
    scoring flags plain strings."""
    if not flags:
        return ""
    return ";".join(f.get("code", "") if isinstance(f, dict) else str(f) for f in flags)


def tidy_columns(*, deidentified: bool, date_mode: str) -> list[str]:
    return [
        id_column(deidentified=deidentified), *(() if deidentified else IDENTIFIERS), "sex",
        "age_at_measure",
        _date_column(date_mode), "visit_timepoint", "measure_type", "measure",
        "score_or_value", "comparator", "unit", "reported_value", "reported_unit",
        "category", "status", "flags", "study", "arm", "version",
    ]


def wide_measure_columns() -> list[str]:
    """One column per instrument (plus its category) and per analyte (plus comparator)."""
    columns = []
    for code in instrument_codes():
        columns.append(code)
        if code in CATEGORY_INSTRUMENTS:
            columns.append(f"{code}_category")
    for analyte in catalogue.all_analytes():
        columns += [analyte.code, f"{analyte.code}_comparator"]
    return columns


def wide_columns(*, deidentified: bool, date_mode: str) -> list[str]:
    return [
        id_column(deidentified=deidentified), *(() if deidentified else IDENTIFIERS), "sex",
        "age_at_visit",
        _date_column(date_mode), "visit_timepoint", "study", "arm", *wide_measure_columns(),
    ]


def instrument_codes() -> list[str]:
    return sorted(i.code for i in scoring.all_instruments())


def _date_column(date_mode: str) -> str:
    return "days_from_baseline" if date_mode == DATE_FROM_BASELINE else "date"


def check_options(*, kind: str, deidentified: bool, date_mode: str) -> None:
    """The export options that make sense together; ValidationError naming the field."""
    if kind not in ExportKind.values:
        raise ValidationError({"kind": [f"Unknown export kind {kind!r}."]})
    if date_mode not in DATE_MODES:
        choices = ", ".join(DATE_MODES)
        raise ValidationError({"date_mode": [f"Unknown date mode {date_mode!r}; use {choices}."]})
    if deidentified and date_mode == DATE_ACTUAL:
        raise ValidationError({"date_mode": [
            "A de-identified export cannot carry actual dates: choose shifted dates or "
            "days from baseline."
        ]})


def export_filename(*, kind: str, dictionary_format: str = "csv") -> str:
    ext = dictionary_format if kind == ExportKind.DICTIONARY else "csv"
    return f"frailty-{kind}.{ext}"
