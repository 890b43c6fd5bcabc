"""Tilburg Frailty Indicator, part B (physical, psychological and social frailty).

Source: Gobbens RJJ, van Assen MALM, Luijkx KG, Wijnen-Sponselee MT, Schols JMGA. The
Tilburg Frailty Indicator: psychometric properties. J Am Med Dir Assoc 2010;11(5):344-355.
Scoring of each answer and the cut-off (frail at ≥ 5 of 15) are those of that paper.
Part A (determinants) is recorded elsewhere and not scored.
"""

from __future__ import annotations

from typing import Any

from .base import (
    FRAIL,
    ROBUST,
    Field,
    Instrument,
    ScoreResult,
    answer_scores,
    count_score_result,
    domain_scores,
    register,
)
from .exact import Bands, Cutoff

CODE = "tfi"
VERSION = "tfi-2010.1"
CITATION = (
    "Gobbens RJJ, et al. The Tilburg Frailty Indicator: psychometric properties. "
    "J Am Med Dir Assoc 2010;11:344-355."
)

YES_NO = ("yes", "no")
YES_SOMETIMES_NO = ("yes", "sometimes", "no")

# Gobbens 2010: answers that score 1 for each item of part B.
POSITIVE_ANSWERS: dict[str, tuple[str, ...]] = {
    "physically_healthy": ("no",),
    "weight_loss": ("yes",),
    "difficulty_walking": ("yes",),
    "difficulty_balance": ("yes",),
    "poor_hearing": ("yes",),
    "poor_vision": ("yes",),
    "lack_hand_strength": ("yes",),
    "physical_tiredness": ("yes",),
    "memory_problems": ("yes",),  # "sometimes" scores 0 on the memory item
    "felt_down": ("yes", "sometimes"),
    "nervous_anxious": ("yes", "sometimes"),
    "cope_with_problems": ("no",),
    "lives_alone": ("yes",),
    "misses_people": ("yes", "sometimes"),
    "enough_support": ("no",),
}
# Only these questions offer "sometimes" in the published questionnaire.
SOMETIMES_ITEMS = ("memory_problems", "felt_down", "nervous_anxious", "misses_people")

DOMAINS = {
    "physical": (
        "physically_healthy", "weight_loss", "difficulty_walking", "difficulty_balance",
        "poor_hearing", "poor_vision", "lack_hand_strength", "physical_tiredness",
    ),
    "psychological": ("memory_problems", "felt_down", "nervous_anxious", "cope_with_problems"),
    "social": ("lives_alone", "misses_people", "enough_support"),
}
# Gobbens 2010: frail when the total is 5 or more.
CATEGORIES = Bands(
    ((Cutoff(">=", 5, "Gobbens 2010 (J Am Med Dir Assoc 11:344)"), FRAIL),), otherwise=ROBUST
)

LABELS = {ROBUST: "not frail", FRAIL: "frail"}

QUESTIONS = {
    "physically_healthy": "Do you feel physically healthy?",
    "weight_loss": "Have you lost a lot of weight recently without wishing to do so "
                   "(≥ 6 kg in 6 months or ≥ 3 kg in 1 month)?",
    "difficulty_walking": "Problems in daily life due to difficulty in walking?",
    "difficulty_balance": "Problems in daily life due to difficulty maintaining balance?",
    "poor_hearing": "Problems in daily life due to poor hearing?",
    "poor_vision": "Problems in daily life due to poor vision?",
    "lack_hand_strength": "Problems in daily life due to lack of strength in the hands?",
    "physical_tiredness": "Problems in daily life due to physical tiredness?",
    "memory_problems": "Do you have problems with your memory?",
    "felt_down": "Have you felt down during the last month?",
    "nervous_anxious": "Have you felt nervous or anxious during the last month?",
    "cope_with_problems": "Are you able to cope with problems well?",
    "lives_alone": "Do you live alone?",
    "misses_people": "Do you sometimes miss having people around you?",
    "enough_support": "Do you receive enough support from other people?",
}


def _field(item: str) -> Field:
    choices = YES_SOMETIMES_NO if item in SOMETIMES_ITEMS else YES_NO
    return Field(item, "choice", choices=choices, help_text=QUESTIONS[item])


FIELDS = tuple(_field(item) for item in POSITIVE_ANSWERS)


def categorize(score: int) -> str:
    return CATEGORIES(score)


def score(values: dict[str, Any]) -> ScoreResult:
    components = answer_scores(values, POSITIVE_ANSWERS)
    return count_score_result(
        instrument=CODE, version=VERSION, components=components, max_score=15,
        categorize=categorize, labels=LABELS,
        derived={"domain_scores": domain_scores(components, DOMAINS)},
    )


INSTRUMENT = register(
    Instrument(
        code=CODE,
        name="Tilburg Frailty Indicator (part B)",
        version=VERSION,
        citation=CITATION,
        fields=FIELDS,
        scorer=score,
        max_score=15,
    )
)
