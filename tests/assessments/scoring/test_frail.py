"""FRAIL scale (Morley 2012; instruments.md §4)."""

import pytest

from assessments.scoring import ScoringError, get

ILLNESSES = [
    "hypertension", "diabetes", "cancer", "chronic_lung_disease", "heart_attack",
    "congestive_heart_failure", "angina", "asthma", "arthritis", "stroke", "kidney_disease",
]
NONE_POSITIVE = {
    "fatigue": 5, "resistance_difficulty": False, "ambulation_difficulty": False,
    "illnesses": [], "weight_now_kg": 70, "weight_1y_ago_kg": 70,
}


def frail(**changes):
    return get("frail").score({**NONE_POSITIVE, **changes})


@pytest.mark.parametrize(
    ("now", "positive"),
    [(95, 0), (95.01, 0), (94.99, 1), (105, 0), (100, 0)],
)
def test_weight_loss_must_exceed_five_percent(now, positive):
    # Prior weight 100 kg: 95 is exactly 5.00 % (not more than 5 %), 94.99 is 5.01 %.
    result = frail(weight_1y_ago_kg=100, weight_now_kg=now)
    assert result.components["loss_of_weight"] == positive


def test_weight_loss_percent_is_reported():
    assert frail(weight_1y_ago_kg=100, weight_now_kg=94.99).derived["weight_loss_percent"] == 5.01


@pytest.mark.parametrize(("fatigue", "positive"), [(1, 1), (2, 1), (3, 0), (4, 0), (5, 0)])
def test_fatigue_all_or_most_of_the_time_scores(fatigue, positive):
    assert frail(fatigue=fatigue).components["fatigue"] == positive


@pytest.mark.parametrize(("count", "positive"), [(0, 0), (4, 0), (5, 1), (11, 1)])
def test_five_or_more_illnesses_score(count, positive):
    result = frail(illnesses=ILLNESSES[:count])
    assert result.components["illnesses"] == positive
    assert result.derived["illness_count"] == count


def test_resistance_and_ambulation_difficulty_score():
    result = frail(resistance_difficulty=True, ambulation_difficulty=True)
    assert result.components["resistance"] == 1 and result.components["ambulation"] == 1


def test_duplicate_illnesses_are_rejected():
    with pytest.raises(ScoringError) as excinfo:
        frail(illnesses=["diabetes", "stroke", "diabetes"])
    assert excinfo.value.errors["illnesses"] == ["illnesses lists 'diabetes' more than once."]


def test_unknown_illnesses_are_rejected():
    with pytest.raises(ScoringError) as excinfo:
        frail(illnesses=["diabetes", "gout"])
    assert "unknown value 'gout'" in excinfo.value.errors["illnesses"][0]


@pytest.mark.parametrize(
    ("changes", "score", "category", "label"),
    [
        ({}, 0, "robust", "robust"),
        ({"fatigue": 1}, 1, "prefrail", "pre-frail"),
        ({"fatigue": 1, "resistance_difficulty": True}, 2, "prefrail", "pre-frail"),
        ({"fatigue": 1, "resistance_difficulty": True, "ambulation_difficulty": True}, 3,
         "frail", "frail"),
        ({"fatigue": 2, "resistance_difficulty": True, "ambulation_difficulty": True,
          "illnesses": ILLNESSES[:5], "weight_now_kg": 60}, 5, "frail", "frail"),
    ],
)
def test_score_categories(changes, score, category, label):
    result = frail(**changes)
    assert (result.score, result.category, result.label) == (score, category, label)


def test_missing_weights_leave_the_item_missing_and_may_be_indeterminate():
    result = get("frail").score({"fatigue": 5, "resistance_difficulty": False,
                                 "ambulation_difficulty": False, "illnesses": []})
    assert result.missing == ("loss_of_weight",)
    assert (result.category, result.score) == ("indeterminate", None)


def test_three_positive_items_are_frail_whatever_is_missing():
    result = get("frail").score({"fatigue": 1, "resistance_difficulty": True,
                                 "ambulation_difficulty": True})
    assert result.category == "frail" and set(result.missing) == {"illnesses", "loss_of_weight"}
