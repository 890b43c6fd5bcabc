"""Exact arithmetic, published cut-offs and the rounding of reported values (issue 16).

A score that lands exactly on a published bound must fall on the published side. Binary
floating point cannot promise that (SHARE-FI gives 0.3151361242999997 for a profile that
scores exactly 0.3151361243), so every value compared with a cut-off is exact: inputs
become Decimal from their decimal text, coefficients and cut-offs are written as decimal
strings, sums and products are exact Decimals and quotients exact Fractions. A `Cutoff`
refuses floats. Only the reported value is rounded (`rounded()`), to the precision each
instrument module declares. Plain Python, no Django.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import (
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from fractions import Fraction
from typing import Any, Literal

from core.numbers import json_number

Exact = Decimal | Fraction | int

# Sums and products of validated inputs need a few hundred digits at most (a JSON float
# near 5e-324 has 330); Inexact is trapped so a rounded intermediate raises instead of
# silently deciding a category. Quotients are rarely finite decimals: use ratio().
EXACT_CONTEXT = Context(prec=1000, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])


def exact_arithmetic() -> AbstractContextManager[Context]:
    """`with exact_arithmetic():` around Decimal sums and products that meet a cut-off."""
    return localcontext(EXACT_CONTEXT)


def to_decimal(value: float | int | bool | Decimal) -> Decimal:
    """Exact decimal of what the clinician typed: str() gives the shortest float repr."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):  # yes/no items enter discriminant functions as 1/0
        return Decimal(int(value))
    return Decimal(str(value))


def ratio(numerator: Exact | float, denominator: Exact | float) -> Fraction:
    """numerator / denominator as an exact fraction of the decimal inputs."""
    return Fraction(to_exact(numerator)) / Fraction(to_exact(denominator))


def to_exact(value: Exact | float) -> Exact:
    return value if isinstance(value, Fraction) else to_decimal(value)


def rounded(value: Exact | None, places: int | None) -> int | float | None:
    """The exact value rounded half away from zero to `places` decimals, as a JSON number.

    Half away from zero is how published tables round (Python's round() is banker's
    rounding). `places=None` keeps full precision (the nearest float). Whole values become
    ints and others floats, as core.numbers.json_number serialises Decimals.
    """
    if value is None:
        return None
    if places is None:
        return json_number(value) if isinstance(value, Decimal | int) else float(value)
    scaled = Fraction(value) * 10**places
    units = math.floor(abs(scaled) + Fraction(1, 2))
    return json_number(Decimal(units if scaled >= 0 else -units).scaleb(-places))


Operator = Literal["<", "<=", ">", ">="]
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


@dataclass(frozen=True)
class Cutoff:
    """A published bound and the side of it that counts: a value meets it when
    `value <operator> bound` holds ("grip ≤ 29 kg", "DF < 0.3151361243").

    The bound is written as the source prints it (a decimal string or an int, never a
    float) and the value compared must be exact (Decimal, Fraction or int): a float is
    refused, so binary rounding can never decide the side of a bound.
    """

    operator: Operator
    bound: Decimal
    source: str

    def __post_init__(self) -> None:
        if self.operator not in _COMPARISONS:
            raise ValueError(f"unknown operator {self.operator!r}")
        if isinstance(self.bound, float | bool):
            raise TypeError("write a published cut-off as a decimal string, not a float")
        object.__setattr__(self, "bound", Decimal(self.bound))

    def met_by(self, value: Exact) -> bool:
        if isinstance(value, float | bool) or not isinstance(value, Decimal | Fraction | int):
            raise TypeError(f"compare an exact value with {self}, not {value!r}")
        return _COMPARISONS[self.operator](value, self.bound)

    def __str__(self) -> str:
        return f"{self.operator} {self.bound}"


@dataclass(frozen=True)
class Bands:
    """A published table read top-down: the outcome of the first cut-off the value meets,
    else `otherwise` (e.g. SPPB 4-m walk: < 4.82 s → 4; ≤ 6.20 → 3; ≤ 8.70 → 2; else 1)."""

    rows: tuple[tuple[Cutoff, Any], ...]
    otherwise: Any

    def __call__(self, value: Exact) -> Any:
        return next((out for cutoff, out in self.rows if cutoff.met_by(value)), self.otherwise)

    def outcomes(self) -> tuple[Any, ...]:
        return (*(out for _, out in self.rows), self.otherwise)
