"""Tilburg Frailty Indicator part B (Gobbens 2010; instruments.md §6)."""

import pytest

from assessments.scoring import ScoringError, get

NOT_FRAIL = {
    "physically_healthy": "yes", "weight_loss": "no", "difficulty_walking": "no",
    "difficulty_balance": "no", "poor_hearing": "no", "poor_vision": "no",
    "lack_hand_strength": "no", "physical_tiredness": "no", "memory_problems": "no",
    "felt_down": "no", "nervous_anxious": "no", "cope_with_problems": "yes",
    "lives_alone": "no", "misses_people": "no", "enough_support": "yes",
}
POSITIVE = {
    "physically_healthy": "no", "weight_loss": "yes", "difficulty_walking": "yes",
    "difficulty_balance": "yes", "poor_hearing": "yes", "poor_vision": "yes",
    "lack_hand_strength": "yes", "physical_tiredness": "yes", "memory_problems": "yes",
    "felt_down": "yes", "nervous_anxious": "yes", "cope_with_problems": "no",
    "lives_alone": "yes", "misses_people": "yes", "enough_support": "no",
}


def tfi(**changes):
    return get("tfi").score({**NOT_FRAIL, **changes})


@pytest.mark.parametrize("item", list(POSITIVE))
def test_each_item_scores_on_its_positive_answer(item):
    assert tfi(**{item: POSITIVE[item]}).components[item] == 1
    assert tfi().components[item] == 0


@pytest.mark.parametrize(
    ("item", "value"),
    [("memory_problems", 0), ("felt_down", 1), ("nervous_anxious", 1), ("misses_people", 1)],
)
def test_sometimes_scores_per_item(item, value):
    assert tfi(**{item: "sometimes"}).components[item] == value


@pytest.mark.parametrize(
    "item", [i for i in POSITIVE if i not in
             ("memory_problems", "felt_down", "nervous_anxious", "misses_people")],
)
def test_sometimes_is_rejected_where_the_question_does_not_offer_it(item):
    with pytest.raises(ScoringError) as excinfo:
        tfi(**{item: "sometimes"})
    assert excinfo.value.errors[item] == [f"{item} must be one of: yes, no."]


def test_total_of_four_is_not_frail_and_five_is_frail():
    four = tfi(physically_healthy="no", weight_loss="yes", lives_alone="yes", felt_down="yes")
    assert (four.score, four.category, four.label) == (4, "robust", "not frail")
    five = tfi(physically_healthy="no", weight_loss="yes", lives_alone="yes", felt_down="yes",
               misses_people="sometimes")
    assert (five.score, five.category, five.label) == (5, "frail", "frail")


def test_maximum_total_is_fifteen():
    result = get("tfi").score(POSITIVE)
    assert result.score == result.max_score == 15
    assert result.derived["domain_scores"] == {"physical": 8, "psychological": 4, "social": 3}


def test_domain_scores_are_reported_only_when_the_domain_is_complete():
    inputs = {**NOT_FRAIL, "lives_alone": "yes"}
    del inputs["felt_down"]
    result = get("tfi").score(inputs)
    assert result.as_dict()["domain_scores"] == {"physical": 0, "psychological": None,
                                                  "social": 1}


def test_missing_items_follow_the_determinable_rule():
    inputs = {k: v for k, v in NOT_FRAIL.items() if k not in ("felt_down", "lives_alone")}
    assert get("tfi").score(inputs).category == "robust"  # at most 2 of 15
    few = {k: POSITIVE[k] for k in list(POSITIVE)[:4]}
    assert get("tfi").score(few).category == "indeterminate"
    assert get("tfi").score({k: POSITIVE[k] for k in list(POSITIVE)[:5]}).category == "frail"
