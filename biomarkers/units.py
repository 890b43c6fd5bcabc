"""Unit normalisation and conversion, censored values, plausibility and threshold flags.

Rules of docs/biomarkers.md:
- §1: normalise unit spelling, then convert with the catalogue's factor; an unknown unit
  is rejected with the list of accepted ones; molar units are rejected unless the
  catalogue documents a factor; D-dimer FEU and DDU are never converted into each other.
- §1: plausibility bounds reject a value as a probable unit error.
- §2: censored values keep their comparator; nothing is substituted at ingestion.
- §3: thresholds raise flags, each citing its source.

All arithmetic is Decimal; floats are refused so that no binary rounding sneaks in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from biomarkers.catalogue import MOLAR_UNIT_SYMBOLS, Analyte, Threshold, Unit, unit_spellings

COMPARATORS: tuple[str, ...] = ("<", "<=", ">=", ">")

# Labs write D-dimer units as "mg/L FEU", "ng/mL(DDU)" or UCUM "ng/mL{FEU}".
_ANNOTATION = re.compile(
    r"^(?P<unit>.*?)\s*(?:\{(?P<a>FEU|DDU)\}|\((?P<b>FEU|DDU)\)|\s(?P<c>FEU|DDU))\s*$",
    re.IGNORECASE,
)
# "mcg/mL", "mcL": the pharmacy spelling of the micro prefix.
_MC_PREFIX = re.compile(r"(?<![a-z])mc(?=[gl])", re.IGNORECASE)
_MOLAR = re.compile(r"^[pnumk]?mol/", re.IGNORECASE)
_REPORTED_VALUE = re.compile(
    r"^(?P<cmp><=|>=|<|>)?\s*(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)$"
)
_VALUE_THEN_UNIT = re.compile(
    r"^(?P<value>(?:<=|>=|<|>)?\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)"
    r"(?:\s+(?P<unit>\S.*?)|(?P<glued>[^\s\d.].*?))?\s*$"
)
_UNICODE_COMPARATORS = {"≤": "<=", "≥": ">=", "=<": "<=", "=>": ">="}


class BiomarkerValueError(ValueError):
    """Base of the errors below; ``message`` is meant to be shown to the sender."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnitError(BiomarkerValueError):
    """The unit cannot be converted to the analyte's canonical unit."""

    def __init__(self, message: str, *, accepted: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.accepted = accepted


class PlausibilityError(BiomarkerValueError):
    """The canonical value lies outside the analyte's plausibility bounds."""


class ValueParseError(BiomarkerValueError):
    """A reported value such as "<0.5" could not be read as comparator + number."""


@dataclass(frozen=True)
class Flag:
    """A threshold the value falls in, with the source that defines it (§3)."""

    code: str
    label: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "source": self.source}


# --- unit spelling ---------------------------------------------------------------------


def _clean(text: str) -> str:
    """Generic spelling clean-up: Unicode forms, micro sign, 'mc', whitespace."""
    text = unicodedata.normalize("NFKC", text)  # µ (U+00B5) -> μ, ⁹ -> 9, full-width forms
    text = text.replace("μ", "u").replace("×", "x")
    text = "".join(text.split())
    return _MC_PREFIX.sub("u", text)


@cache
def _spelling_table() -> dict[str, str]:
    """Case-folded clean spelling -> unit symbol, for every known symbol and variant."""
    table: dict[str, str] = {}
    for symbol, variants in unit_spellings().items():
        for spelling in (symbol, *variants):
            table[_clean(spelling).casefold()] = symbol
    return table


def _split_annotation(text: str) -> tuple[str, str | None]:
    match = _ANNOTATION.match(text.strip())
    if match is None:
        return text, None
    annotation = match.group("a") or match.group("b") or match.group("c")
    return match.group("unit"), annotation.upper()


def _normalised_parts(text: str) -> tuple[str, str | None]:
    unit, annotation = _split_annotation(unicodedata.normalize("NFKC", text))
    cleaned = _clean(unit)
    return _spelling_table().get(cleaned.casefold(), cleaned), annotation


def normalise_unit(text: str) -> str:
    """The UCUM spelling of a unit as labs write it ("µg/ml" -> "ug/mL").

    A D-dimer measurand marker is kept as a UCUM annotation ("mg/L FEU" ->
    "mg/L{FEU}"); unknown units come back cleaned (whitespace, micro sign) but otherwise
    as written, so an error message can quote them.
    """
    unit, annotation = _normalised_parts(text)
    return unit if annotation is None else f"{unit}{{{annotation}}}"


def is_molar(unit: str) -> bool:
    return _normalised_parts(unit)[0] in MOLAR_UNIT_SYMBOLS or bool(_MOLAR.match(_clean(unit)))


# --- conversion ------------------------------------------------------------------------


def _accepted_list(analyte: Analyte) -> str:
    return ", ".join(analyte.accepted_unit_symbols())


def _unknown_unit(analyte: Analyte, raw: str) -> UnitError:
    if is_molar(raw):
        return UnitError(
            f"Molar unit '{raw}' is not accepted for {analyte.code} ({analyte.name}): no "
            "exact mass conversion factor is documented (biomarkers.md §1). Send the result "
            f"in one of: {_accepted_list(analyte)}.",
            accepted=analyte.accepted_unit_symbols(),
        )
    return UnitError(
        f"Unit '{raw}' is not accepted for {analyte.code} ({analyte.name}). "
        f"Accepted units: {_accepted_list(analyte)}.",
        accepted=analyte.accepted_unit_symbols(),
    )


def _check_annotation(analyte: Analyte, annotation: str | None, raw: str) -> None:
    """FEU and DDU are different measurands: a contradicting marker is refused (§1).

    The LOINC code decides the measurand; a matching marker is redundant and dropped,
    a marker on an analyte that is not D-dimer makes the unit unknown.
    """
    if annotation is None or annotation == analyte.unit_annotation:
        return
    if analyte.unit_annotation is None:
        raise _unknown_unit(analyte, raw)
    raise UnitError(
        f"Unit '{raw}' is marked {annotation} but {analyte.code} (LOINC "
        f"{analyte.primary_loinc}) is a D-dimer result in {analyte.unit_annotation}. FEU and "
        "DDU are different measurands and are never converted into each other; send the "
        "result under the LOINC code of its own measurand (biomarkers.md §1).",
        accepted=analyte.accepted_unit_symbols(),
    )


def accepted_unit(analyte: Analyte, unit: str | None) -> Unit:
    """The catalogue unit that ``unit`` spells, or a UnitError listing the accepted ones."""
    if unit is None or not unit.strip():
        raise UnitError(
            f"No unit given for {analyte.code}; accepted units: {_accepted_list(analyte)}.",
            accepted=analyte.accepted_unit_symbols(),
        )
    symbol, annotation = _normalised_parts(unit)
    _check_annotation(analyte, annotation, unit)
    found = analyte.unit_for(symbol)
    if found is None:
        raise _unknown_unit(analyte, unit)
    return found


def _as_decimal(value: Decimal | int) -> Decimal:
    # bool is an int subclass and float would carry binary rounding into clinical data.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"Expected a Decimal value, got {type(value).__name__}.")
    return Decimal(value)


def to_canonical(analyte: Analyte, value: Decimal | int, unit: str | None) -> Decimal:
    """``value`` in ``unit`` expressed in the analyte's canonical unit (docs/biomarkers.md §1)."""
    number = _as_decimal(value)
    if not number.is_finite():
        raise ValueParseError(f"{analyte.code} value '{value}' is not a finite number.")
    return number * accepted_unit(analyte, unit).factor


# --- reported values -------------------------------------------------------------------


def _unify_comparator(text: str) -> str:
    for written, comparator in _UNICODE_COMPARATORS.items():
        if text.startswith(written):
            return comparator + text[len(written) :]
    return text


def parse_reported_value(text: str) -> tuple[str | None, Decimal]:
    """Comparator and number of a reported value: "<0.5" -> ("<", Decimal("0.5")).

    Censoring is an analysis decision, so the number is returned as sent (docs/biomarkers.md §2).
    """
    cleaned = _unify_comparator("".join(unicodedata.normalize("NFKC", str(text)).split()))
    match = _REPORTED_VALUE.match(cleaned)
    if match is None:
        raise ValueParseError(
            f"Cannot read a number from '{text}': expected a decimal number with a dot, "
            "optionally preceded by <, <=, >= or >."
        )
    try:
        return match.group("cmp"), Decimal(match.group("num"))
    except InvalidOperation as exc:  # the regex should make this unreachable
        raise ValueParseError(f"Cannot read a number from '{text}'.") from exc


def split_value_and_unit(text: str) -> tuple[str | None, Decimal, str | None]:
    """A free-text result such as "<0.5 mg/L" as (comparator, number, unit or None).

    FHIR valueString and HL7 ST results are tolerated this way (docs/biomarkers.md §4).
    """
    stripped = _unify_comparator(unicodedata.normalize("NFKC", str(text)).strip())
    match = _VALUE_THEN_UNIT.match(stripped)
    if match is None:
        comparator, number = parse_reported_value(text)  # raises with the standard message
        return comparator, number, None
    comparator, number = parse_reported_value(match.group("value"))
    return comparator, number, match.group("unit") or match.group("glued") or None


# --- plausibility and flags ------------------------------------------------------------


def check_plausible(analyte: Analyte, canonical_value: Decimal) -> None:
    """Refuse a value outside the analyte's bounds: a probable unit error (§1)."""
    low, high = analyte.plausible_min, analyte.plausible_max
    if canonical_value.is_finite() and low <= canonical_value <= high:
        return
    raise PlausibilityError(
        f"{analyte.code} value {canonical_value} {analyte.canonical_unit} is outside the "
        f"plausible range {low}–{high} {analyte.canonical_unit}; probably a unit error "
        "(biomarkers.md §1)."
    )


@dataclass(frozen=True)
class _Interval:
    """Where the true value may lie; a censored value is a half-open ray."""

    low: Decimal | None
    low_closed: bool
    high: Decimal | None
    high_closed: bool


def _value_interval(value: Decimal, comparator: str | None) -> _Interval:
    if comparator is None:
        return _Interval(value, True, value, True)
    if comparator in ("<", "<="):
        return _Interval(None, False, value, comparator == "<=")
    if comparator in (">", ">="):
        return _Interval(value, comparator == ">=", None, False)
    raise ValueParseError(f"Unknown comparator '{comparator}'; expected one of <, <=, >=, >.")


def _above_low(value: _Interval, low: Decimal | None, inclusive: bool) -> bool:
    if low is None:
        return True
    if value.low is None:
        return False
    return value.low > low or (value.low == low and (inclusive or not value.low_closed))


def _below_high(value: _Interval, high: Decimal | None, inclusive: bool) -> bool:
    if high is None:
        return True
    if value.high is None:
        return False
    return value.high < high or (value.high == high and (inclusive or not value.high_closed))


def threshold_low(threshold: Threshold, age_years: int | None) -> Decimal | None:
    """The lower bound, age-adjusted where the source says so (D-dimer: age × 10 > 50 y)."""
    over, factor = threshold.age_adjusted_over, threshold.age_factor
    if age_years is None or over is None or factor is None or age_years <= over:
        return threshold.low
    return Decimal(age_years) * factor


def _flag(threshold: Threshold, low: Decimal | None) -> Flag:
    label = threshold.label
    if low != threshold.low:
        label = f"{label}; age-adjusted cut-off {low}"
    return Flag(code=threshold.flag, label=label, source=threshold.source)


def flags_for(
    analyte: Analyte,
    canonical_value: Decimal,
    *,
    comparator: str | None = None,
    age_years: int | None = None,
) -> tuple[Flag, ...]:
    """The threshold flags of docs/biomarkers.md §3 that hold for this value.

    A censored value ("<0.5") raises a flag only when every value it may stand for lies
    inside the band, so "<5" hs-CRP is not called low risk. ``age_years`` enables the
    age-adjusted D-dimer cut-off; without it the fixed cut-off applies.
    """
    value = _value_interval(canonical_value, comparator)
    flags = []
    for threshold in analyte.thresholds:
        low = threshold_low(threshold, age_years)
        if _above_low(value, low, threshold.low_inclusive) and _below_high(
            value, threshold.high, threshold.high_inclusive
        ):
            flags.append(_flag(threshold, low))
    return tuple(flags)
