"""FRAIL scale (Fatigue, Resistance, Ambulation, Illnesses, Loss of weight).

Source: Morley JE, Malmstrom TK, Miller DK. A simple frailty questionnaire (FRAIL)
predicts outcomes in middle aged African Americans. J Nutr Health Aging
2012;16(7):601-608. Item cut-offs as in that paper; operators per docs/instruments.md §4.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .base import (
    FRAIL,
    PREFRAIL,
    ROBUST,
    Field,
    Instrument,
    ScoreResult,
    count_score_result,
    percent_loss,
    register,
    weight_field,
)
from .exact import Bands, Cutoff, Exact, rounded

CODE = "frail"
VERSION = "frail-2012.1"
CITATION = (
    "Morley JE, Malmstrom TK, Miller DK. A simple frailty questionnaire (FRAIL) predicts "
    "outcomes in middle aged African Americans. J Nutr Health Aging 2012;16:601-608."
)

ILLNESSES = (
    "hypertension", "diabetes", "cancer", "chronic_lung_disease", "heart_attack",
    "congestive_heart_failure", "angina", "asthma", "arthritis", "stroke", "kidney_disease",
)
MORLEY = "Morley 2012 (J Nutr Health Aging 16:601)"
# Morley 2012: fatigue "all" or "most of the time" (1-2 on the 1-5 scale) scores.
FATIGUED = Cutoff("<=", 2, MORLEY)
# Morley 2012: 5 or more of the 11 illnesses scores.
MANY_ILLNESSES = Cutoff(">=", 5, MORLEY)
# Morley 2012: weight loss of more than 5 % in the past year; exactly 5.00 % does not.
WEIGHT_LOSS = Cutoff(">", 5, MORLEY)
# Morley 2012: 0 robust, 1-2 pre-frail, 3-5 frail.
CATEGORIES = Bands(
    ((Cutoff("<=", 0, MORLEY), ROBUST), (Cutoff("<=", 2, MORLEY), PREFRAIL)), otherwise=FRAIL
)
# The weight-loss percentage is shown to 2 decimals; the item uses the exact value.
DERIVED_PLACES = 2

LABELS = {ROBUST: "robust", PREFRAIL: "pre-frail", FRAIL: "frail"}

FIELDS = (
    Field("fatigue", "integer", min=1, max=5,
          help_text="How much of the time during the past 4 weeks did you feel tired? "
                    "1 All, 2 Most, 3 Some, 4 A little, 5 None of the time."),
    Field("resistance_difficulty", "boolean",
          help_text="Difficulty walking up 10 steps alone without resting or aids."),
    Field("ambulation_difficulty", "boolean",
          help_text="Difficulty walking several hundred yards alone without aids."),
    Field("illnesses", "list", choices=ILLNESSES,
          help_text="Illnesses a doctor has ever diagnosed (cancer: other than minor "
                    "skin cancer). An empty list means none."),
    weight_field("weight_now_kg", help_text="Current weight."),
    weight_field("weight_1y_ago_kg", help_text="Weight one year ago."),
)


def categorize(score: int) -> str:
    return CATEGORIES(score)


def _yes(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _meets(cutoff: Cutoff, value: Exact | None) -> int | None:
    return None if value is None else int(cutoff.met_by(value))


def _items(values: dict[str, Any], loss: Fraction | None) -> dict[str, int | None]:
    illnesses = values.get("illnesses")
    return {
        "fatigue": _meets(FATIGUED, values.get("fatigue")),
        "resistance": _yes(values.get("resistance_difficulty")),
        "ambulation": _yes(values.get("ambulation_difficulty")),
        "illnesses": _meets(MANY_ILLNESSES, None if illnesses is None else len(illnesses)),
        "loss_of_weight": _meets(WEIGHT_LOSS, loss),
    }


def score(values: dict[str, Any]) -> ScoreResult:
    illnesses = values.get("illnesses")
    loss = percent_loss(values.get("weight_1y_ago_kg"), values.get("weight_now_kg"))
    components = _items(values, loss)
    derived = {
        "illness_count": None if illnesses is None else len(illnesses),
        "weight_loss_percent": rounded(loss, DERIVED_PLACES),
    }
    return count_score_result(
        instrument=CODE, version=VERSION, components=components, max_score=5,
        categorize=categorize, labels=LABELS, derived=derived,
    )


INSTRUMENT = register(
    Instrument(
        code=CODE,
        name="FRAIL scale",
        version=VERSION,
        citation=CITATION,
        fields=FIELDS,
        scorer=score,
        max_score=5,
    )
)
