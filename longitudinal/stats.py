"""Summary statistics for cohort views: mean, SD, 95 % CI (Student t), median and IQR.

Plain Python, no Django, no SciPy: the t quantiles come from a table (two-sided 95 %,
exact to 3 decimals) with linear interpolation in 1/df between tabulated values.
"""

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

# Two-sided 95 % Student t critical values t(0.975, df).
_T975 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
    9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131,
    16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074,
    23: 2.069, 24: 2.064, 25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045,
    30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980,
}
_Z975 = 1.959964


def t_critical(df: int) -> float:
    """t(0.975, df), interpolated linearly in 1/df beyond the table's exact rows."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df in _T975:
        return _T975[df]
    keys = sorted(_T975)
    upper = next((k for k in keys if k > df), None)
    lower = max(k for k in keys if k < df)
    hi_value = _T975[upper] if upper else _Z975
    hi_inv = 1 / upper if upper else 0.0
    weight = (1 / lower - 1 / df) / (1 / lower - hi_inv)
    return _T975[lower] + weight * (hi_value - _T975[lower])


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None

    def as_dict(self) -> dict:
        return {"n": self.n, "mean": self.mean, "sd": self.sd,
                "ci95": [self.ci_low, self.ci_high] if self.ci_low is not None else None}


def describe(values: Sequence[float]) -> Summary:
    """n, mean, sample SD and the 95 % CI of the mean (t distribution)."""
    n = len(values)
    if n == 0:
        return Summary(0, None, None, None, None)
    mean = statistics.fmean(values)
    if n == 1:
        return Summary(1, mean, None, None, None)
    sd = statistics.stdev(values)
    half = t_critical(n - 1) * sd / math.sqrt(n)
    return Summary(n, mean, sd, mean - half, mean + half)


@dataclass(frozen=True)
class Quartiles:
    n: int
    median: float | None
    q1: float | None
    q3: float | None

    def as_dict(self) -> dict:
        return {"n": self.n, "median": self.median, "q1": self.q1, "q3": self.q3}


def quartiles(values: Sequence[float]) -> Quartiles:
    """Median and interquartile range (inclusive method, as most lab reports use)."""
    n = len(values)
    if n == 0:
        return Quartiles(0, None, None, None)
    if n == 1:
        return Quartiles(1, values[0], values[0], values[0])
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Quartiles(n, median, q1, q3)
