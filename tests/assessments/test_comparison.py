"""Trends and disagreement between instruments (pure, no database)."""

import pytest

from assessments.comparison import disagreement, trend


def r(instrument, category=None, score=None):
    return {"instrument": instrument, "category": category, "score": score}


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (r("fried", "robust", 0), r("fried", "prefrail", 1), "worse"),
        (r("fried", "frail", 3), r("fried", "prefrail", 2), "better"),
        (r("fried", "prefrail", 1), r("fried", "prefrail", 2), "worse"),
        (r("fried", "prefrail", 2), r("fried", "prefrail", 2), "same"),
        (r("sppb", "impaired", 6), r("sppb", "impaired", 8), "better"),
        (r("six_minute_walk", None, 400), r("six_minute_walk", None, 350), "worse"),
        (r("cfs", "terminally_ill", 9), r("cfs", "frail", 7), "better"),
        (r("fried", "indeterminate", None), r("fried", "frail", 3), None),
    ],
)
def test_trend_follows_category_then_score_direction(before, after, expected):
    assert trend(before["instrument"], before, after) == expected


def test_fried_frail_with_cfs_3_disagrees():
    assert disagreement([r("fried", "frail"), r("cfs", "robust"), r("sppb", "impaired")]) == [
        "cfs", "fried",
    ]


def test_one_level_apart_is_not_a_disagreement():
    assert disagreement([r("fried", "prefrail"), r("cfs", "robust"), r("frail", "prefrail")]) == []
    assert disagreement([r("fried", "prefrail"), r("frail", "frail")]) == []
    assert disagreement([r("fried", "frail")]) == []
