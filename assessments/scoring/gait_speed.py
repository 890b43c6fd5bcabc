"""Usual-pace gait speed.

Sources: Studenski S, Perera S, Patel K, et al. Gait speed and survival in older adults.
JAMA 2011;305(1):50-58 (< 0.8 m/s slow; < 1.0 m/s below the level of healthy ageing);
Cruz-Jentoft AJ, Bahat G, Bauer J, et al. Sarcopenia: revised European consensus on
definition and diagnosis (EWGSOP2). Age Ageing 2019;48(1):16-31 (≤ 0.8 m/s low physical
performance). Speed is an exact fraction of the decimal inputs, so 4 m in 5 s is exactly
0.8 m/s and 4.572 m in 5.715 s too.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .base import FRAIL, PREFRAIL, ROBUST, Field, Instrument, ScoreResult, register
from .exact import Bands, Cutoff, ratio, rounded

CODE = "gait_speed"
# .2 (issue 16): the speed is reported to 3 decimals (.1 stored the full binary float).
VERSION = "gait_speed-2011.2"
CITATION = (
    "Studenski S, et al. Gait speed and survival in older adults. JAMA 2011;305:50-58; "
    "Cruz-Jentoft AJ, et al. EWGSOP2. Age Ageing 2019;48:16-31."
)

STUDENSKI = "Studenski 2011 (JAMA 305:50)"
SLOW = Cutoff("<", "0.8", STUDENSKI)
EWGSOP2_LOW = Cutoff("<=", "0.8", "Cruz-Jentoft 2019 (Age Ageing 48:16)")
BELOW_1_0 = Cutoff("<", "1.0", STUDENSKI)
CATEGORIES = Bands(((SLOW, FRAIL), (BELOW_1_0, PREFRAIL)), otherwise=ROBUST)
FLAGS = {"slow": SLOW, "ewgsop2_low_performance": EWGSOP2_LOW, "below_1_0": BELOW_1_0}
# Cut-offs are published to 0.1 m/s; the speed is reported to 0.001 m/s (as the SPPB
# reports it), which keeps every stopwatch time to 0.01 s over 4 m or 15 ft on its own
# side of 0.8 and 1.0. Category and flags use the exact speed.
SCORE_PLACES = 3

LABELS = {FRAIL: "< 0.8 m/s", PREFRAIL: "0.8 to < 1.0 m/s", ROBUST: "≥ 1.0 m/s"}

FIELDS = (
    Field("distance_m", "number", unit="m", min=1, max=50, default=4,
          help_text="Course length: 4 m standard, 4.572 m for 15 ft."),
    Field("time_s", "number", unit="s", min=0.5, max=300, required=True,
          help_text="Time to walk the course at usual pace."),
)


def categorize(speed: Fraction) -> str:
    return CATEGORIES(speed)


def speed_flags(speed: Fraction) -> tuple[str, ...]:
    return tuple(name for name, cutoff in FLAGS.items() if cutoff.met_by(speed))


def score(values: dict[str, Any]) -> ScoreResult:
    speed = ratio(values["distance_m"], values["time_s"])
    category = categorize(speed)
    return ScoreResult(
        instrument=CODE,
        version=VERSION,
        score=rounded(speed, SCORE_PLACES),
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
