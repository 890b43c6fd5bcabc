"""Groningen Frailty Indicator (Peters 2012; instruments.md §7)."""

import pytest

from assessments.scoring import ScoringError, get

NOT_FRAIL = {
    "shopping": "independent", "walking_outside": "independent", "dressing": "independent",
    "toilet": "independent", "fitness_mark": 8, "vision_problems": "no",
    "hearing_problems": "no", "weight_loss": "no", "medications_4plus": "no",
    "memory_complaints": "no", "emptiness": "no", "misses_people": "no", "abandoned": "no",
    "downhearted": "no", "nervous_anxious": "no",
}
PSYCHOSOCIAL = ["emptiness", "misses_people", "abandoned", "downhearted", "nervous_anxious"]


def gfi(**changes):
    return get("gfi").score({**NOT_FRAIL, **changes})


@pytest.mark.parametrize(("mark", "value"), [(0, 1), (6, 1), (7, 0), (10, 0)])
def test_fitness_mark_of_six_or_less_scores(mark, value):
    assert gfi(fitness_mark=mark).components["fitness"] == value


@pytest.mark.parametrize("item", ["shopping", "walking_outside", "dressing", "toilet"])
def test_dependence_on_another_person_scores(item):
    assert gfi(**{item: "dependent"}).components[item] == 1


@pytest.mark.parametrize(
    "item", ["vision_problems", "hearing_problems", "weight_loss", "medications_4plus"]
)
def test_yes_no_items_score_on_yes(item):
    assert gfi(**{item: "yes"}).components[item] == 1


def test_memory_complaints_score_on_yes_only():
    assert gfi(memory_complaints="yes").components["memory_complaints"] == 1
    assert gfi(memory_complaints="sometimes").components["memory_complaints"] == 0


@pytest.mark.parametrize("item", PSYCHOSOCIAL)
def test_psychosocial_items_score_on_yes_or_sometimes(item):
    assert gfi(**{item: "sometimes"}).components[item] == 1
    assert gfi(**{item: "yes"}).components[item] == 1


def test_sometimes_is_rejected_on_yes_no_items():
    with pytest.raises(ScoringError) as excinfo:
        gfi(vision_problems="sometimes")
    assert "vision_problems" in excinfo.value.errors


def test_total_of_three_is_not_frail_and_four_is_frail():
    three = gfi(shopping="dependent", fitness_mark=6, emptiness="sometimes")
    assert (three.score, three.category, three.label) == (3, "robust", "not frail")
    four = gfi(shopping="dependent", fitness_mark=6, emptiness="sometimes", weight_loss="yes")
    assert (four.score, four.category, four.label) == (4, "frail", "frail")


def test_maximum_total_is_fifteen():
    everything = {**dict.fromkeys(["shopping", "walking_outside", "dressing", "toilet"],
                                  "dependent"),
                  **dict.fromkeys(["vision_problems", "hearing_problems", "weight_loss",
                                   "medications_4plus", "memory_complaints", *PSYCHOSOCIAL],
                                  "yes"),
                  "fitness_mark": 0}
    result = get("gfi").score(everything)
    assert result.score == result.max_score == 15
    assert result.derived["domain_scores"] == {"physical": 9, "cognitive": 1, "psychosocial": 5}


def test_missing_items_follow_the_determinable_rule():
    inputs = dict(NOT_FRAIL)
    del inputs["fitness_mark"], inputs["toilet"]
    assert get("gfi").score(inputs).category == "robust"  # at most 2
    result = gfi(fitness_mark=None, shopping="dependent", dressing="dependent",
                 toilet="dependent")
    assert (result.category, result.score) == ("indeterminate", None)
