"""Shared framework for frailty instrument scoring.

Plain Python, no Django import: every instrument module describes its inputs as `Field`s,
validates them here (unknown fields, wrong types and out-of-range values are rejected,
never clamped — docs/instruments.md §0) and returns a frozen `ScoreResult`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any, Literal

from .exact import exact_arithmetic, ratio, to_decimal

FieldType = Literal[
    "number", "integer", "boolean", "choice", "list", "object", "performance", "text"
]

UNABLE = "unable"
REFUSED = "refused"
NOT_DONE = "not_done"
PERFORMANCE_STATUSES = (UNABLE, REFUSED, NOT_DONE)
# docs/instruments.md §0: refused and not_done are missing, unable is scored by the
# instrument.
MISSING_STATUSES = (REFUSED, NOT_DONE)

ROBUST = "robust"
PREFRAIL = "prefrail"
FRAIL = "frail"
INDETERMINATE = "indeterminate"

SEXES = ("female", "male")

# Flag set when items are missing but every completion gives the same category: the
# reported score counts only the known positive items.
SCORE_IS_MINIMUM = "score_is_minimum"


class ScoringError(Exception):
    """Input an instrument cannot score; `errors` maps a field name to messages."""

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in errors.items()}
        super().__init__(" ".join(m for msgs in self.errors.values() for m in msgs))

    @classmethod
    def for_field(cls, name: str, message: str) -> ScoringError:
        return cls({name: [message]})


class UnknownInstrument(KeyError):
    """Raised by `get()` for an instrument code the registry does not know."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        known = ", ".join(sorted(_REGISTRY))
        return f"unknown instrument {self.code!r}; known instruments: {known}."


@dataclass(frozen=True)
class Field:
    """One input of an instrument, as shown in forms and the API schema."""

    name: str
    type: FieldType
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] = ()
    required: bool = False
    help_text: str = ""
    default: Any = None
    # Times and distances must be strictly positive where 0 is physically meaningless.
    min_exclusive: bool = False

    def as_dict(self) -> dict[str, Any]:
        data = {
            "name": self.name,
            "type": self.type,
            "unit": self.unit,
            "min": self.min,
            "max": self.max,
            "min_exclusive": self.min_exclusive,
            "choices": list(self.choices),
            "required": self.required,
            "default": self.default,
            "help_text": self.help_text,
        }
        if self.type == "performance":
            data["statuses"] = list(PERFORMANCE_STATUSES)
        return data


@dataclass(frozen=True)
class ScoreResult:
    """The scoring result of docs/instruments.md §0, frozen."""

    instrument: str
    version: str
    score: float | int | None
    max_score: float | int | None
    category: str | None
    label: str | None
    components: dict[str, Any] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    derived: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Callers may pass lists; keep the result immutable where we can.
        object.__setattr__(self, "missing", tuple(self.missing))
        object.__setattr__(self, "flags", tuple(self.flags))
        clash = set(self.derived) & set(_CORE_KEYS)
        if clash:
            raise ValueError(f"derived values shadow result keys: {sorted(clash)}")

    def as_dict(self) -> dict[str, Any]:
        """Flat JSON shape: the core keys plus derived values at top level."""
        data: dict[str, Any] = {
            "instrument": self.instrument,
            "version": self.version,
            "score": self.score,
            "max_score": self.max_score,
            "category": self.category,
            "label": self.label,
            "components": dict(self.components),
            "missing": list(self.missing),
            "flags": list(self.flags),
        }
        data.update(self.derived)
        return data


_CORE_KEYS = (
    "instrument", "version", "score", "max_score", "category", "label",
    "components", "missing", "flags",
)


@dataclass(frozen=True)
class Instrument:
    """An instrument: its inputs, published source, rule-set version and scorer."""

    code: str
    name: str
    version: str
    citation: str
    fields: tuple[Field, ...]
    scorer: Callable[[dict[str, Any]], ScoreResult]
    max_score: float | int | None = None
    # Extra machine-readable definition for the API (e.g. the frailty index items).
    definition: Mapping[str, Any] | None = None

    @cached_property
    def input_names(self) -> frozenset[str]:
        """The names of its inputs (computed once: the context is chosen by them)."""
        return frozenset(f.name for f in self.fields)

    def clean(self, inputs: Any) -> dict[str, Any]:
        return clean_inputs(self.code, self.fields, inputs)

    def score(self, inputs: Any) -> ScoreResult:
        """Validate raw inputs (e.g. decoded JSON) and score them."""
        return self.scorer(self.clean(inputs))

    def schema(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "version": self.version,
            "citation": self.citation,
            "max_score": self.max_score,
            "fields": [f.as_dict() for f in self.fields],
            "definition": dict(self.definition) if self.definition else None,
        }


# ---------------------------------------------------------------- registry

_REGISTRY: dict[str, Instrument] = {}


def register(instrument: Instrument) -> Instrument:
    """Add an instrument; a second instrument with the same code is a programming error."""
    if instrument.code in _REGISTRY:
        raise ValueError(f"instrument {instrument.code!r} is already registered")
    _REGISTRY[instrument.code] = instrument
    return instrument


def get(code: str) -> Instrument:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise UnknownInstrument(code) from None


def all_instruments() -> tuple[Instrument, ...]:
    return tuple(_REGISTRY.values())


# ---------------------------------------------------------------- validation


class _Invalid(Exception):
    """A single field failed validation; the message is shown to the clinician."""


def clean_inputs(instrument: str, fields: Sequence[Field], inputs: Any) -> dict[str, Any]:
    """Return validated values; absent or null keys stay absent (= missing) unless defaulted."""
    if not isinstance(inputs, Mapping):
        message = f"inputs for {instrument} must be an object of field name to value."
        raise ScoringError.for_field("inputs", message)
    by_name = {f.name: f for f in fields}
    errors = _unknown_field_errors(instrument, by_name, inputs)
    cleaned: dict[str, Any] = {}
    for f in fields:
        _clean_one(f, inputs.get(f.name), cleaned, errors)
    if errors:
        raise ScoringError(errors)
    return cleaned


def _unknown_field_errors(
    instrument: str, by_name: Mapping[str, Field], inputs: Mapping[Any, Any]
) -> dict[str, list[str]]:
    accepted = ", ".join(by_name)
    return {
        str(name): [f"{name} is not an input of {instrument}; accepted fields: {accepted}."]
        for name in inputs
        if name not in by_name
    }


def _clean_one(f: Field, value: Any, cleaned: dict[str, Any], errors: dict) -> None:
    if value is None:
        if f.default is not None:
            cleaned[f.name] = f.default
        elif f.required:
            errors[f.name] = [f"{f.name} is required."]
        return
    try:
        cleaned[f.name] = _CLEANERS[f.type](f, value)
    except _Invalid as exc:
        errors[f.name] = [str(exc)]


def is_number(value: Any) -> bool:
    """JSON numbers only: booleans and numeric strings are not numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    return math.isfinite(value)


def _fmt(value: float | None) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def describe_range(f: Field, kind: str = "a number") -> str:
    """Human wording of a numeric field's accepted range, e.g. 'a number from 0 to 100 kg'."""
    unit = f" {f.unit}" if f.unit else ""
    if f.min is not None and f.max is not None:
        if f.min_exclusive:
            return f"{kind} greater than {_fmt(f.min)} and at most {_fmt(f.max)}{unit}"
        return f"{kind} from {_fmt(f.min)} to {_fmt(f.max)}{unit}"
    if f.min is not None:
        word = "greater than" if f.min_exclusive else "at least"
        return f"{kind} {word} {_fmt(f.min)}{unit}"
    if f.max is not None:
        return f"{kind} of at most {_fmt(f.max)}{unit}"
    return kind


def _in_range(f: Field, value: float | int | Decimal) -> bool:
    if f.min is not None and (value < f.min or (f.min_exclusive and value == f.min)):
        return False
    return f.max is None or value <= f.max


def _clean_number(f: Field, value: Any) -> float | int | Decimal:
    if not is_number(value) or not _in_range(f, value):
        raise _Invalid(f"{f.name} must be {describe_range(f)}.")
    return value


def _clean_integer(f: Field, value: Any) -> int:
    # 4.0 from a JSON client is the whole number 4; 4.5 is not.
    whole = is_number(value) and value == int(value)
    if not whole or not _in_range(f, value):
        raise _Invalid(f"{f.name} must be {describe_range(f, 'a whole number')}.")
    return int(value)


def _clean_boolean(f: Field, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"{f.name} must be true or false.")
    return value


def _choice_matches(value: Any, choice: Any) -> bool:
    # True == 1 in Python; a boolean never matches a numeric or text choice.
    return isinstance(value, bool) is isinstance(choice, bool) and value == choice


def _clean_choice(f: Field, value: Any) -> Any:
    for choice in f.choices:
        if _choice_matches(value, choice):
            return choice
    raise _Invalid(f"{f.name} must be one of: {_choices_text(f.choices)}.")


def _choices_text(choices: Iterable[Any]) -> str:
    return ", ".join(_fmt(c) if is_number(c) else str(c) for c in choices)


def _clean_list(f: Field, value: Any) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise _Invalid(f"{f.name} must be a list.")
    if not f.choices:
        return [_clean_list_number(f, item) for item in value]
    items = [_clean_list_choice(f, item) for item in value]
    for item in items:
        if items.count(item) > 1:
            raise _Invalid(f"{f.name} lists {item!r} more than once.")
    return items


def _clean_list_number(f: Field, item: Any) -> float | int | Decimal:
    if not is_number(item) or not _in_range(f, item):
        raise _Invalid(f"every value in {f.name} must be {describe_range(f)}.")
    return item


def _clean_list_choice(f: Field, item: Any) -> Any:
    for choice in f.choices:
        if _choice_matches(item, choice):
            return choice
    allowed = _choices_text(f.choices)
    raise _Invalid(f"{f.name} contains unknown value {item!r}; allowed values: {allowed}.")


def _clean_object(f: Field, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _Invalid(f"{f.name} must be an object.")
    return dict(value)


def _clean_performance(f: Field, value: Any) -> Any:
    if value in PERFORMANCE_STATUSES or (is_number(value) and _in_range(f, value)):
        return value
    statuses = ", ".join(PERFORMANCE_STATUSES)
    raise _Invalid(f"{f.name} must be {describe_range(f)}, or one of: {statuses}.")


def _clean_text(f: Field, value: Any) -> str:
    limit = int(f.max) if f.max is not None else 200
    if not isinstance(value, str) or len(value) > limit:
        raise _Invalid(f"{f.name} must be text of at most {limit} characters.")
    return value


_CLEANERS: dict[str, Callable[[Field, Any], Any]] = {
    "number": _clean_number,
    "integer": _clean_integer,
    "boolean": _clean_boolean,
    "choice": _clean_choice,
    "list": _clean_list,
    "object": _clean_object,
    "performance": _clean_performance,
    "text": _clean_text,
}


# ---------------------------------------------------------------- common input fields
# Context values the caller fills from the patient or visit (docs/instruments.md §0); same
# bounds everywhere.


def sex_field(**kwargs: Any) -> Field:
    help_text = "Sex recorded for the patient."
    return Field("sex", "choice", choices=SEXES, help_text=help_text, **kwargs)


def height_field(**kwargs: Any) -> Field:
    return Field("height_cm", "number", unit="cm", min=50, max=250, help_text="Height.", **kwargs)


def weight_field(name: str = "weight_kg", help_text: str = "Body weight.", **kwargs: Any) -> Field:
    return Field(name, "number", unit="kg", min=20, max=300, help_text=help_text, **kwargs)


def age_field(**kwargs: Any) -> Field:
    return Field("age_years", "number", unit="years", min=18, max=120, help_text="Age.", **kwargs)


# ---------------------------------------------------------------- derived measures


def body_mass_index(height_cm: Any, weight_kg: Any) -> Fraction | None:
    """BMI = weight_kg / (height_cm/100)², unrounded and exact (docs/instruments.md §0)."""
    if height_cm is None or weight_kg is None:
        return None
    metres = ratio(height_cm, 100)
    return Fraction(to_decimal(weight_kg)) / (metres * metres)


def percent_loss(prior: Any, now: Any) -> Fraction | None:
    """(prior − now) / prior × 100, exact, so exactly 5.00 % stays 5.00 %."""
    if prior is None or now is None:
        return None
    before = to_decimal(prior)
    with exact_arithmetic():
        lost = before - to_decimal(now)
    return ratio(lost, before) * 100


def performance_value(value: Any) -> Decimal | str | None:
    """A performance input as Decimal, the string 'unable', or None when missing."""
    if value is None or value in MISSING_STATUSES:
        return None
    if value == UNABLE:
        return UNABLE
    return to_decimal(value)


# ---------------------------------------------------------------- count scores


def determinable_category(
    positive: int, missing: int, categorize: Callable[[int], str]
) -> str | None:
    """The category if every completion of the missing items agrees (docs/instruments.md §0)."""
    found = {categorize(positive + extra) for extra in range(missing + 1)}
    return found.pop() if len(found) == 1 else None


def count_score_result(
    *,
    instrument: str,
    version: str,
    components: Mapping[str, int | None],
    max_score: int,
    categorize: Callable[[int], str],
    labels: Mapping[str, str],
    derived: Mapping[str, Any] | None = None,
    flags: Iterable[str] = (),
) -> ScoreResult:
    """Result of an additive 0/1 item count under the determinable-category rule."""
    missing = tuple(name for name, value in components.items() if value is None)
    positive = sum(value for value in components.values() if value)
    category = determinable_category(positive, len(missing), categorize)
    flags = list(flags)
    if category is None:
        score, category = None, INDETERMINATE
    else:
        score = positive
        if missing:
            flags.append(SCORE_IS_MINIMUM)
    return ScoreResult(
        instrument=instrument,
        version=version,
        score=score,
        max_score=max_score,
        category=category,
        label=labels.get(category, category),
        components=dict(components),
        missing=missing,
        flags=tuple(flags),
        derived=dict(derived or {}),
    )


def domain_scores(
    components: Mapping[str, int | None], domains: Mapping[str, Sequence[str]]
) -> dict[str, int | None]:
    """Sum per domain, reported only when every item of the domain is present."""
    result: dict[str, int | None] = {}
    for domain, items in domains.items():
        values = [components[item] for item in items]
        result[domain] = None if None in values else sum(values)
    return result


def answer_scores(
    values: Mapping[str, Any], scoring: Mapping[str, Sequence[Any]]
) -> dict[str, int | None]:
    """1 when the answer is one of the item's positive answers, 0 otherwise, None if absent."""
    return {
        item: None if values.get(item) is None else int(values[item] in positive)
        for item, positive in scoring.items()
    }
