"""Frailty index by deficit accumulation.

Sources: Searle SD, Mitnitski A, Gahbauer EA, Gill TM, Rockwood K. A standard procedure
for creating a frailty index. BMC Geriatr 2008;8:24 (FI = Σ deficits / items answered);
Song X, Mitnitski A, Rockwood K. Prevalence and 10-year outcomes of frailty in older
adults in relation to deficit accumulation. J Am Geriatr Soc 2010;58:681-687 (category
cut-offs 0.08 / 0.25); Rockwood K, Mitnitski A. Limits to deficit accumulation in elderly
people. Mech Ageing Dev 2006;127:494-496 (sub-maximal limit ≈ 0.7).

The items are those of `fi_definition.DEFINITION`; the result version names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from .base import (
    FRAIL,
    INDETERMINATE,
    PREFRAIL,
    ROBUST,
    Field,
    Instrument,
    ScoreResult,
    ScoringError,
    is_number,
    register,
)
from .exact import Bands, Cutoff, rounded, to_decimal
from .fi_definition import DEFINITION, FIDefinition

CODE = "frailty_index"
VERSION = DEFINITION.version
CITATION = (
    "Searle SD, et al. A standard procedure for creating a frailty index. BMC Geriatr "
    "2008;8:24; categories: Song X, et al. J Am Geriatr Soc 2010;58:681-687."
)

# Song 2010: FI ≤ 0.08 robust, 0.08 < FI < 0.25 pre-frail, ≥ 0.25 frail; FI is an exact
# fraction of the deficit values, so 4 of 50 is exactly 0.08.
SONG = "Song 2010 (J Am Geriatr Soc 58:681)"
CATEGORIES = Bands(
    ((Cutoff("<=", "0.08", SONG), ROBUST), (Cutoff("<", "0.25", SONG), PREFRAIL)), otherwise=FRAIL
)
# Rockwood & Mitnitski 2006: FI above ~0.7 is rarely survivable; flag, do not reject.
ABOVE_SUBMAXIMAL = Cutoff(">", "0.7", "Rockwood & Mitnitski 2006 (Mech Ageing Dev 127:494)")
ABOVE_LIMIT_FLAG = "fi_above_submaximal_limit"
# Searle 2008: an index needs most items answered; below 80 % it is not reported.
ENOUGH_PRESENT = Cutoff(">=", "0.8", "Searle 2008 (BMC Geriatr 8:24); docs/instruments.md §3")
# docs/instruments.md §3: "Store full precision; show 2 decimals" — the score is the nearest
# float to the exact FI, never a 2-decimal value that could sit on the other side of 0.08.
SCORE_PLACES = None

LABELS = {ROBUST: "robust", PREFRAIL: "pre-frail", FRAIL: "frail", INDETERMINATE: "indeterminate"}

FIELDS = (
    Field("deficits", "object", required=True,
          help_text="Item code → value in [0, 1] (see the definition's allowed values) or "
                    "null when not assessed."),
)


def categorize(fi: Fraction) -> str:
    return CATEGORIES(fi)


def clean_deficits(deficits: Mapping[str, Any], definition: FIDefinition) -> dict[str, Any]:
    """Check codes and values against the definition; null stays null (missing)."""
    errors: dict[str, list[str]] = {}
    unknown = sorted(str(code) for code in deficits if code not in definition.codes())
    if unknown:
        errors["deficits"] = [
            f"deficits contains unknown item codes: {', '.join(unknown)}; see the "
            f"frailty index definition {definition.version} for the accepted codes."
        ]
    for code, value in deficits.items():
        if code in definition.codes() and not _allowed(value, definition, code):
            errors[f"deficits.{code}"] = [_value_message(definition, code)]
    if errors:
        raise ScoringError(errors)
    return dict(deficits)


def _allowed(value: Any, definition: FIDefinition, code: str) -> bool:
    return value is None or (is_number(value) and value in definition.item(code).allowed_values)


def _value_message(definition: FIDefinition, code: str) -> str:
    allowed = ", ".join(f"{v:g}" for v in definition.item(code).allowed_values)
    return f"deficits.{code} must be one of {allowed}, or null when not assessed."


def score_deficits(deficits: Mapping[str, Any], definition: FIDefinition) -> ScoreResult:
    """Score against any valid definition (the registered instrument uses DEFINITION)."""
    cleaned = clean_deficits(deficits, definition)
    values = {code: cleaned.get(code) for code in definition.codes()}
    present = [Fraction(to_decimal(v)) for v in values.values() if v is not None]
    missing = tuple(code for code, v in values.items() if v is None)
    total = len(definition.codes())
    derived = {"items_present": len(present), "items_total": total}
    if not present or not ENOUGH_PRESENT.met_by(Fraction(len(present), total)):
        return _result(definition, None, INDETERMINATE, values, missing, (), derived)
    fi = sum(present, Fraction(0)) / len(present)
    flags = (ABOVE_LIMIT_FLAG,) if ABOVE_SUBMAXIMAL.met_by(fi) else ()
    score = rounded(fi, SCORE_PLACES)
    return _result(definition, score, categorize(fi), values, missing, flags, derived)


def _result(
    definition: FIDefinition,
    fi: int | float | None,
    category: str,
    values: dict[str, Any],
    missing: tuple[str, ...],
    flags: tuple[str, ...],
    derived: dict[str, Any],
) -> ScoreResult:
    return ScoreResult(
        instrument=CODE,
        version=definition.version,
        score=fi,
        max_score=1,
        category=category,
        label=LABELS[category],
        components=values,
        missing=missing,
        flags=flags,
        derived=derived,
    )


def score(values: dict[str, Any]) -> ScoreResult:
    return score_deficits(values["deficits"], DEFINITION)


INSTRUMENT = register(
    Instrument(
        code=CODE,
        name="Frailty index (deficit accumulation)",
        version=VERSION,
        citation=CITATION,
        fields=FIELDS,
        scorer=score,
        max_score=1,
        definition=DEFINITION.as_dict(),
    )
)
