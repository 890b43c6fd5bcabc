"""SHARE-FI (Romero-Ortuno 2010; instruments.md §8), DF recomputed independently here."""

import pytest

from assessments.scoring import ScoringError, get


def women_df(fatigue, appetite, grip, func, activity):
    return ((2.077707 * fatigue - 0.757295) * 0.4088 + (3.341539 * appetite - 0.332289) * 0.3325
            + (0.132827 * grip - 3.534515) * (-0.4910) + (2.627085 * func - 0.461808) * 0.6012
            + (0.918866 * activity - 1.523633) * 0.4818)


def men_df(fatigue, appetite, grip, func, activity):
    return ((2.280336 * fatigue - 0.592393) * 0.3762 + (4.058274 * appetite - 0.263501) * 0.3130
            + (0.092326 * grip - 3.986646) * (-0.4653) + (3.098226 * func - 0.365971) * 0.6146
            + (1.005942 * activity - 1.571803) * 0.4680)


FORMULA = {"female": women_df, "male": men_df}


def share_fi(sex, fatigue, appetite, grip, func, activity):
    return get("share_fi").score({
        "sex": sex, "fatigue": bool(fatigue), "appetite_loss": bool(appetite), "grip_kg": grip,
        "functional_difficulties": bool(func), "activity": activity,
    })


def grip_on_boundary(sex, boundary, fatigue, appetite, func, activity):
    """DF is linear in grip: solve DF(grip) = boundary."""
    at_zero = FORMULA[sex](fatigue, appetite, 0, func, activity)
    per_kg = FORMULA[sex](fatigue, appetite, 1, func, activity) - at_zero
    return (boundary - at_zero) / per_kg


# (sex, boundary, fatigue, appetite, functional difficulties, activity, class below, above)
BOUNDARIES = [
    ("female", 0.3151361243, 0, 0, 0, 2, "robust", "prefrail"),
    ("female", 2.1301121973, 0, 0, 1, 3, "prefrail", "frail"),
    ("male", 1.211878526, 0, 0, 0, 3, "robust", "prefrail"),
    ("male", 3.0052612772, 0, 0, 1, 2, "prefrail", "frail"),
    ("male", 3.0052612772, 1, 0, 1, 3, "prefrail", "frail"),
]


@pytest.mark.parametrize(
    ("sex", "boundary", "fatigue", "appetite", "func", "activity", "below", "above"), BOUNDARIES
)
def test_classes_change_at_each_published_boundary(
    sex, boundary, fatigue, appetite, func, activity, below, above
):
    grip = grip_on_boundary(sex, boundary, fatigue, appetite, func, activity)
    assert 0 < grip < 100
    # Stronger grip lowers DF, so the weaker grip lands above the boundary.
    weaker = share_fi(sex, fatigue, appetite, grip - 0.01, func, activity)
    stronger = share_fi(sex, fatigue, appetite, grip + 0.01, func, activity)
    assert weaker.score > boundary > stronger.score
    assert (stronger.category, weaker.category) == (below, above)


@pytest.mark.parametrize("sex", ["female", "male"])
@pytest.mark.parametrize(
    "answers", [(0, 0, 30, 0, 1), (1, 1, 12, 1, 4), (1, 0, 22.5, 0, 3), (0, 1, 40, 1, 2)]
)
def test_df_matches_the_published_formula(sex, answers):
    result = share_fi(sex, *answers)
    assert result.score == pytest.approx(FORMULA[sex](*answers), abs=1e-12)
    assert result.max_score is None


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
