"""Fried physical frailty phenotype (Cardiovascular Health Study).

Source: Fried LP, Tangen CM, Walston J, et al. Frailty in older adults: evidence for a
phenotype. J Gerontol A Biol Sci Med Sci 2001;56(3):M146-M156 — Table 1 gives every
cut-off used here. Boundary operators follow docs/instruments.md §1.

When sex, height or BMI is unknown a criterion is still scored if every possible stratum
gives the same answer (e.g. a woman's grip of 16 kg is weak in every BMI stratum), in the
spirit of the determinable-category rule of docs/instruments.md §0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from .base import (
    FRAIL,
    PREFRAIL,
    ROBUST,
    UNABLE,
    Field,
    Instrument,
    ScoreResult,
    body_mass_index,
    count_score_result,
    height_field,
    percent_loss,
    performance_value,
    register,
    sex_field,
    weight_field,
)
from .exact import Bands, Cutoff, Exact, rounded, to_decimal

CODE = "fried"
VERSION = "fried-2001.1"
CITATION = (
    "Fried LP, Tangen CM, Walston J, et al. Frailty in older adults: evidence for a "
    "phenotype. J Gerontol A Biol Sci Med Sci 2001;56(3):M146-M156."
)

SOURCE = "Fried 2001 Table 1 (J Gerontol A 56:M146)"


def _at_most(bound: int | str) -> Cutoff:
    return Cutoff("<=", bound, SOURCE)


def _at_least(bound: int | str) -> Cutoff:
    return Cutoff(">=", bound, SOURCE)


# Fried 2001 Table 1, weakness: grip strength (kg) at or below the cut-off of the sex and
# BMI stratum. Strata are half-open (BMI ≤ 24, 24 < BMI ≤ 26, ...; docs/instruments.md §1), read
# top-down on the exact BMI.
GRIP_STRATA: dict[str, Bands] = {
    "male": Bands(
        (
            (_at_most(24), _at_most(29)),
            (_at_most(26), _at_most(30)),
            (_at_most(28), _at_most(30)),
        ),
        otherwise=_at_most(32),
    ),
    "female": Bands(
        (
            (_at_most(23), _at_most(17)),
            (_at_most(26), _at_most("17.3")),
            (_at_most(29), _at_most(18)),
        ),
        otherwise=_at_most(21),
    ),
}
# Fried 2001 Table 1, slowness: 15-ft walk time (s) at or above the cut-off of the sex
# and height (cm) stratum.
WALK_STRATA: dict[str, Bands] = {
    "male": Bands(((_at_most(173), _at_least(7)),), otherwise=_at_least(6)),
    "female": Bands(((_at_most(159), _at_least(7)),), otherwise=_at_least(6)),
}
# Fried 2001 Table 1, low activity: Minnesota LTA kcal/week below the cut-off.
LOW_KCAL: dict[str, Cutoff] = {"male": Cutoff("<", 383, SOURCE), "female": Cutoff("<", 270, SOURCE)}
# Fried 2001 / CHS: "more than 10 lb"; measured mode: loss ≥ 5 % of prior-year weight
# (docs/instruments.md §1), compared exactly so 5.00 % is positive.
WEIGHT_LOSS = Cutoff(">=", 5, "Fried 2001; docs/instruments.md §1")
# CES-D items 7 and 20: "a moderate amount / most of the time" (3+ days) is exhausted.
EXHAUSTED = Cutoff(">=", 2, "Fried 2001 (CES-D items 7 and 20)")
# Fried 2001: 0 robust, 1-2 intermediate (pre-frail), 3+ frail.
CATEGORIES = Bands(((_at_most(0), ROBUST), (_at_most(2), PREFRAIL)), otherwise=FRAIL)
# BMI and weight-loss percentage are shown to 2 decimals; criteria use the exact values.
DERIVED_PLACES = 2

LABELS = {ROBUST: "robust", PREFRAIL: "pre-frail", FRAIL: "frail"}

FIELDS = (
    sex_field(),
    height_field(),
    weight_field(help_text="Current body weight."),
    Field("grip_kg", "performance", unit="kg", min=0, max=100,
          help_text="Maximum of all valid grip trials, either hand."),
    Field("walk_15ft_s", "performance", unit="s", min=1, max=120,
          help_text="Time to walk 15 ft (4.572 m) at usual pace."),
    Field("kcal_per_week", "number", unit="kcal/week", min=0, max=20000,
          help_text="Minnesota Leisure Time Activity energy expenditure."),
    Field("cesd_effort", "integer", min=0, max=3,
          help_text="CES-D 'I felt that everything I did was an effort': 0 = <1 day, "
                    "1 = 1-2 days, 2 = 3-4 days, 3 = 5-7 days in the last week."),
    Field("cesd_going", "integer", min=0, max=3,
          help_text="CES-D 'I could not get going': same 0-3 scale."),
    Field("weight_loss_10lb", "boolean",
          help_text="Unintentional loss of more than 10 lb in the prior year."),
    weight_field("weight_prior_year_kg", help_text="Measured weight one year ago."),
    Field("trying_to_lose_weight", "boolean",
          help_text="Was the patient trying to lose weight (measured mode)?"),
)


def categorize(score: int) -> str:
    return CATEGORIES(score)


def grip_cutoff(sex: str, bmi: Exact) -> Cutoff:
    """Fried grip cut-off for a sex and exact BMI; also used by the frailty index."""
    return GRIP_STRATA[sex](bmi)


def _candidate_cutoffs(
    table: Mapping[str, Bands], sex: str | None, stratifier: Exact | None
) -> list[Cutoff]:
    """Cut-offs of every stratum still possible given what is known (sex, height/BMI)."""
    strata = [table[sex]] if sex else list(table.values())
    if stratifier is None:
        return [cutoff for bands in strata for cutoff in bands.outcomes()]
    return [bands(stratifier) for bands in strata]


def _agree(outcomes: Iterable[bool]) -> int | None:
    found = set(outcomes)
    return int(found.pop()) if len(found) == 1 else None


def weakness(values: Mapping[str, Any], bmi: Fraction | None) -> int | None:
    grip = performance_value(values.get("grip_kg"))
    if grip is None or grip == UNABLE:  # unable = weak (docs/instruments.md §1)
        return None if grip is None else 1
    cutoffs = _candidate_cutoffs(GRIP_STRATA, values.get("sex"), bmi)
    return _agree(cutoff.met_by(grip) for cutoff in cutoffs)


def slowness(values: Mapping[str, Any]) -> int | None:
    walk = performance_value(values.get("walk_15ft_s"))
    if walk is None or walk == UNABLE:  # unable = slow (docs/instruments.md §1)
        return None if walk is None else 1
    height = values.get("height_cm")
    height = None if height is None else to_decimal(height)
    cutoffs = _candidate_cutoffs(WALK_STRATA, values.get("sex"), height)
    return _agree(cutoff.met_by(walk) for cutoff in cutoffs)


def low_activity(values: Mapping[str, Any]) -> int | None:
    kcal = values.get("kcal_per_week")
    if kcal is None:
        return None
    sex = values.get("sex")
    cutoffs = [LOW_KCAL[sex]] if sex else list(LOW_KCAL.values())
    return _agree(cutoff.met_by(to_decimal(kcal)) for cutoff in cutoffs)


def exhaustion(values: Mapping[str, Any]) -> int | None:
    answers = [values.get("cesd_effort"), values.get("cesd_going")]
    if any(a is not None and EXHAUSTED.met_by(a) for a in answers):
        return 1
    return None if None in answers else 0


def _measured_shrinking(values: Mapping[str, Any], loss: Fraction | None) -> int | None:
    if loss is None or not WEIGHT_LOSS.met_by(loss):
        return None if loss is None else 0
    trying = values.get("trying_to_lose_weight")
    return None if trying is None else int(not trying)


def shrinking(values: Mapping[str, Any], loss: Fraction | None) -> int | None:
    """Either source suffices for a positive; negative only if every source used is."""
    sources = []
    if "weight_loss_10lb" in values:
        sources.append(int(values["weight_loss_10lb"]))
    if "weight_prior_year_kg" in values:
        sources.append(_measured_shrinking(values, loss))
    if 1 in sources:
        return 1
    return 0 if sources and None not in sources else None


def score(values: dict[str, Any]) -> ScoreResult:
    bmi = body_mass_index(values.get("height_cm"), values.get("weight_kg"))
    loss = percent_loss(values.get("weight_prior_year_kg"), values.get("weight_kg"))
    components = {
        "shrinking": shrinking(values, loss),
        "weakness": weakness(values, bmi),
        "exhaustion": exhaustion(values),
        "slowness": slowness(values),
        "low_activity": low_activity(values),
    }
    return count_score_result(
        instrument=CODE,
        version=VERSION,
        components=components,
        max_score=5,
        categorize=categorize,
        labels=LABELS,
        derived={
            "bmi": rounded(bmi, DERIVED_PLACES),
            "weight_loss_percent": rounded(loss, DERIVED_PLACES),
        },
    )


INSTRUMENT = register(
    Instrument(
        code=CODE,
        name="Fried physical frailty phenotype (CHS)",
        version=VERSION,
        citation=CITATION,
        fields=FIELDS,
        scorer=score,
        max_score=5,
    )
)
