"""Usual-pace gait speed.

Sources: Studenski S, Perera S, Patel K, et al. Gait speed and survival in older adults.
JAMA 2011;305(1):50-58 (< 0.8 m/s slow; < 1.0 m/s below the level of healthy ageing);
Cruz-Jentoft AJ, Bahat G, Bauer J, et al. Sarcopenia: revised European consensus on
definition and diagnosis (EWGSOP2). Age Ageing 2019;48(1):16-31 (≤ 0.8 m/s low physical
performance). Speed is computed in Decimal so 4 m in 5 s is exactly 0.8 m/s.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .base import FRAIL, PREFRAIL, ROBUST, Field, Instrument, ScoreResult, register, to_decimal

CODE = "gait_speed"
VERSION = "gait_speed-2011.1"
CITATION = (
    "Studenski S, et al. Gait speed and survival in older adults. JAMA 2011;305:50-58; "
    "Cruz-Jentoft AJ, et al. EWGSOP2. Age Ageing 2019;48:16-31."
)

SLOW_BELOW = Decimal("0.8")  # Studenski 2011
EWGSOP2_AT_OR_BELOW = Decimal("0.8")  # Cruz-Jentoft 2019
NORMAL_FROM = Decimal("1.0")  # Studenski 2011

LABELS = {FRAIL: "< 0.8 m/s", PREFRAIL: "0.8 to < 1.0 m/s", ROBUST: "≥ 1.0 m/s"}

FIELDS = (
    Field("distance_m", "number", unit="m", min=1, max=50, default=4,
          help_text="Course length: 4 m standard, 4.572 m for 15 ft."),
    Field("time_s", "number", unit="s", min=0.5, max=300, required=True,
          help_text="Time to walk the course at usual pace."),
)


def categorize(speed: Decimal) -> str:
    if speed < SLOW_BELOW:
        return FRAIL
    return PREFRAIL if speed < NORMAL_FROM else ROBUST


def speed_flags(speed: Decimal) -> tuple[str, ...]:
    checks = (
        ("slow", speed < SLOW_BELOW),
        ("ewgsop2_low_performance", speed <= EWGSOP2_AT_OR_BELOW),
        ("below_1_0", speed < NORMAL_FROM),
    )
    return tuple(name for name, hit in checks if hit)


def score(values: dict[str, Any]) -> ScoreResult:
    speed = to_decimal(values["distance_m"]) / to_decimal(values["time_s"])
    category = categorize(speed)
    return ScoreResult(
        instrument=CODE,
        version=VERSION,
        score=float(speed),
        max_score=None,
        category=category,
        label=LABELS[category],
        components={"distance_m": values["distance_m"], "time_s": values["time_s"]},
        flags=speed_flags(speed),
    )


INSTRUMENT = register(
    Instrument(
        code=CODE,
        name="Usual-pace gait speed",
        version=VERSION,
        citation=CITATION,
        fields=FIELDS,
        scorer=score,
        max_score=None,
    )
)
