"""Date helpers shared by every app (plain Python, no Django)."""

import datetime as dt


def age_on(birth: dt.date, on: dt.date) -> int:
    """Completed years of age on a date (a birthday counts from its day)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
