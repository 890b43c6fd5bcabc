"""Short Physical Performance Battery (SPPB).

Sources: Guralnik JM, Simonsick EM, Ferrucci L, et al. A short physical performance
battery assessing lower extremity function. J Gerontol 1994;49(2):M85-M94 (balance
sequence, chair-stand cut-offs, 8-ft gait cut-offs); Guralnik JM, Ferrucci L, Pieper CF,
et al. J Gerontol A Biol Sci Med Sci 2000;55(4):M221-M231 (4-m gait cut-offs); NIA SPPB
protocol (3-m gait cut-offs). Operators exactly as docs/instruments.md §9.

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
)
from .exact import Bands, Cutoff, ratio, rounded

CODE = "sppb"
VERSION = "sppb-1994.1"
CITATION = (
    "Guralnik JM, et al. A short physical performance battery assessing lower extremity "
    "function. J Gerontol 1994;49:M85-M94; Guralnik JM, et al. J Gerontol A 2000;55:M221."
)
IMPAIRED = "impaired"

GURALNIK_1994 = "Guralnik 1994 (J Gerontol 49:M85)"
GURALNIK_2000 = "Guralnik 2000 (J Gerontol A 55:M221)"
NIA = "NIA SPPB protocol"


def _below(bound: int | str, source: str = GURALNIK_1994) -> Cutoff:
    return Cutoff("<", bound, source)


def _at_most(bound: int | str, source: str = GURALNIK_1994) -> Cutoff:
    return Cutoff("<=", bound, source)


# Guralnik 1994: each stance is held for up to 10 s (longer holds count as 10 s); side-by-
# side and semi-tandem score 1 when held 10 s; full tandem 10 s → 2, 3.00-9.99 s → 1,
# < 3 s → 0.
HELD_FULL = Cutoff(">=", 10, GURALNIK_1994)
TANDEM = Bands(((HELD_FULL, 2), (Cutoff(">=", 3, GURALNIK_1994), 1)), otherwise=0)

EIGHT_FT = 2.4384
# Points by the faster walk time (s), per course; a slower time than every row scores 1.
GAIT_BANDS: dict[float, Bands] = {
    # Guralnik 2000, 4-m course: < 4.82 → 4; ≤ 6.20 → 3; ≤ 8.70 → 2.
    4: Bands(((_below("4.82", GURALNIK_2000), 4), (_at_most("6.20", GURALNIK_2000), 3),
              (_at_most("8.70", GURALNIK_2000), 2)), otherwise=1),
    # NIA protocol, 3-m course: < 3.62 → 4; ≤ 4.65 → 3; ≤ 6.52 → 2.
    3: Bands(((_below("3.62", NIA), 4), (_at_most("4.65", NIA), 3),
              (_at_most("6.52", NIA), 2)), otherwise=1),
    # Guralnik 1994, 8-ft course: ≤ 3.1 → 4; ≤ 4.0 → 3; ≤ 5.6 → 2.
    EIGHT_FT: Bands(((_at_most("3.1"), 4), (_at_most("4.0"), 3), (_at_most("5.6"), 2)),
                    otherwise=1),
}
# Guralnik 1994, five chair stands: < 11.20 → 4; < 13.70 → 3; < 16.70 → 2; ≤ 60 → 1.
CHAIR_BANDS = Bands(
    ((_below("11.20"), 4), (_below("13.70"), 3), (_below("16.70"), 2), (_at_most(60), 1)),
    otherwise=0,
)

# Guralnik 1994 / Guralnik 2000 performance bands of the total.
LABELS = Bands(
    ((_at_most(3), "very low"), (_at_most(6), "low"), (_at_most(9), "moderate")),
    otherwise="high",
)
# Totals below 10 predict disability (Guralnik 2000): "impaired" on dashboards.
CATEGORIES = Bands(((_below(10, GURALNIK_2000), IMPAIRED),), otherwise=ROBUST)
# The gait speed is reported to 0.001 m/s, as gait_speed reports it.
SPEED_PLACES = 3

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


def balance_score(values: dict[str, Any]) -> int | None:
    """Sequential: the first stance not held for 10 s (or unable) ends the test."""
    total = 0
    for name in ("side_by_side_s", "semi_tandem_s"):
        held = performance_value(values.get(name))
        if held is None:
            return None
        if held == UNABLE or not HELD_FULL.met_by(held):
            return total
        total += 1
    tandem = performance_value(values.get("tandem_s"))
    if tandem is None:
        return None
    return total + (0 if tandem == UNABLE else TANDEM(tandem))


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
    return GAIT_BANDS[course](time)


def chair_score(values: dict[str, Any]) -> int | None:
    if values.get("chair_single_without_arms") is False:
        return 0  # cannot rise once: the timed test is not done
    time = performance_value(values.get("chair_5_s"))
    if time is None or time == UNABLE:
        return None if time is None else 0
    return CHAIR_BANDS(time)


def label_for(total: int) -> str:
    return LABELS(total)


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
    return INDETERMINATE if total is None else CATEGORIES(total)


def _gait_details(course: float, time: Decimal | str | None) -> dict[str, Any]:
    if not isinstance(time, Decimal):
        return {"gait_time_s": None, "gait_speed_m_s": None}
    speed = ratio(course, time)
    return {"gait_time_s": rounded(time, None), "gait_speed_m_s": rounded(speed, SPEED_PLACES)}


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
