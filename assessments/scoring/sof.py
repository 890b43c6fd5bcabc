"""Study of Osteoporotic Fractures (SOF) frailty index.

Source: Ensrud KE, Ewing SK, Taylor BC, et al. Comparison of 2 frailty indexes for
prediction of falls, disability, fractures, and death in older women. Arch Intern Med
2008;168(4):382-389. Items: weight loss ≥ 5 % since the prior examination regardless of
intent; inability to rise from a chair 5 times without using the arms; "no" to the
Geriatric Depression Scale item "Do you feel full of energy?".
"""

from __future__ import annotations

from typing import Any

from .base import (
    FRAIL,
    NOT_DONE,
    PREFRAIL,
    REFUSED,
    ROBUST,
    UNABLE,
    Field,
    Instrument,
    ScoreResult,
    count_score_result,
    percent_loss,
    register,
    weight_field,
)
from .exact import Bands, Cutoff, rounded

CODE = "sof"
VERSION = "sof-2008.1"
CITATION = (
    "Ensrud KE, et al. Comparison of 2 frailty indexes for prediction of falls, "
    "disability, fractures, and death in older women. Arch Intern Med 2008;168:382-389."
)

ENSRUD = "Ensrud 2008 (Arch Intern Med 168:382)"
# Ensrud 2008: loss of 5 % or more between examinations (exactly 5.00 % scores).
WEIGHT_LOSS = Cutoff(">=", 5, ENSRUD)
# Ensrud 2008: 0 robust, 1 intermediate (pre-frail), 2-3 frail.
CATEGORIES = Bands(
    ((Cutoff("<=", 0, ENSRUD), ROBUST), (Cutoff("<=", 1, ENSRUD), PREFRAIL)), otherwise=FRAIL
)
# The weight-loss percentage is shown to 2 decimals; the item uses the exact value.
DERIVED_PLACES = 2
ABLE = "able"

LABELS = {ROBUST: "robust", PREFRAIL: "intermediate", FRAIL: "frail"}

FIELDS = (
    weight_field("weight_prior_kg", help_text="Weight at the prior examination."),
    weight_field("weight_now_kg", help_text="Current weight."),
    Field("weight_interval_years", "number", unit="years", min=0, max=10, default=3,
          min_exclusive=True, help_text="Years between the two weights (SOF: about 3)."),
    Field("chair_stands", "choice", choices=(ABLE, UNABLE, REFUSED, NOT_DONE),
          help_text="Able to rise from a chair 5 times without using the arms?"),
    Field("full_of_energy", "boolean", help_text="GDS item: Do you feel full of energy?"),
)


def categorize(score: int) -> str:
    return CATEGORIES(score)


def _chair_item(answer: str | None) -> int | None:
    if answer in (ABLE, UNABLE):
        return int(answer == UNABLE)
    return None  # refused / not done / absent are missing (docs/instruments.md §0)


def score(values: dict[str, Any]) -> ScoreResult:
    loss = percent_loss(values.get("weight_prior_kg"), values.get("weight_now_kg"))
    energy = values.get("full_of_energy")
    components = {
        "weight_loss": None if loss is None else int(WEIGHT_LOSS.met_by(loss)),
        "inability_to_rise": _chair_item(values.get("chair_stands")),
        "poor_energy": None if energy is None else int(not energy),
    }
    derived = {
        "weight_loss_percent": rounded(loss, DERIVED_PLACES),
        "weight_interval_years": values["weight_interval_years"],
    }
    return count_score_result(
        instrument=CODE, version=VERSION, components=components, max_score=3,
        categorize=categorize, labels=LABELS, derived=derived,
    )


INSTRUMENT = register(
    Instrument(
        code=CODE,
        name="Study of Osteoporotic Fractures frailty index",
        version=VERSION,
        citation=CITATION,
        fields=FIELDS,
        scorer=score,
        max_score=3,
    )
)
