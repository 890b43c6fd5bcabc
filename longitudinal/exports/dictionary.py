"""The data dictionary of the cohort exports: every column of the tidy and wide formats.

Generated from the same column definitions and catalogues as the files
(longitudinal/exports/formats.py, assessments.scoring, biomarkers.catalogue), so it cannot
drift from them; a test checks that every column of every variant is described.
"""

from __future__ import annotations

from typing import TextIO

from django.core.exceptions import ValidationError

from assessments import scoring
from assessments.models import Category
from biomarkers import catalogue
from biomarkers.models import COMPARATOR_VALUES, HIDDEN_STATUSES, ResultStatus
from core import csvsafe
from longitudinal.exports.formats import (
    AGE_CAP,
    AGE_CAPPED,
    DICTIONARY_FORMATS,
    REGISTRY,
    SCORE_MEANING,
    SCORE_UNITS,
    UNSCHEDULED,
    instrument_codes,
    plain_decimal,
)
from longitudinal.models import CATEGORY_INSTRUMENTS
from registry.studies.selectors import BLINDED

DICTIONARY_COLUMNS = ("format", "column", "type", "unit", "allowed_values", "description",
                      "source")
_SEX = "female; male"
_CATEGORIES = "; ".join(Category.values)
_STATUSES = "; ".join(s for s in ResultStatus.values if s not in HIDDEN_STATUSES)
_TIMEPOINTS = (
    "a code of the study's schedule (baseline, month_1, month_3, month_6, month_12 by "
    f"default); {UNSCHEDULED}; {REGISTRY}; empty for a lab result outside any visit"
)
_COMMON = (
    ("study_id", "text", "", "FR-nnnnnn",
     "Registry study id of the patient. Identified exports only.", "registry"),
    ("pseudonym", "text", "", "P- and 16 characters A-Z, 2-7",
     "De-identified exports only, instead of the study id: a keyed pseudonym (HMAC-SHA256 "
     "under a registry secret, first 80 bits in base32). The same patient has the same "
     "pseudonym in every export for the same recipient label, and unrelated ones for other "
     "labels; it cannot be traced back without the key.", "registry (docs/exports.md)"),
    ("mrn", "text", "", "", "Medical record number at the site. Identified exports only.",
     "registry"),
    ("site", "text", "", "", "Site code. Identified exports only.", "registry"),
    ("family_name", "text", "", "", "Identified exports only.", "registry"),
    ("given_name", "text", "", "", "Identified exports only.", "registry"),
    ("date_of_birth", "date", "", "YYYY-MM-DD", "Identified exports only.", "registry"),
    ("sex", "text", "", _SEX, "Sex recorded at registration.", "registry"),
)
_DATES = (
    ("date", "date", "", "YYYY-MM-DD",
     "Date of the measure (visit date; collection date for lab results, local time). In a "
     "de-identified export shifted by a secret per-patient offset of 1–180 days either way "
     "(the same in every export for the same recipient label): intervals within a patient "
     "are exact, calendar dates are not.", "registry"),
    ("days_from_baseline", "integer", "days", "",
     "Instead of date when chosen: days since the patient's baseline (study day 0 — first "
     "intervention, else study enrolment; outside a study the baseline visit, else the "
     "registry enrolment date).", "registry.schedule"),
    ("visit_timepoint", "text", "", _TIMEPOINTS,
     "Timepoint of the visit, derived from the schedule of the study the patient was last "
     "enrolled in.", "registry.schedule"),
    ("study", "text", "", "study codes", "Study the patient was last enrolled in.",
     "registry"),
    ("arm", "text", "", f"arm codes; {BLINDED}",
     f"Arm code, or {BLINDED!r} when the study is blinded to the person who exported.",
     "registry (blinding: docs/studies.md)"),
)


def dictionary_rows() -> list[tuple]:
    """Every column of the tidy and wide formats, with type, unit, allowed values, source."""
    rows = [("both", *c) for c in _COMMON]
    rows += [
        ("tidy", "age_at_measure", "integer", "years", f"0–{AGE_CAP - 1}; {AGE_CAPPED}",
         f"Completed years on the date of the measure; {AGE_CAPPED} in de-identified exports "
         f"for ages {AGE_CAP} and over.", "registry"),
        ("wide", "age_at_visit", "integer", "years", f"0–{AGE_CAP - 1}; {AGE_CAPPED}",
         "As age_at_measure, on the visit date.", "registry"),
    ]
    rows += [("both", *c) for c in _DATES]
    rows += _tidy_measure_columns()
    rows += _instrument_rows() + _analyte_rows()
    return rows


def _tidy_measure_columns() -> list[tuple]:
    codes = ", ".join(instrument_codes() + [a.code for a in catalogue.all_analytes()])
    return [
        ("tidy", "measure_type", "text", "", "instrument; analyte", "", "registry"),
        ("tidy", "measure", "text", "", codes,
         "Instrument code (instruments.md) or analyte code (biomarkers.md).", "registry"),
        ("tidy", "score_or_value", "number", "see unit", "",
         "Instrument score, or the lab value in the analyte's canonical unit. Rows per "
         "measure below.", "assessments.scoring; biomarkers.catalogue"),
        ("tidy", "comparator", "text", "", "; ".join(COMPARATOR_VALUES) + "; empty",
         "Censoring of a lab value as reported (e.g. <0.5 is comparator < and value 0.5); "
         "never substituted (biomarkers.md §2).", "biomarkers.md §2"),
        ("tidy", "unit", "text", "", "", "Unit of score_or_value.", "registry"),
        ("tidy", "reported_value", "text", "", "", "Lab value exactly as received.",
         "laboratory"),
        ("tidy", "reported_unit", "text", "", "", "Lab unit exactly as received.",
         "laboratory"),
        ("tidy", "category", "text", "", _CATEGORIES, "Instrument category, if it has one.",
         "assessments.scoring"),
        ("tidy", "status", "text", "", _STATUSES,
         "Lab result status; retracted and cancelled results are never exported.",
         "API.md"),
        ("tidy", "flags", "text", "", "semicolon-separated",
         "Threshold flags of a lab result (biomarkers.md §3), or scoring flags of an "
         "instrument.", "biomarkers.catalogue; assessments.scoring"),
        ("tidy", "version", "text", "", "", "Scoring rule-set version of the instrument.",
         "assessments.scoring"),
    ]


def _instrument_rows() -> list[tuple]:
    rows = []
    for instrument in sorted(scoring.all_instruments(), key=lambda i: i.code):
        code = instrument.code
        meaning = SCORE_MEANING.get(code, "score")
        allowed = f"0–{instrument.max_score}" if instrument.max_score is not None else ""
        unit = SCORE_UNITS.get(code, "points")
        source = f"{instrument.citation} (version {instrument.version})"
        rows.append(("tidy", f"score_or_value [measure={code}]", "number", unit, allowed,
                     f"{instrument.name}: {meaning}.", source))
        rows.append(("wide", code, "number", unit, allowed,
                     f"{instrument.name}: {meaning}.", source))
        if code in CATEGORY_INSTRUMENTS:
            rows.append(("wide", f"{code}_category", "text", "", _CATEGORIES,
                         f"{instrument.name} category.", source))
    return rows


def _analyte_rows() -> list[tuple]:
    rows = []
    for a in catalogue.all_analytes():
        loinc = ", ".join(a.loinc_codes)
        source = f"biomarkers.catalogue {a.code}; LOINC {loinc}"
        allowed = f"{plain_decimal(a.plausible_min)}–{plain_decimal(a.plausible_max)}"
        text = f"{a.name}, canonical unit."
        rows.append(("tidy", f"score_or_value [measure={a.code}]", "number", a.canonical_unit,
                     allowed, text, source))
        rows.append(("wide", a.code, "number", a.canonical_unit, allowed, text, source))
        rows.append(("wide", f"{a.code}_comparator", "text", "",
                     "; ".join(COMPARATOR_VALUES) + "; empty",
                     f"Censoring of {a.code} (biomarkers.md §2).", "biomarkers.md §2"))
    return rows


def dictionary_write(*, out: TextIO, fmt: str = "csv") -> int:
    """The data dictionary as CSV or a Markdown table; returns the number of rows."""
    if fmt not in DICTIONARY_FORMATS:
        raise ValidationError({"format": [f"Unknown dictionary format {fmt!r}; use csv or md."]})
    rows = dictionary_rows()
    if fmt == "csv":
        writer = csvsafe.writer(out)
        writer.writerow(DICTIONARY_COLUMNS)
        writer.writerows(rows)
        return len(rows)
    out.write("# Frailty registry export: data dictionary\n\n")
    out.write("| " + " | ".join(DICTIONARY_COLUMNS) + " |\n")
    out.write("|" + "---|" * len(DICTIONARY_COLUMNS) + "\n")
    for row in rows:
        out.write("| " + " | ".join(_md(cell) for cell in row) + " |\n")
    return len(rows)


def _md(cell) -> str:
    return str(cell).replace("|", "\\|").replace("\n", " ")
