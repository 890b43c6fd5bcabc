"""Fried physical frailty phenotype (Cardiovascular Health Study).

Source: Fried LP, Tangen CM, Walston J, et al. Frailty in older adults: evidence for a
phenotype. J Gerontol A Biol Sci Med Sci 2001;56(3):M146-M156 — Table 1 gives every
cut-off used here. Boundary operators follow instruments.md §1.

When sex, height or BMI is unknown a criterion is still scored if every possible stratum
gives the same answer (e.g. a woman's grip of 16 kg is weak in every BMI stratum), in the
spirit of the determinable-category rule of instruments.md §0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
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
    rounded,
    sex_field,
    to_decimal,
    weight_field,
)

CODE = "fried"
VERSION = "fried-2001.1"
CITATION = (
    "Fried LP, Tangen CM, Walston J, et al. Frailty in older adults: evidence for a "
    "phenotype. J Gerontol A Biol Sci Med Sci 2001;56(3):M146-M156."
)

# A stratum is (inclusive upper bound of the stratifying variable or None, cut-off).
Strata = tuple[tuple[Decimal | None, Decimal], ...]

# Fried 2001 Table 1, weakness: grip strength (kg) at or below the cut-off, by sex and BMI.
GRIP_CUTOFFS: dict[str, Strata] = {
    "male": (
        (Decimal(24), Decimal(29)),
        (Decimal(26), Decimal(30)),
        (Decimal(28), Decimal(30)),
        (None, Decimal(32)),
    ),
    "female": (
        (Decimal(23), Decimal(17)),
        (Decimal(26), Decimal("17.3")),
        (Decimal(29), Decimal(18)),
        (None, Decimal(21)),
    ),
}
# Fried 2001 Table 1, slowness: 15-ft walk time (s) at or above the cut-off, by sex/height.
WALK_CUTOFFS: dict[str, Strata] = {
    "male": ((Decimal(173), Decimal(7)), (None, Decimal(6))),
    "female": ((Decimal(159), Decimal(7)), (None, Decimal(6))),
}
# Fried 2001 Table 1, low activity: Minnesota LTA kcal/week below the cut-off.
KCAL_CUTOFFS: dict[str, Decimal] = {"male": Decimal(383), "female": Decimal(270)}
# Fried 2001 / CHS: "more than 10 lb"; measured mode uses ≥ 5 % of prior-year weight.
WEIGHT_LOSS_PERCENT = Decimal(5)
# CES-D items 7 and 20: "a moderate amount / most of the time" (3+ days) is exhausted.
CESD_EXHAUSTED = 2

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
    """Fried 2001: 0 robust, 1-2 intermediate (pre-frail), 3+ frail."""
    if score == 0:
        return ROBUST
    return PREFRAIL if score <= 2 else FRAIL


def stratum_cutoff(strata: Strata, value: Decimal) -> Decimal:
    return next(cut for upper, cut in strata if upper is None or value <= upper)


def grip_cutoff(sex: str, bmi: Any) -> Decimal:
    """Fried grip cut-off (kg) for a sex and BMI; also used by the frailty index."""
    return stratum_cutoff(GRIP_CUTOFFS[sex], to_decimal(bmi))


def _candidate_cutoffs(
    table: Mapping[str, Strata], sex: str | None, value: Any
) -> list[Decimal]:
    """Cut-offs of every stratum still possible given what is known (sex, height/BMI)."""
    sexes = [sex] if sex else list(table)
    strata = [table[name] for name in sexes]
    if value is None:
        return [cut for stratum in strata for _, cut in stratum]
    return [stratum_cutoff(stratum, to_decimal(value)) for stratum in strata]


def _agree(outcomes: Iterable[bool]) -> int | None:
    found = set(outcomes)
    return int(found.pop()) if len(found) == 1 else None


def weakness(values: Mapping[str, Any], bmi: Decimal | None) -> int | None:
    grip = performance_value(values.get("grip_kg"))
    if grip is None or grip == UNABLE:  # unable = weak (instruments.md §1)
        return None if grip is None else 1
    cutoffs = _candidate_cutoffs(GRIP_CUTOFFS, values.get("sex"), bmi)
    return _agree(grip <= cut for cut in cutoffs)


def slowness(values: Mapping[str, Any]) -> int | None:
    walk = performance_value(values.get("walk_15ft_s"))
    if walk is None or walk == UNABLE:  # unable = slow (instruments.md §1)
        return None if walk is None else 1
    cutoffs = _candidate_cutoffs(WALK_CUTOFFS, values.get("sex"), values.get("height_cm"))
    return _agree(walk >= cut for cut in cutoffs)


def low_activity(values: Mapping[str, Any]) -> int | None:
    kcal = values.get("kcal_per_week")
    if kcal is None:
        return None
    sex = values.get("sex")
    cutoffs = [KCAL_CUTOFFS[sex]] if sex else list(KCAL_CUTOFFS.values())
    return _agree(to_decimal(kcal) < cut for cut in cutoffs)


def exhaustion(values: Mapping[str, Any]) -> int | None:
    answers = [values.get("cesd_effort"), values.get("cesd_going")]
    if any(a is not None and a >= CESD_EXHAUSTED for a in answers):
        return 1
    return None if None in answers else 0


def _measured_shrinking(values: Mapping[str, Any], loss: Decimal | None) -> int | None:
    if loss is None or loss < WEIGHT_LOSS_PERCENT:
        return None if loss is None else 0
    trying = values.get("trying_to_lose_weight")
    return None if trying is None else int(not trying)


def shrinking(values: Mapping[str, Any], loss: Decimal | None) -> int | None:
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
        derived={"bmi": rounded(bmi, 2), "weight_loss_percent": rounded(loss, 2)},
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
