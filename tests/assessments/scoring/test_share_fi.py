"""SHARE-FI (Romero-Ortuno 2010; instruments.md §8), DF recomputed independently here."""

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from itertools import product

import pytest

from assessments.scoring import ScoringError, get

from .test_bounds_scores import SHARE_FI_COEFFICIENTS, share_fi_df

CUTOFFS = {  # instruments.md §8: robust below the first, pre-frail below the second
    "female": (Decimal("0.3151361243"), Decimal("2.1301121973")),
    "male": (Decimal("1.211878526"), Decimal("3.0052612772")),
}


def share_fi(sex, fatigue, appetite, grip, func, activity):
    return get("share_fi").score({
        "sex": sex, "fatigue": bool(fatigue), "appetite_loss": bool(appetite), "grip_kg": grip,
        "functional_difficulties": bool(func), "activity": activity,
    })


def profile(sex, fatigue, appetite, grip, func, activity):
    return {"sex": sex, "fatigue": fatigue, "appetite_loss": appetite, "grip_kg": grip,
            "functional_difficulties": func, "activity": activity}


def test_the_woman_of_issue_16_lands_exactly_on_the_pre_frail_bound():
    # Fatigue, no appetite loss, grip 40 kg, no functional difficulty, activity 4: DF is
    # exactly 0.3151361243 (binary floats gave 0.3151361242999997 and "robust").
    result = share_fi("female", 1, 0, 40, 0, 4)
    assert Decimal(str(result.score)) == Decimal("0.3151361243")
    assert (result.category, result.label) == ("prefrail", "pre-frail")


def test_the_man_of_issue_16_lands_exactly_on_the_pre_frail_bound():
    # Fatigue, appetite loss, grip 46 kg, no functional difficulty, activity 1.
    result = share_fi("male", 1, 1, 46, 0, 1)
    assert Decimal(str(result.score)) == Decimal("1.211878526")
    assert result.category == "prefrail"


ANSWERS = list(product((0, 1), (0, 1), (0, 1), (1, 2, 3, 4)))  # fatigue, appetite, func, activity


def df_line(sex, fatigue, appetite, func, activity):
    """DF is linear in grip: (DF at 0 kg, DF per kg), exact."""
    at_zero = share_fi_df(profile(sex, fatigue, appetite, 0, func, activity))
    return at_zero, share_fi_df(profile(sex, fatigue, appetite, 1, func, activity)) - at_zero


def test_exactly_one_whole_number_profile_lands_on_each_bound():
    """Solve DF = bound for grip, exactly, for every answer combination; the whole-number
    grips from 0 to 100 kg are the profiles that land on the bound."""
    landing = {}
    for sex, bounds in CUTOFFS.items():
        for bound in bounds:
            landing[sex, bound] = []
            for fatigue, appetite, func, activity in ANSWERS:
                at_zero, per_kg = df_line(sex, fatigue, appetite, func, activity)
                grip = (Fraction(bound) - at_zero) / per_kg
                if grip.denominator == 1 and 0 <= grip <= 100:
                    landing[sex, bound].append((fatigue, appetite, int(grip), func, activity))
    assert landing == {
        ("female", Decimal("0.3151361243")): [(1, 0, 40, 0, 4)],
        ("female", Decimal("2.1301121973")): [(0, 0, 3, 1, 1)],
        ("male", Decimal("1.211878526")): [(1, 1, 46, 0, 1)],
        ("male", Decimal("3.0052612772")): [(0, 0, 10, 1, 2)],
    }


@pytest.mark.parametrize("sex", ["female", "male"])
def test_ten_decimals_keep_every_grip_to_0_1_kg_on_its_side_of_each_bound(sex):
    """DF is reported to 10 decimals but classified exactly. Rounding could only carry it
    across a bound it lies within half a unit (5e-11) of: no profile with grip recorded to
    0.1 kg does, other than those exactly on it."""
    half_unit = Fraction(1, 2 * 10**10)
    bounds = [Fraction(b) for b in CUTOFFS[sex]]
    for fatigue, appetite, func, activity in ANSWERS:
        at_zero, per_kg = df_line(sex, fatigue, appetite, func, activity)
        for tenths in range(1001):
            df = at_zero + per_kg * tenths / 10
            assert all(df == b or abs(df - b) > half_unit for b in bounds)


@pytest.mark.parametrize("sex", ["female", "male"])
@pytest.mark.parametrize(
    "answers", [(0, 0, 30, 0, 1), (1, 1, 12, 1, 4), (1, 0, 22.5, 0, 3), (0, 1, 40, 1, 2)]
)
def test_df_is_the_published_formula_reported_to_ten_decimals(sex, answers):
    result = share_fi(sex, *answers)
    exact_df = share_fi_df(profile(sex, *answers))
    with localcontext(prec=60):  # DF is a terminating decimal: this division is exact
        df = Decimal(exact_df.numerator) / exact_df.denominator
    assert Decimal(str(result.score)) == df.quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP)
    assert result.max_score is None


def test_the_coefficients_are_those_of_instruments_md():
    from assessments.scoring.share_fi import COEFFICIENTS

    for sex, rows in SHARE_FI_COEFFICIENTS.items():
        assert list(COEFFICIENTS[sex].values()) == [tuple(map(Decimal, r)) for r in rows]


def test_labels_use_the_share_fi_wording():
    assert share_fi("female", 0, 0, 35, 0, 1).label == "non-frail"
    assert share_fi("female", 1, 1, 10, 1, 4).label == "frail"


def test_all_five_inputs_and_sex_are_required():
    with pytest.raises(ScoringError) as excinfo:
        get("share_fi").score({"sex": "male", "fatigue": True})
    assert set(excinfo.value.errors) == {
        "appetite_loss", "grip_kg", "functional_difficulties", "activity"}


@pytest.mark.parametrize("activity", [0, 5, 2.5])
def test_activity_must_be_one_to_four(activity):
    with pytest.raises(ScoringError) as excinfo:
        share_fi("male", 0, 0, 30, 0, activity)
    assert excinfo.value.errors["activity"] == ["activity must be a whole number from 1 to 4."]
