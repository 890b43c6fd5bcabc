"""Usual-pace gait speed (instruments.md §11)."""

from decimal import Decimal
from fractions import Fraction

import pytest

from assessments.scoring import ScoringError, get
from assessments.scoring.gait_speed import categorize, speed_flags


def speed(time, distance=None):
    inputs = {"time_s": time} if distance is None else {"time_s": time, "distance_m": distance}
    return get("gait_speed").score(inputs)


@pytest.mark.parametrize(
    ("time", "distance", "category", "flags"),
    [
        (5.01, None, "frail", ("slow", "ewgsop2_low_performance", "below_1_0")),
        (5, None, "prefrail", ("ewgsop2_low_performance", "below_1_0")),  # exactly 0.8 m/s
        (4.99, None, "prefrail", ("below_1_0",)),
        (4.01, None, "prefrail", ("below_1_0",)),
        (4, None, "robust", ()),  # exactly 1.0 m/s
        (3.99, None, "robust", ()),
        (5.715, 4.572, "prefrail", ("ewgsop2_low_performance", "below_1_0")),  # 15 ft, 0.8
        (4.572, 4.572, "robust", ()),
    ],
)
def test_cutoffs_at_0_8_and_1_0(time, distance, category, flags):
    result = speed(time, distance)
    assert (result.category, result.flags) == (category, flags)


def test_the_score_is_distance_over_time_on_a_default_four_metre_course():
    result = speed(5)
    assert result.score == 0.8 and result.label == "0.8 to < 1.0 m/s"
    assert result.components == {"distance_m": 4, "time_s": 5}


@pytest.mark.parametrize("time", [0, -1, "5", True, None])
def test_time_must_be_a_positive_number(time):
    with pytest.raises(ScoringError) as excinfo:
        speed(time)
    assert "time_s" in excinfo.value.errors


@pytest.mark.parametrize("distance", [4, 4.572])
def test_the_reported_speed_never_contradicts_the_category_or_flags(distance):
    """Speed is reported to 0.001 m/s but classified exactly; for every stopwatch time to
    0.01 s the reported value is on the same side of 0.8 and 1.0 as the exact speed."""
    for hundredths in range(100, 1001):  # 1.00 to 10.00 s
        result = speed(hundredths / 100, distance)
        shown = Fraction(Decimal(str(result.score)))
        assert (categorize(shown), speed_flags(shown)) == (result.category, result.flags)


def test_the_speed_is_reported_to_three_decimals():
    assert speed(4.57).score == 0.875  # 0.87527... m/s
    assert speed(4.572, 4.572).score == 1
