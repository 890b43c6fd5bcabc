"""Measured values stored like instruments: grip, spirometry, SF-36 (instruments.md §12)."""

import pytest

from assessments.scoring import ScoringError, get


def test_grip_strength_is_the_maximum_trial():
    result = get("grip_strength").score({"trials_kg": [22.5, 24, 23], "hand": "right",
                                         "dynamometer": "Jamar"})
    assert (result.score, result.category) == (24, None)
    assert result.as_dict()["dynamometer"] == "Jamar"


def test_grip_strength_needs_at_least_one_trial():
    with pytest.raises(ScoringError) as excinfo:
        get("grip_strength").score({"trials_kg": []})
    assert "trials_kg" in excinfo.value.errors


def test_spirometry_reports_fev1_and_the_ratio():
    result = get("spirometry").score({"fev1_l": 1.8, "fvc_l": 2.4})
    assert result.score == 1.8 and result.derived["fev1_fvc_ratio"] == 0.75


def test_fev1_above_fvc_is_rejected():
    with pytest.raises(ScoringError) as excinfo:
        get("spirometry").score({"fev1_l": 2.5, "fvc_l": 2.4})
    assert "fev1_l" in excinfo.value.errors


def test_sf36_stores_both_summaries_with_pcs_as_score():
    result = get("sf36").score({"pcs": 38.2, "mcs": 51.0})
    assert result.score == 38.2 and result.components == {"pcs": 38.2, "mcs": 51.0}


def test_sf36_summaries_are_bounded():
    with pytest.raises(ScoringError) as excinfo:
        get("sf36").score({"pcs": 101, "mcs": 50})
    assert excinfo.value.errors["pcs"] == ["pcs must be a number from 0 to 100."]
