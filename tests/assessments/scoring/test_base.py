"""The shared scoring framework: validation, results, registry, determinable rule."""

import json
from decimal import Decimal, Inexact
from fractions import Fraction

import pytest

from assessments.scoring import ScoringError, UnknownInstrument, all_instruments, get, score
from assessments.scoring.base import (
    FRAIL,
    PREFRAIL,
    ROBUST,
    Field,
    ScoreResult,
    body_mass_index,
    clean_inputs,
    determinable_category,
    percent_loss,
)
from assessments.scoring.exact import Bands, Cutoff, exact_arithmetic, ratio, rounded, to_decimal
from assessments.scoring.fried import categorize as fried_categorize

SPEC_CODES = {
    "fried", "cfs", "frailty_index", "frail", "sof", "tfi", "gfi", "share_fi", "sppb",
    "six_minute_walk", "gait_speed", "grip_strength", "spirometry", "sf36",
}


def errors_of(code, inputs):
    with pytest.raises(ScoringError) as excinfo:
        get(code).score(inputs)
    return excinfo.value.errors


def test_every_instrument_of_the_specification_is_registered():
    assert {i.code for i in all_instruments()} == SPEC_CODES


def test_every_instrument_has_a_version_citation_and_schema():
    for instrument in all_instruments():
        schema = instrument.schema()
        assert instrument.version and instrument.citation
        assert schema["fields"] and json.dumps(schema)


def test_get_raises_unknown_instrument_naming_the_code():
    with pytest.raises(UnknownInstrument) as excinfo:
        get("barthel")
    assert isinstance(excinfo.value, KeyError)
    assert "barthel" in str(excinfo.value) and "fried" in str(excinfo.value)


def test_package_level_score_validates_and_scores():
    assert score("cfs", {"level": 4}).category == PREFRAIL


def test_it_rejects_unknown_fields_naming_them():
    errors = errors_of("cfs", {"level": 3, "levle": 3})
    assert list(errors) == ["levle"]
    assert "levle is not an input of cfs" in errors["levle"][0]


def test_it_rejects_inputs_that_are_not_an_object():
    assert "inputs" in errors_of("cfs", [("level", 3)])


@pytest.mark.parametrize(
    ("code", "inputs", "field", "message"),
    [
        ("cfs", {"level": 4.5}, "level", "level must be a whole number from 1 to 9."),
        ("cfs", {"level": "7"}, "level", "level must be a whole number from 1 to 9."),
        ("cfs", {"level": True}, "level", "level must be a whole number from 1 to 9."),
        ("fried", {"kcal_per_week": "300"}, "kcal_per_week",
         "kcal_per_week must be a number from 0 to 20000 kcal/week."),
        ("fried", {"kcal_per_week": True}, "kcal_per_week",
         "kcal_per_week must be a number from 0 to 20000 kcal/week."),
        ("fried", {"kcal_per_week": float("nan")}, "kcal_per_week",
         "kcal_per_week must be a number from 0 to 20000 kcal/week."),
        ("fried", {"kcal_per_week": -1}, "kcal_per_week",
         "kcal_per_week must be a number from 0 to 20000 kcal/week."),
        ("fried", {"height_cm": 251}, "height_cm", "height_cm must be a number from 50 to 250 cm."),
        ("fried", {"cesd_effort": 4}, "cesd_effort",
         "cesd_effort must be a whole number from 0 to 3."),
        ("fried", {"weight_loss_10lb": "no"}, "weight_loss_10lb",
         "weight_loss_10lb must be true or false."),
        ("fried", {"weight_loss_10lb": 0}, "weight_loss_10lb",
         "weight_loss_10lb must be true or false."),
        ("fried", {"sex": "F"}, "sex", "sex must be one of: female, male."),
        ("fried", {"grip_kg": "weak"}, "grip_kg",
         "grip_kg must be a number from 0 to 100 kg, or one of: unable, refused, not_done."),
        ("fried", {"grip_kg": 101}, "grip_kg",
         "grip_kg must be a number from 0 to 100 kg, or one of: unable, refused, not_done."),
        ("fried", {"walk_15ft_s": 0}, "walk_15ft_s",
         "walk_15ft_s must be a number from 1 to 120 s, or one of: unable, "
         "refused, not_done."),
        ("gfi", {"fitness_mark": 11}, "fitness_mark",
         "fitness_mark must be a whole number from 0 to 10."),
        ("sppb", {"gait_course_m": 5}, "gait_course_m",
         "gait_course_m must be one of: 4, 3, 2.4384."),
        ("sppb", {"gait_course_m": True}, "gait_course_m",
         "gait_course_m must be one of: 4, 3, 2.4384."),
        ("frail", {"illnesses": "diabetes"}, "illnesses", "illnesses must be a list."),
        ("grip_strength", {"trials_kg": [20, "21"]}, "trials_kg",
         "every value in trials_kg must be a number from 0 to 100 kg."),
        ("frailty_index", {"deficits": [1, 0]}, "deficits", "deficits must be an object."),
        ("six_minute_walk", {"distance_m": 300, "stop_reason": 7}, "stop_reason",
         "stop_reason must be text of at most 500 characters."),
    ],
)
def test_it_rejects_wrong_types_and_out_of_range_values_naming_the_field(
    code, inputs, field, message
):
    assert errors_of(code, inputs)[field] == [message]


def test_it_never_clamps_out_of_range_values():
    with pytest.raises(ScoringError):
        get("gait_speed").score({"time_s": 301})


def test_it_reports_every_invalid_field_at_once():
    errors = errors_of("fried", {"sex": "x", "height_cm": 10, "extra": 1})
    assert set(errors) == {"sex", "height_cm", "extra"}


def test_required_fields_are_named_when_absent_or_null():
    assert errors_of("cfs", {"level": None}) == {"level": ["level is required."]}


def test_whole_floats_are_accepted_as_integers():
    assert get("cfs").score({"level": 4.0}).score == 4


def test_it_accepts_decimal_numbers_from_python_callers():
    assert get("gait_speed").score({"time_s": Decimal("5")}).score == 0.8


def test_cleaning_keeps_absent_fields_absent_and_applies_defaults():
    fields = (Field("a", "number", min=0, max=1), Field("b", "integer", min=0, max=9, default=3))
    assert clean_inputs("x", fields, {"a": None}) == {"b": 3}


def test_score_result_as_dict_is_flat_json():
    result = ScoreResult(
        instrument="x", version="x-1", score=1, max_score=2, category=ROBUST, label="ok",
        components={"a": 1}, missing=["b"], flags=["f"], derived={"bmi": 22.5},
    )
    assert result.as_dict() == {
        "instrument": "x", "version": "x-1", "score": 1, "max_score": 2,
        "category": ROBUST, "label": "ok", "components": {"a": 1}, "missing": ["b"],
        "flags": ["f"], "bmi": 22.5,
    }
    assert result.missing == ("b",)


def test_score_result_refuses_derived_values_that_shadow_core_keys():
    with pytest.raises(ValueError):
        ScoreResult("x", "1", 1, 1, None, None, derived={"score": 2})


def test_score_result_is_frozen():
    result = get("cfs").score({"level": 1})
    with pytest.raises(AttributeError):
        result.score = 2


@pytest.mark.parametrize(
    ("positive", "missing", "expected"),
    [
        (3, 2, FRAIL),  # 3..5 all frail
        (1, 1, PREFRAIL),  # 1..2 all pre-frail
        (0, 1, None),  # 0 robust or 1 pre-frail
        (2, 1, None),  # 2 pre-frail or 3 frail
        (0, 0, ROBUST),
        (1, 0, PREFRAIL),
        (4, 1, FRAIL),
    ],
)
def test_determinable_category_needs_every_completion_to_agree(positive, missing, expected):
    assert determinable_category(positive, missing, fried_categorize) == expected


def test_percent_loss_keeps_exactly_five_percent_exact():
    # In binary floating point this is just under 5 %.
    assert percent_loss(50.14, 47.633) == Decimal(5)
    assert (50.14 - 47.633) / 50.14 * 100 < 5


def test_body_mass_index_is_unrounded_decimal():
    assert body_mass_index(170, 69.36) == Decimal(24)
    assert body_mass_index(None, 70) is None


# ---------------------------------------------------------------- exact arithmetic (issue 16)


@pytest.mark.parametrize(
    ("operator", "below", "on", "above"),
    [("<", True, False, False), ("<=", True, True, False), (">", False, False, True),
     (">=", False, True, True)],
)
def test_a_cutoff_puts_a_value_on_the_bound_on_the_published_side(operator, below, on, above):
    cutoff = Cutoff(operator, "0.8", "test")
    assert cutoff.bound == Decimal("0.8")
    assert (cutoff.met_by(Decimal("0.79")), cutoff.met_by(Fraction(4, 5)),
            cutoff.met_by(Decimal("0.81"))) == (below, on, above)


def test_a_cutoff_refuses_floats_for_its_bound_and_for_the_compared_value():
    with pytest.raises(TypeError):
        Cutoff("<", 0.8, "test")
    with pytest.raises(TypeError):
        Cutoff("<", "0.8", "test").met_by(0.8)
    with pytest.raises(ValueError):
        Cutoff("=<", "0.8", "test")


def test_bands_read_a_published_table_top_down():
    bands = Bands(((Cutoff("<", "4.82", "t"), 4), (Cutoff("<=", "6.20", "t"), 3)), otherwise=1)
    assert [bands(Decimal(t)) for t in ("4.81", "4.82", "6.20", "6.21")] == [4, 3, 3, 1]
    assert bands.outcomes() == (4, 3, 1)


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [(Decimal("0.125"), 2, 0.13), (Decimal("-0.125"), 2, -0.13), (Decimal("0.124"), 2, 0.12),
     (Fraction(1, 3), 3, 0.333), (Fraction(5, 2), 0, 3), (Decimal("24.00"), 2, 24),
     (Fraction(1, 3), None, 1 / 3), (None, 2, None)],
)
def test_rounded_is_half_away_from_zero_and_gives_json_numbers(value, places, expected):
    result = rounded(value, places)
    assert result == expected and type(result) is type(expected)
    json.dumps(result)


def test_sums_and_products_are_exact_even_for_tiny_json_floats():
    with exact_arithmetic():
        total = Decimal("0.132827") * to_decimal(5e-324) + Decimal("-3.534515")
    assert total > Decimal("-3.534515")


def test_an_inexact_step_in_exact_arithmetic_raises_instead_of_rounding():
    with pytest.raises(Inexact), exact_arithmetic():
        Decimal(1) / 3


def test_ratio_is_exact():
    assert ratio(4.572, 5.715) == Fraction(4, 5)
    assert ratio(4, 4.57) == Fraction(400, 457)


def test_every_score_and_derived_value_is_a_json_number_not_a_decimal():
    result = get("fried").score({"sex": "male", "height_cm": 170, "weight_kg": 69.36,
                                 "weight_prior_year_kg": 73, "weight_loss_10lb": False})
    data = result.as_dict()
    assert data["bmi"] == 24 and type(data["bmi"]) is int
    assert type(data["weight_loss_percent"]) is float
    json.dumps(data)
