"""SOF index (Ensrud 2008; instruments.md §5)."""

import pytest

from assessments.scoring import ScoringError, get

NONE_POSITIVE = {"weight_prior_kg": 100, "weight_now_kg": 100, "chair_stands": "able",
                 "full_of_energy": True}


def sof(**changes):
    return get("sof").score({**NONE_POSITIVE, **changes})


@pytest.mark.parametrize(("now", "positive"), [(95, 1), (95.01, 0), (94.99, 1), (110, 0)])
def test_weight_loss_of_five_percent_or_more_scores(now, positive):
    assert sof(weight_now_kg=now).components["weight_loss"] == positive


@pytest.mark.parametrize(
    ("answer", "value"), [("able", 0), ("unable", 1), ("refused", None), ("not_done", None)]
)
def test_chair_stands(answer, value):
    assert sof(chair_stands=answer).components["inability_to_rise"] == value


def test_not_full_of_energy_scores():
    assert sof(full_of_energy=False).components["poor_energy"] == 1


@pytest.mark.parametrize(
    ("changes", "score", "category", "label"),
    [
        ({}, 0, "robust", "robust"),
        ({"full_of_energy": False}, 1, "prefrail", "intermediate"),
        ({"full_of_energy": False, "chair_stands": "unable"}, 2, "frail", "frail"),
        ({"full_of_energy": False, "chair_stands": "unable", "weight_now_kg": 90}, 3, "frail",
         "frail"),
    ],
)
def test_score_categories(changes, score, category, label):
    result = sof(**changes)
    assert (result.score, result.category, result.label) == (score, category, label)


def test_the_interval_defaults_to_three_years():
    assert sof().derived["weight_interval_years"] == 3
    assert sof(weight_interval_years=2.5).derived["weight_interval_years"] == 2.5


def test_refused_chair_stands_with_one_positive_is_indeterminate():
    result = sof(chair_stands="refused", full_of_energy=False)
    assert (result.category, result.score, result.missing) == (
        "indeterminate", None, ("inability_to_rise",))


def test_two_positive_items_are_frail_with_the_third_missing():
    result = sof(chair_stands="not_done", full_of_energy=False, weight_now_kg=90)
    assert result.category == "frail" and result.score == 2


def test_chair_stands_takes_only_the_listed_answers():
    with pytest.raises(ScoringError) as excinfo:
        sof(chair_stands=5)
    assert "chair_stands must be one of: able, unable, refused, not_done." in (
        excinfo.value.errors["chair_stands"])
