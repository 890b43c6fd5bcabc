import datetime as dt

import pytest

from core.dates import age_on


@pytest.mark.parametrize(
    ("on", "age"),
    [(dt.date(2025, 5, 31), 79), (dt.date(2025, 6, 1), 80), (dt.date(2026, 5, 31), 80)],
)
def test_age_counts_completed_years(on, age):
    assert age_on(dt.date(1945, 6, 1), on) == age
