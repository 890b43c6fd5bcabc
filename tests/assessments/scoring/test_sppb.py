"""SPPB (Guralnik 1994/2000; instruments.md §9) at every cut-off."""

import pytest

from assessments.scoring import get
from assessments.scoring.sppb import label_for

FULL_BALANCE = {"side_by_side_s": 10, "semi_tandem_s": 10, "tandem_s": 10}
GOOD = {**FULL_BALANCE, "gait_trial1_s": 3.0, "gait_trial2_s": 3.2,
        "chair_single_without_arms": True, "chair_5_s": 9.0}


def sppb(**changes):
    inputs = {**GOOD, **changes}
    return get("sppb").score({k: v for k, v in inputs.items() if v is not None})


def gait(course, time):
    return sppb(gait_course_m=course, gait_trial1_s=time, gait_trial2_s=None).components["gait"]


@pytest.mark.parametrize(
    ("time", "four_m", "three_m", "eight_ft"),
    [(4.81, 4, 2, 2), (4.82, 3, 2, 2), (6.20, 3, 2, 1), (6.21, 2, 2, 1), (8.70, 2, 1, 1),
     (8.71, 1, 1, 1)],
)
def test_the_four_metre_cutoffs_on_every_course(time, four_m, three_m, eight_ft):
    assert gait(4, time) == four_m
    assert gait(3, time) == three_m
    assert gait(2.4384, time) == eight_ft


@pytest.mark.parametrize(
    ("time", "points"), [(3.61, 4), (3.62, 3), (4.65, 3), (4.66, 2), (6.52, 2), (6.53, 1)]
)
def test_three_metre_course_cutoffs(time, points):
    assert gait(3, time) == points


@pytest.mark.parametrize(
    ("time", "points"), [(3.1, 4), (3.11, 3), (4.0, 3), (4.01, 2), (5.6, 2), (5.61, 1)]
)
def test_eight_foot_course_cutoffs(time, points):
    assert gait(2.4384, time) == points


def test_the_course_defaults_to_four_metres():
    assert sppb(gait_trial1_s=4.82, gait_trial2_s=None).components["gait"] == 3


def test_the_faster_valid_gait_trial_scores():
    assert sppb(gait_trial1_s=6.5, gait_trial2_s=4.5).components["gait"] == 4
    assert sppb(gait_trial1_s="unable", gait_trial2_s=7).components["gait"] == 2
    assert sppb(gait_trial1_s="refused", gait_trial2_s=5).components["gait"] == 3


def test_gait_unable_scores_zero_and_refused_makes_the_total_missing():
    assert sppb(gait_trial1_s="unable", gait_trial2_s="unable").components["gait"] == 0
    result = sppb(gait_trial1_s="refused", gait_trial2_s=None)
    assert (result.components["gait"], result.score, result.missing) == (None, None, ("gait",))
    assert result.category == "indeterminate" and result.label is None


@pytest.mark.parametrize(
    ("seconds", "points"),
    [(11.19, 4), (11.20, 3), (13.69, 3), (13.70, 2), (16.69, 2), (16.70, 1), (60.00, 1),
     (60.01, 0)],
)
def test_chair_stand_cutoffs(seconds, points):
    assert sppb(chair_5_s=seconds).components["chair"] == points


def test_cannot_rise_once_scores_zero_without_a_timed_test():
    assert sppb(chair_single_without_arms=False, chair_5_s=None).components["chair"] == 0


def test_chair_unable_scores_zero_and_not_done_is_missing():
    assert sppb(chair_5_s="unable").components["chair"] == 0
    result = sppb(chair_5_s="not_done")
    assert result.score is None and result.missing == ("chair",)


@pytest.mark.parametrize(
    ("side", "semi", "tandem", "points"),
    [
        (9.99, None, None, 0),
        ("unable", None, None, 0),
        (10, 9.99, None, 1),
        (10, "unable", None, 1),
        (10, 10, 2.99, 2),
        (10, 10, 3.00, 3),
        (10, 10, 9.99, 3),
        (10, 10, 10, 4),
        (10, 10, "unable", 2),
        (15, 12.5, 30, 4),  # times above 10 s count as 10 s
    ],
)
def test_balance_is_sequential_and_stops_at_the_first_failure(side, semi, tandem, points):
    result = sppb(side_by_side_s=side, semi_tandem_s=semi, tandem_s=tandem)
    assert result.components["balance"] == points
    assert result.score is not None


def test_a_refused_stance_after_a_pass_makes_balance_and_the_total_missing():
    result = sppb(tandem_s="refused")
    assert (result.components["balance"], result.score) == (None, None)
    assert sppb(side_by_side_s="not_done").missing == ("balance",)


@pytest.mark.parametrize(
    ("total", "label"),
    [(0, "very low"), (3, "very low"), (4, "low"), (6, "low"), (7, "moderate"),
     (9, "moderate"), (10, "high"), (12, "high")],
)
def test_total_labels(total, label):
    assert label_for(total) == label


def test_a_full_battery_scores_twelve_high():
    result = sppb()
    assert (result.score, result.max_score, result.label, result.category) == (
        12, 12, "high", "robust")
    assert result.components == {"balance": 4, "gait": 4, "chair": 4}


def test_totals_below_ten_are_impaired():
    ten = sppb(tandem_s=5, chair_5_s=12)  # balance 3 + gait 4 + chair 3
    assert (ten.score, ten.category) == (10, "robust")
    result = sppb(tandem_s=5, chair_5_s=14)  # 3 + 4 + 2
    assert (result.score, result.category, result.label) == (9, "impaired", "moderate")


def test_a_failed_battery_scores_zero_very_low():
    result = sppb(side_by_side_s="unable", gait_trial1_s="unable", gait_trial2_s="unable",
                  chair_single_without_arms=False, chair_5_s=None)
    assert (result.score, result.label, result.category) == (0, "very low", "impaired")


def test_gait_time_and_speed_are_reported():
    result = sppb(gait_trial1_s=5, gait_trial2_s=None)
    assert result.as_dict()["gait_time_s"] == 5 and result.as_dict()["gait_speed_m_s"] == 0.8
