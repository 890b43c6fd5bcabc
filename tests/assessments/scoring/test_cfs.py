"""Clinical Frailty Scale: every level of every version (instruments.md §2)."""

import pytest

from assessments.scoring import ScoringError, get

V2 = [
    (1, "Very fit", "robust"), (2, "Fit", "robust"), (3, "Managing well", "robust"),
    (4, "Living with very mild frailty", "prefrail"), (5, "Living with mild frailty", "frail"),
    (6, "Living with moderate frailty", "frail"), (7, "Living with severe frailty", "frail"),
    (8, "Living with very severe frailty", "frail"), (9, "Terminally ill", "terminally_ill"),
]
V2007 = [
    (1, "Very fit", "robust"), (2, "Well", "robust"), (3, "Managing well", "robust"),
    (4, "Vulnerable", "prefrail"), (5, "Mildly frail", "frail"),
    (6, "Moderately frail", "frail"), (7, "Severely frail", "frail"),
    (8, "Very severely frail", "frail"), (9, "Terminally ill", "terminally_ill"),
]
CSHA7 = [
    (1, "Very fit", "robust"), (2, "Well", "robust"),
    (3, "Well, with treated comorbid disease", "robust"), (4, "Apparently vulnerable", "prefrail"),
    (5, "Mildly frail", "frail"), (6, "Moderately frail", "frail"), (7, "Severely frail", "frail"),
]
CASES = (
    [("cfs_v2_2020", *row) for row in V2]
    + [("cfs9_2007", *row) for row in V2007]
    + [("csha7_2005", *row) for row in CSHA7]
)


@pytest.mark.parametrize(("version", "level", "label", "category"), CASES)
def test_every_level_of_every_version_has_its_label_and_category(version, level, label, category):
    result = get("cfs").score({"version": version, "level": level})
    assert (result.score, result.label, result.category) == (level, label, category)
    assert result.version == version
    assert result.max_score == (7 if version == "csha7_2005" else 9)


def test_version_2_is_the_default():
    result = get("cfs").score({"level": 4})
    assert result.version == "cfs_v2_2020"
    assert result.label == "Living with very mild frailty"


@pytest.mark.parametrize("level", [4.5, 0, 10, -1, "5", None])
def test_half_levels_and_levels_outside_one_to_nine_are_rejected(level):
    with pytest.raises(ScoringError) as excinfo:
        get("cfs").score({"level": level})
    assert "level" in excinfo.value.errors


@pytest.mark.parametrize("level", [8, 9])
def test_levels_eight_and_nine_do_not_exist_on_the_csha_seven_point_scale(level):
    with pytest.raises(ScoringError) as excinfo:
        get("cfs").score({"version": "csha7_2005", "level": level})
    assert excinfo.value.errors == {
        "level": ["level must be a whole number from 1 to 7 for csha7_2005."]
    }


def test_unknown_versions_are_rejected():
    with pytest.raises(ScoringError) as excinfo:
        get("cfs").score({"version": "cfs_v3", "level": 3})
    assert "cfs_v2_2020" in excinfo.value.errors["version"][0]
