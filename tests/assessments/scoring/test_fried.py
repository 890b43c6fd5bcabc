"""Fried phenotype at every cut-off of Fried et al. 2001 (instruments.md §1)."""

import pytest

from assessments.scoring import get
from assessments.scoring.base import FRAIL, INDETERMINATE, PREFRAIL, ROBUST, SCORE_IS_MINIMUM


def fried(**inputs):
    return get("fried").score(inputs)


def component(name, **inputs):
    return fried(**inputs).components[name]


# Height 200 cm makes BMI = weight / 4 exactly, so weights hit BMI boundaries exactly.
def at_bmi(bmi):
    return {"height_cm": 200, "weight_kg": bmi * 4}


def test_the_worked_example_is_frail_with_three_criteria():
    result = fried(
        sex="female", height_cm=158, weight_kg=55, grip_kg=16, walk_15ft_s=7.4,
        kcal_per_week=250, cesd_effort=1, cesd_going=0, weight_loss_10lb=False,
    )
    assert result.components == {
        "shrinking": 0, "weakness": 1, "exhaustion": 0, "slowness": 1, "low_activity": 1,
    }
    assert (result.score, result.category, result.label) == (3, FRAIL, "frail")
    assert result.missing == () and result.max_score == 5
    assert result.as_dict()["bmi"] == 22.03


# (sex, BMI inside the stratum, cut-off kg) for every stratum of Fried 2001 Table 1.
GRIP_STRATA = [
    ("male", 20, 29), ("male", 24, 29), ("male", 24.01, 30), ("male", 26, 30),
    ("male", 26.01, 30), ("male", 28, 30), ("male", 28.01, 32), ("male", 35, 32),
    ("female", 20, 17), ("female", 23, 17), ("female", 23.01, 17.3), ("female", 26, 17.3),
    ("female", 26.01, 18), ("female", 29, 18), ("female", 29.01, 21), ("female", 35, 21),
]


@pytest.mark.parametrize(("sex", "bmi", "cutoff"), GRIP_STRATA)
def test_grip_at_or_below_the_stratum_cutoff_is_weak(sex, bmi, cutoff):
    assert component("weakness", sex=sex, grip_kg=cutoff - 0.1, **at_bmi(bmi)) == 1
    assert component("weakness", sex=sex, grip_kg=cutoff, **at_bmi(bmi)) == 1
    assert component("weakness", sex=sex, grip_kg=cutoff + 0.1, **at_bmi(bmi)) == 0


@pytest.mark.parametrize(
    ("sex", "boundary", "grip"),
    [("male", 24, 29.5), ("male", 28, 31), ("female", 23, 17.2), ("female", 26, 17.5),
     ("female", 29, 18.5)],
)
def test_a_bmi_on_the_stratum_boundary_belongs_to_the_lower_stratum(sex, boundary, grip):
    assert component("weakness", sex=sex, grip_kg=grip, **at_bmi(boundary)) == 0
    assert component("weakness", sex=sex, grip_kg=grip, **at_bmi(boundary + 0.01)) == 1


def test_unable_to_do_grip_is_weak_and_refused_is_missing():
    assert component("weakness", sex="male", grip_kg="unable") == 1
    result = fried(sex="male", grip_kg="refused", **at_bmi(22))
    assert result.components["weakness"] is None and "weakness" in result.missing


def test_grip_is_scored_without_bmi_only_when_every_stratum_agrees():
    assert component("weakness", sex="female", grip_kg=17) == 1
    assert component("weakness", sex="female", grip_kg=21.1) == 0
    assert component("weakness", sex="female", grip_kg=17.5) is None


# (sex, height cm, walk-time cut-off s): Fried 2001 Table 1.
WALK_STRATA = [
    ("male", 160, 7), ("male", 173, 7), ("male", 173.1, 6), ("male", 190, 6),
    ("female", 150, 7), ("female", 159, 7), ("female", 159.1, 6), ("female", 175, 6),
]


@pytest.mark.parametrize(("sex", "height", "cutoff"), WALK_STRATA)
def test_walk_time_at_or_above_the_stratum_cutoff_is_slow(sex, height, cutoff):
    common = {"sex": sex, "height_cm": height}
    assert component("slowness", walk_15ft_s=cutoff - 0.01, **common) == 0
    assert component("slowness", walk_15ft_s=cutoff, **common) == 1
    assert component("slowness", walk_15ft_s=cutoff + 0.01, **common) == 1


@pytest.mark.parametrize(("sex", "boundary"), [("male", 173), ("female", 159)])
def test_a_height_on_the_boundary_uses_the_seven_second_cutoff(sex, boundary):
    assert component("slowness", sex=sex, height_cm=boundary, walk_15ft_s=6.5) == 0
    assert component("slowness", sex=sex, height_cm=boundary + 0.1, walk_15ft_s=6.5) == 1


def test_unable_to_walk_is_slow_and_not_done_is_missing():
    assert component("slowness", sex="female", walk_15ft_s="unable") == 1
    assert component("slowness", sex="female", height_cm=160, walk_15ft_s="not_done") is None


def test_walk_time_is_scored_without_height_only_when_both_strata_agree():
    assert component("slowness", sex="male", walk_15ft_s=7) == 1
    assert component("slowness", sex="male", walk_15ft_s=5.9) == 0
    assert component("slowness", sex="male", walk_15ft_s=6.5) is None


@pytest.mark.parametrize(
    ("sex", "kcal", "low"),
    [("male", 382, 1), ("male", 383, 0), ("male", 384, 0),
     ("female", 269, 1), ("female", 270, 0), ("female", 271, 0)],
)
def test_low_activity_is_strictly_below_the_kcal_cutoff(sex, kcal, low):
    assert component("low_activity", sex=sex, kcal_per_week=kcal) == low


def test_kcal_without_sex_is_scored_only_when_both_cutoffs_agree():
    assert component("low_activity", kcal_per_week=269) == 1
    assert component("low_activity", kcal_per_week=383) == 0
    assert component("low_activity", kcal_per_week=300) is None


@pytest.mark.parametrize(
    ("effort", "going", "exhausted"),
    [(0, 0, 0), (1, 1, 0), (2, 0, 1), (0, 2, 1), (3, 1, 1), (1, 3, 1), (2, 2, 1)],
)
def test_exhaustion_is_either_cesd_item_at_three_or_more_days(effort, going, exhausted):
    assert component("exhaustion", cesd_effort=effort, cesd_going=going) == exhausted


def test_one_cesd_item_at_two_suffices_even_if_the_other_is_missing():
    assert component("exhaustion", cesd_effort=2) == 1
    assert component("exhaustion", cesd_effort=1) is None


def measured(prior, now, trying=False):
    return component(
        "shrinking", weight_prior_year_kg=prior, weight_kg=now, trying_to_lose_weight=trying,
    )


def test_measured_loss_of_exactly_five_percent_is_shrinking():
    assert measured(60, 57) == 1
    assert measured(50.14, 47.633) == 1  # exactly 5.00 %, just under 5 in binary floats
    assert measured(100, 95.01) == 0  # 4.99 %
    assert measured(100, 94.99) == 1  # 5.01 %


def test_intended_loss_is_not_shrinking():
    assert measured(60, 50, trying=True) == 0


def test_measured_loss_with_unknown_intent_is_missing_unless_below_five_percent():
    assert component("shrinking", weight_prior_year_kg=60, weight_kg=50) is None
    assert component("shrinking", weight_prior_year_kg=60, weight_kg=59) == 0


def test_self_reported_loss_of_ten_pounds_suffices():
    assert component("shrinking", weight_loss_10lb=True) == 1
    assert component("shrinking", weight_loss_10lb=False) == 0
    assert component("shrinking", weight_loss_10lb=False, weight_prior_year_kg=60,
                     weight_kg=57, trying_to_lose_weight=False) == 1


def test_weight_gain_is_not_shrinking():
    assert measured(60, 65) == 0


def test_no_weight_information_leaves_shrinking_missing():
    assert component("shrinking") is None


def test_reported_weight_loss_percent_is_rounded_for_display():
    result = fried(weight_prior_year_kg=60, weight_kg=57, trying_to_lose_weight=False)
    assert result.derived["weight_loss_percent"] == 5.0


ALL_NEGATIVE = {
    "sex": "male", "height_cm": 180, "weight_kg": 80, "grip_kg": 40, "walk_15ft_s": 4,
    "kcal_per_week": 1000, "cesd_effort": 0, "cesd_going": 0, "weight_loss_10lb": False,
}


@pytest.mark.parametrize(
    ("changes", "score", "category", "label"),
    [
        ({}, 0, ROBUST, "robust"),
        ({"grip_kg": 20}, 1, PREFRAIL, "pre-frail"),
        ({"grip_kg": 20, "walk_15ft_s": 9}, 2, PREFRAIL, "pre-frail"),
        ({"grip_kg": 20, "walk_15ft_s": 9, "kcal_per_week": 100}, 3, FRAIL, "frail"),
        ({"grip_kg": 20, "walk_15ft_s": 9, "kcal_per_week": 100, "cesd_going": 3}, 4, FRAIL,
         "frail"),
        ({"grip_kg": 20, "walk_15ft_s": 9, "kcal_per_week": 100, "cesd_going": 3,
          "weight_loss_10lb": True}, 5, FRAIL, "frail"),
    ],
)
def test_score_categories(changes, score, category, label):
    result = fried(**{**ALL_NEGATIVE, **changes})
    assert (result.score, result.category, result.label) == (score, category, label)


def test_three_positive_and_two_missing_is_frail():
    result = fried(sex="male", height_cm=180, weight_kg=80, grip_kg=20, walk_15ft_s=9,
                   kcal_per_week=100)
    assert result.category == FRAIL and result.score == 3
    assert set(result.missing) == {"shrinking", "exhaustion"}
    assert SCORE_IS_MINIMUM in result.flags


def test_one_positive_and_one_missing_is_prefrail():
    inputs = {**ALL_NEGATIVE, "grip_kg": 20}
    del inputs["kcal_per_week"]
    result = fried(**inputs)
    assert (result.category, result.score, result.missing) == (PREFRAIL, 1, ("low_activity",))


def test_no_positive_and_one_missing_is_indeterminate():
    inputs = dict(ALL_NEGATIVE)
    del inputs["kcal_per_week"]
    result = fried(**inputs)
    assert (result.category, result.score, result.label) == (INDETERMINATE, None, "indeterminate")
    assert result.missing == ("low_activity",)
    assert result.components["weakness"] == 0


def test_two_positive_and_one_missing_is_indeterminate():
    inputs = {**ALL_NEGATIVE, "grip_kg": 20, "walk_15ft_s": 9}
    del inputs["cesd_effort"], inputs["cesd_going"]
    assert fried(**inputs).category == INDETERMINATE
