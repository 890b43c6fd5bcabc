"""Short Physical Performance Battery (SPPB).

Sources: Guralnik JM, Simonsick EM, Ferrucci L, et al. A short physical performance
battery assessing lower extremity function. J Gerontol 1994;49(2):M85-M94 (balance
sequence, chair-stand cut-offs, 8-ft gait cut-offs); Guralnik JM, Ferrucci L, Pieper CF,
et al. J Gerontol A Biol Sci Med Sci 2000;55(4):M221-M231 (4-m gait cut-offs); NIA SPPB
protocol (3-m gait cut-offs). Operators exactly as instruments.md §9.

`unable` scores 0 for its test; `refused`/`not_done` (or an absent value) makes that
component and the total missing. A single valid gait trial is enough: the faster valid
trial scores.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .base import (
    INDETERMINATE,
    ROBUST,
    UNABLE,
    Field,
    Instrument,
    ScoreResult,
    performance_value,
    register,
    rounded,
    to_decimal,
)

CODE = "sppb"
VERSION = "sppb-1994.1"
CITATION = (
    "Guralnik JM, et al. A short physical performance battery assessing lower extremity "
    "function. J Gerontol 1994;49:M85-M94; Guralnik JM, et al. J Gerontol A 2000;55:M221."
)
IMPAIRED = "impaired"

# Guralnik 1994: each stance is held for up to 10 s; longer holds count as 10 s.
HOLD_S = Decimal(10)
# Guralnik 1994: full tandem 3.00-9.99 s scores 1, < 3 s scores 0.
TANDEM_PARTIAL_S = Decimal(3)

EIGHT_FT = 2.4384
# Rows (cut-off s, inclusive?, points); a slower time than every row scores 1.
GAIT_TABLES: dict[float, tuple[tuple[Decimal, bool, int], ...]] = {
    # Guralnik 2000, 4-m course: < 4.82 → 4; ≤ 6.20 → 3; ≤ 8.70 → 2.
    4: ((Decimal("4.82"), False, 4), (Decimal("6.20"), True, 3), (Decimal("8.70"), True, 2)),
    # NIA protocol, 3-m course: < 3.62 → 4; ≤ 4.65 → 3; ≤ 6.52 → 2.
    3: ((Decimal("3.62"), False, 4), (Decimal("4.65"), True, 3), (Decimal("6.52"), True, 2)),
    # Guralnik 1994, 8-ft course: ≤ 3.1 → 4; ≤ 4.0 → 3; ≤ 5.6 → 2.
    EIGHT_FT: ((Decimal("3.1"), True, 4), (Decimal("4.0"), True, 3), (Decimal("5.6"), True, 2)),
}
# Guralnik 1994, five chair stands: < 11.20 → 4; < 13.70 → 3; < 16.70 → 2; ≤ 60 → 1.
CHAIR_ROWS = (
    (Decimal("11.20"), False, 4),
    (Decimal("13.70"), False, 3),
    (Decimal("16.70"), False, 2),
    (Decimal(60), True, 1),
)

# Guralnik 1994 / Guralnik 2000 performance bands of the total.
LABEL_BANDS = ((3, "very low"), (6, "low"), (9, "moderate"), (12, "high"))
# Totals below 10 predict disability (Guralnik 2000): "impaired" on dashboards.
IMPAIRED_BELOW = 10

FIELDS = (
    Field("side_by_side_s", "performance", unit="s", min=0, max=60,
          help_text="Side-by-side stand, seconds held (10 s is a full score)."),
    Field("semi_tandem_s", "performance", unit="s", min=0, max=60,
          help_text="Semi-tandem stand, seconds held (only if side-by-side reached 10 s)."),
    Field("tandem_s", "performance", unit="s", min=0, max=60,
          help_text="Tandem stand, seconds held (only if semi-tandem reached 10 s)."),
    Field("gait_course_m", "choice", unit="m", choices=(4, 3, EIGHT_FT), default=4,
          help_text="Gait course: 4 m (default), 3 m, or 2.4384 m (original 8 ft)."),
    Field("gait_trial1_s", "performance", unit="s", min=1, max=120,
          help_text="First usual-pace walk, seconds."),
    Field("gait_trial2_s", "performance", unit="s", min=1, max=120,
          help_text="Second usual-pace walk, seconds."),
    Field("chair_single_without_arms", "boolean",
          help_text="Able to rise once from the chair without using the arms?"),
    Field("chair_5_s", "performance", unit="s", min=1, max=300,
          help_text="Time for five chair stands without arms."),
)


def _points(time: Decimal, rows: tuple[tuple[Decimal, bool, int], ...], slowest: int) -> int:
    for cutoff, inclusive, points in rows:
        if time < cutoff or (inclusive and time == cutoff):
            return points
    return slowest


def balance_score(values: dict[str, Any]) -> int | None:
    """Sequential: the first stance not held for 10 s (or unable) ends the test."""
    total = 0
    for name in ("side_by_side_s", "semi_tandem_s"):
        held = performance_value(values.get(name))
        if held is None:
            return None
        if held == UNABLE or held < HOLD_S:
            return total
        total += 1
    tandem = performance_value(values.get("tandem_s"))
    if tandem is None:
        return None
    return total + _tandem_points(tandem)


def _tandem_points(held: Decimal | str) -> int:
    if held == UNABLE or held < TANDEM_PARTIAL_S:
        return 0
    return 2 if held >= HOLD_S else 1


def best_gait_time(values: dict[str, Any]) -> Decimal | str | None:
    """Faster valid trial; 'unable' only when no trial has a time."""
    trials = [performance_value(values.get(n)) for n in ("gait_trial1_s", "gait_trial2_s")]
    times = [t for t in trials if isinstance(t, Decimal)]
    if times:
        return min(times)
    return UNABLE if UNABLE in trials else None


def gait_score(course: float, time: Decimal | str | None) -> int | None:
    if time is None or time == UNABLE:
        return None if time is None else 0
    return _points(time, GAIT_TABLES[course], slowest=1)


def chair_score(values: dict[str, Any]) -> int | None:
    if values.get("chair_single_without_arms") is False:
        return 0  # cannot rise once: the timed test is not done
    time = performance_value(values.get("chair_5_s"))
    if time is None or time == UNABLE:
        return None if time is None else 0
    return _points(time, CHAIR_ROWS, slowest=0)


def label_for(total: int) -> str:
    return next(label for upper, label in LABEL_BANDS if total <= upper)


def score(values: dict[str, Any]) -> ScoreResult:
    course = values["gait_course_m"]
    gait_time = best_gait_time(values)
    components = {
        "balance": balance_score(values),
        "gait": gait_score(course, gait_time),
        "chair": chair_score(values),
    }
    missing = tuple(name for name, points in components.items() if points is None)
    total = None if missing else sum(components.values())
    return ScoreResult(
        instrument=CODE,
        version=VERSION,
        score=total,
        max_score=12,
        category=_category(total),
        label=None if total is None else label_for(total),
        components=components,
        missing=missing,
        derived=_gait_details(course, gait_time),
    )


def _category(total: int | None) -> str:
    if total is None:
        return INDETERMINATE
    return IMPAIRED if total < IMPAIRED_BELOW else ROBUST


def _gait_details(course: float, time: Decimal | str | None) -> dict[str, Any]:
    if not isinstance(time, Decimal):
        return {"gait_time_s": None, "gait_speed_m_s": None}
    return {"gait_time_s": float(time), "gait_speed_m_s": rounded(to_decimal(course) / time, 3)}


INSTRUMENT = register(
    Instrument(
        code=CODE,
        name="Short Physical Performance Battery",
        version=VERSION,
        citation=CITATION,
        fields=FIELDS,
        scorer=score,
        max_score=12,
    )
)
