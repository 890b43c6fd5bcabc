"""6MWT with Enright–Sherrill reference values (instruments.md §10)."""

import pytest

from assessments.scoring import ScoringError, get

MAN = {"sex": "male", "age_years": 70, "height_cm": 175, "weight_kg": 80}


def walk(**inputs):
    return get("six_minute_walk").score(inputs)


def test_the_worked_example():
    result = walk(laps=6, final_partial_m=24, **MAN)
    assert result.score == 384
    assert result.as_dict() == {
        "instrument": "six_minute_walk", "version": result.version, "score": 384,
        "max_score": None, "category": None, "label": None, "components": {"distance_m": 384},
        "missing": [], "flags": [], "predicted_m": 523.55, "lln_m": 370.55,
        "percent_predicted": 73.3, "below_lln": False,
    }


def test_women_use_their_own_equation():
    result = walk(distance_m=300, sex="female", age_years=75, height_cm=160, weight_kg=60)
    predicted = 2.11 * 160 - 2.29 * 60 - 5.78 * 75 + 667
    assert result.derived["predicted_m"] == pytest.approx(predicted, abs=0.005)
    assert result.derived["lln_m"] == pytest.approx(predicted - 139, abs=0.005)
    assert result.derived["below_lln"] is (predicted - 139 > 300)


def test_a_distance_below_the_lower_limit_of_normal_is_flagged():
    assert walk(distance_m=370, **MAN).derived["below_lln"] is True
    assert walk(distance_m=371, **MAN).derived["below_lln"] is False


def test_the_distance_is_rounded_to_the_metre():
    assert walk(distance_m=383.5).score == 384
    assert walk(distance_m=383.49).score == 383
    assert walk(course_m=20, laps=3, final_partial_m=12.6).score == 133


def test_without_context_no_reference_values_are_reported():
    result = walk(distance_m=400)
    assert result.derived == {"predicted_m": None, "lln_m": None, "percent_predicted": None,
                              "below_lln": None}


def test_flags_record_test_conditions():
    result = walk(distance_m=200, stopped_early=True, stop_time_s=240, stop_reason="dyspnoea",
                  walking_aid="rollator", oxygen_l_min=2, sex="female", age_years=85,
                  height_cm=160, weight_kg=60)
    assert result.flags == ("stopped_early", "walking_aid", "supplemental_oxygen",
                            "outside_reference_age")


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"distance_m": 300, "laps": 5, "final_partial_m": 0}, "distance_m"),
        ({}, "distance_m"),
        ({"laps": 5}, "final_partial_m"),
        ({"laps": 5, "final_partial_m": 60}, "final_partial_m"),
        ({"laps": 5.5, "final_partial_m": 0}, "laps"),
        ({"distance_m": -1}, "distance_m"),
    ],
)
def test_inconsistent_distance_inputs_are_rejected(inputs, field):
    with pytest.raises(ScoringError) as excinfo:
        walk(**inputs)
    assert field in excinfo.value.errors


def test_a_negative_reference_value_is_not_reported():
    result = walk(distance_m=100, sex="female", age_years=120, height_cm=50, weight_kg=300)
    assert result.derived["predicted_m"] is None
    assert "reference_not_applicable" in result.flags
