"""Cohort statistics against hand-computed and published values (no database)."""

import math

import pytest

from longitudinal.stats import describe, quartiles, t_critical


@pytest.mark.parametrize(
    ("df", "expected"), [(1, 12.706), (9, 2.262), (30, 2.042), (120, 1.980)]
)
def test_t_critical_matches_the_table(df, expected):
    assert t_critical(df) == expected


@pytest.mark.parametrize(("df", "expected"), [(50, 2.009), (100, 1.984), (1000, 1.962)])
def test_t_critical_interpolates_close_to_exact_values(df, expected):
    assert t_critical(df) == pytest.approx(expected, abs=0.002)


def test_describe_gives_mean_sd_and_a_t_interval():
    s = describe([2, 4, 4, 4, 5, 5, 7, 9])
    assert (s.n, s.mean) == (8, 5)
    assert s.sd == pytest.approx(2.13809, abs=1e-5)
    half = 2.365 * s.sd / math.sqrt(8)
    assert (s.ci_low, s.ci_high) == pytest.approx((5 - half, 5 + half))


def test_small_samples_have_no_interval():
    assert describe([]).as_dict() == {"n": 0, "mean": None, "sd": None, "ci95": None}
    assert describe([3.5]).sd is None


def test_quartiles_inclusive():
    q = quartiles([1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert (q.q1, q.median, q.q3) == (3, 5, 7)
    assert quartiles([]).median is None
