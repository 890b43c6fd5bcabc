"""Groningen Frailty Indicator (GFI), 15 items.

Sources: Steverink N, Slaets JPJ, Schuurmans H, van Lis M. Measuring frailty: developing
and testing the GFI (Groningen Frailty Indicator). Gerontologist 2001;41:236; Peters LL,
Boter H, Buskens E, Slaets JPJ. Measurement properties of the Groningen Frailty Indicator
in home-dwelling and institutionalized elderly people. J Am Med Dir Assoc
2012;13(6):546-551. Item scoring and the cut-off (frail at ≥ 4) are those of Peters 2012.
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

CODE = "gfi"
VERSION = "gfi-2012.1"
CITATION = (
    "Steverink N, et al. Gerontologist 2001;41:236; Peters LL, et al. Measurement "
    "properties of the Groningen Frailty Indicator. J Am Med Dir Assoc 2012;13:546-551."
)

MOBILITY_ITEMS = ("shopping", "walking_outside", "dressing", "toilet")
YES_NO_ITEMS = ("vision_problems", "hearing_problems", "weight_loss", "medications_4plus")
PSYCHOSOCIAL_ITEMS = ("emptiness", "misses_people", "abandoned", "downhearted", "nervous_anxious")
PETERS = "Peters 2012 (J Am Med Dir Assoc 13:546)"
# Peters 2012: a self-rated fitness mark of 0-6 (out of 10) scores 1.
UNFIT = Cutoff("<=", 6, PETERS)
# Peters 2012: frail when the total is 4 or more.
CATEGORIES = Bands(((Cutoff(">=", 4, PETERS), FRAIL),), otherwise=ROBUST)

POSITIVE_ANSWERS: dict[str, tuple[str, ...]] = {
    # Walking aids count as independent; only help from another person is dependent.
    **dict.fromkeys(MOBILITY_ITEMS, ("dependent",)),
    **dict.fromkeys(YES_NO_ITEMS, ("yes",)),
    "memory_complaints": ("yes",),  # "sometimes" scores 0 on memory
    **dict.fromkeys(PSYCHOSOCIAL_ITEMS, ("yes", "sometimes")),
}

# Questionnaire order, so components and exports read like the form.
ITEM_ORDER = (*MOBILITY_ITEMS, "fitness", *YES_NO_ITEMS, "memory_complaints", *PSYCHOSOCIAL_ITEMS)

DOMAINS = {
    "physical": (*MOBILITY_ITEMS, "fitness", *YES_NO_ITEMS),
    "cognitive": ("memory_complaints",),
    "psychosocial": PSYCHOSOCIAL_ITEMS,
}

LABELS = {ROBUST: "not frail", FRAIL: "frail"}

HELP = {
    "shopping": "Can you go shopping without help from another person?",
    "walking_outside": "Can you walk around outside (around the house or to neighbours)?",
    "dressing": "Can you dress and undress yourself?",
    "toilet": "Can you go to the toilet?",
    "vision_problems": "Do you experience problems in daily life due to poor vision?",
    "hearing_problems": "Do you experience problems in daily life due to poor hearing?",
    "weight_loss": "Unwanted weight loss in the last 6 months (3 kg in 1 month or 6 kg in "
                   "2 months)?",
    "medications_4plus": "Do you use 4 or more different types of medicine?",
    "memory_complaints": "Do you have any complaints about your memory?",
    "emptiness": "Do you sometimes experience an emptiness around you?",
    "misses_people": "Do you sometimes miss people around you?",
    "abandoned": "Do you sometimes feel abandoned?",
    "downhearted": "Have you recently felt downhearted or sad?",
    "nervous_anxious": "Have you recently felt nervous or anxious?",
}

FIELDS = (
    *(Field(i, "choice", choices=("independent", "dependent"), help_text=HELP[i])
      for i in MOBILITY_ITEMS),
    Field("fitness_mark", "integer", min=0, max=10,
          help_text="What mark (0-10) would you give your own physical fitness?"),
    *(Field(i, "choice", choices=("yes", "no"), help_text=HELP[i]) for i in YES_NO_ITEMS),
    Field("memory_complaints", "choice", choices=("yes", "sometimes", "no"),
          help_text=HELP["memory_complaints"]),
    *(Field(i, "choice", choices=("yes", "sometimes", "no"), help_text=HELP[i])
      for i in PSYCHOSOCIAL_ITEMS),
)


def categorize(score: int) -> str:
    return CATEGORIES(score)


def _fitness(mark: int | None) -> int | None:
    return None if mark is None else int(UNFIT.met_by(mark))


def score(values: dict[str, Any]) -> ScoreResult:
    components = answer_scores(values, POSITIVE_ANSWERS)
    components["fitness"] = _fitness(values.get("fitness_mark"))
    ordered = {name: components[name] for name in ITEM_ORDER}
    return count_score_result(
        instrument=CODE, version=VERSION, components=ordered, max_score=15,
        categorize=categorize, labels=LABELS,
        derived={"domain_scores": domain_scores(ordered, DOMAINS)},
    )


INSTRUMENT = register(
    Instrument(
        code=CODE,
        name="Groningen Frailty Indicator",
        version=VERSION,
        citation=CITATION,
        fields=FIELDS,
        scorer=score,
        max_score=15,
    )
)
