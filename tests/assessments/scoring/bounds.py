"""Table-driven checks at every published bound (issue 16).

A `Bound` names the scoring module and the cut-off it declares (as `str(Cutoff)`, e.g.
"< 0.3151361243"), the published source, and three profiles: one whose compared value
lands exactly on the bound and one the smallest input step to either side of it, each
with the outcome the source requires. `value` recomputes, independently of the scoring
code and in exact arithmetic, the quantity the cut-off is applied to, so the table proves
that its "exact" profiles really are exact.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from assessments.scoring import get
from assessments.scoring.exact import Bands, Cutoff
from core.numbers import json_number

Profile = tuple[dict[str, Any], Any]


@dataclass(frozen=True)
class Bound:
    module: str
    cutoff: str
    source: str
    value: Callable[[dict[str, Any]], Decimal | Fraction | int]
    outcome: Callable[[dict[str, Any]], Any]
    profiles: tuple[Profile, ...]  # on the bound first, then one step to each side

    @property
    def bound(self) -> Decimal:
        return Decimal(self.cutoff.split()[1])

    def __str__(self) -> str:
        return f"{self.module} {self.cutoff} ({self.source})"


def step(inputs: dict, field: str, by: str, *, on: Any, less: Any, more: Any) -> tuple:
    """The profile as given, and `field` one step `by` lower and higher (exact decimals)."""
    value = Decimal(str(inputs[field]))
    lower, higher = (json_number(value - Decimal(by)), json_number(value + Decimal(by)))
    return ((inputs, on), ({**inputs, field: lower}, less), ({**inputs, field: higher}, more))


# ------------------------------------------------------------------ what a bound decides


def category(code: str) -> Callable[[dict], Any]:
    return lambda inputs: get(code).score(inputs).category


def label(code: str) -> Callable[[dict], Any]:
    return lambda inputs: get(code).score(inputs).label


def component(code: str, name: str) -> Callable[[dict], Any]:
    return lambda inputs: get(code).score(inputs).components[name]


def flags(code: str) -> Callable[[dict], Any]:
    return lambda inputs: get(code).score(inputs).flags


def derived(code: str, name: str) -> Callable[[dict], Any]:
    return lambda inputs: get(code).score(inputs).derived[name]


def score(code: str) -> Callable[[dict], Any]:
    return lambda inputs: get(code).score(inputs).score


# ------------------------------------------------------------------ the compared value


def exact(value: Any) -> Fraction:
    """What the clinician typed, as an exact number."""
    return Fraction(Decimal(str(value)))


def given(field: str) -> Callable[[dict], Fraction]:
    """Bounds applied to an input as entered (times, grip, kcal, answers)."""
    return lambda inputs: exact(inputs[field])


def bmi(inputs: dict) -> Fraction:
    return exact(inputs["weight_kg"]) / (exact(inputs["height_cm"]) / 100) ** 2


def percent_lost(prior: str, now: str) -> Callable[[dict], Fraction]:
    return lambda i: (exact(i[prior]) - exact(i[now])) / exact(i[prior]) * 100


# ------------------------------------------------------------------ the checks


def cases(bounds: list[Bound]) -> list:
    names = ("on", "one step to one side", "one step to the other side")
    return [
        pytest.param(bound, profile, id=f"{bound.module} {bound.cutoff} {names[n]}")
        for bound in bounds
        for n, profile in enumerate(bound.profiles)
    ]


def check_outcome(bound: Bound, profile: Profile) -> None:
    inputs, expected = profile
    assert bound.outcome(inputs) == expected, (str(bound), inputs)


def check_landing(bound: Bound) -> None:
    """The first profile lands exactly on the bound; the others lie one on each side."""
    (on, _), *sides = bound.profiles
    assert bound.value(on) == bound.bound, str(bound)
    values = [bound.value(inputs) for inputs, _ in sides]
    assert values and bound.bound not in values, str(bound)
    if len(values) == 2:  # a count of 0 has no side below it
        assert min(values) < bound.bound < max(values), str(bound)


def declared_cutoffs(module: types.ModuleType) -> set[str]:
    """Every Cutoff a scoring module declares at top level, as "< 0.8"-style text."""
    found: set[str] = set()

    def walk(obj: Any) -> Iterator[Cutoff]:
        if isinstance(obj, Cutoff):
            yield obj
        elif isinstance(obj, Bands):
            for cutoff, outcome in obj.rows:
                yield from walk(cutoff)
                yield from walk(outcome)
            yield from walk(obj.otherwise)
        elif isinstance(obj, dict):
            for item in obj.values():
                yield from walk(item)
        elif isinstance(obj, tuple | list):
            for item in obj:
                yield from walk(item)

    for name, obj in vars(module).items():
        if not name.startswith("_"):
            found.update(str(c) for c in walk(obj))
    return found
