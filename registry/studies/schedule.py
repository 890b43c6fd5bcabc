"""Visit windows and treatment-emergence, in plain Python (no Django, no database).

Everything here is a pure function of dates and numbers so that the rules the safety
table and the visit labels depend on are tested exhaustively at their boundaries.

- Study day: days since the anchor, which is the first intervention given in the study
  (or the study enrolment date while there is none). Day 0 is the day of the anchor.
- A visit belongs to the timepoint whose window [target − before, target + after]
  contains its study day; when windows overlap, the nearest target wins, then the
  earlier one. Outside every window the visit is unscheduled.
- Treatment-emergent: onset on or after the first intervention (same day counts).
- TE-SAE within 1 month: serious, treatment-emergent, onset at most 30 days after the
  first intervention (day 0 to day 30 inclusive), as in the phase I/II MSC frailty trials
  that measured safety as TE-SAEs at 1 month.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

TE_SAE_DAYS = 30
UNSCHEDULED = "Unscheduled"


@dataclass(frozen=True)
class Window:
    """One timepoint of a schedule, as plain data."""

    code: str
    name: str
    target_day: int
    before: int
    after: int

    @property
    def first_day(self) -> int:
        return self.target_day - self.before

    @property
    def last_day(self) -> int:
        return self.target_day + self.after

    def contains(self, day: int) -> bool:
        return self.first_day <= day <= self.last_day

    def overlaps(self, other: "Window") -> bool:
        return self.first_day <= other.last_day and other.first_day <= self.last_day


# Defaults of issue 5. Baseline: the two weeks before the first intervention, or its day
# (screening assessments are usually done before the infusion, never after it).
DEFAULT_SCHEDULE = (
    Window("baseline", "Baseline", 0, 14, 0),
    Window("month_1", "Month 1", 30, 7, 7),
    Window("month_3", "Month 3", 90, 14, 14),
    Window("month_6", "Month 6", 180, 14, 14),
    Window("month_12", "Month 12", 365, 30, 30),
)


def study_day(*, anchor: dt.date, date: dt.date) -> int:
    return (date - anchor).days


def window_for(*, day: int, windows) -> Window | None:
    """The timepoint a visit on this study day belongs to, or None (unscheduled)."""
    matching = [w for w in windows if w.contains(day)]
    if not matching:
        return None
    return min(matching, key=lambda w: (abs(day - w.target_day), w.target_day))


def window_on(*, anchor: dt.date, date: dt.date, windows) -> Window | None:
    """The timepoint of a visit on this date, counted from the anchor (day 0)."""
    return window_for(day=study_day(anchor=anchor, date=date), windows=windows)


def overlapping(windows) -> list[tuple[Window, Window]]:
    ordered = sorted(windows, key=lambda w: w.target_day)
    return [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:] if a.overlaps(b)]


class DueStatus(StrEnum):
    DONE = "done"
    OVERDUE = "overdue"
    DUE = "due"            # window open today
    UPCOMING = "upcoming"  # window opens within the horizon
    LATER = "later"


def due_status(
    *, window: Window, anchor: dt.date, visit_dates, today: dt.date, horizon_days: int = 30
) -> DueStatus:
    """Where a planned visit stands today, given the dates of the patient's visits."""
    first = anchor + dt.timedelta(days=window.first_day)
    last = anchor + dt.timedelta(days=window.last_day)
    if any(first <= d <= last for d in visit_dates):
        return DueStatus.DONE
    if today > last:
        return DueStatus.OVERDUE
    if today >= first:
        return DueStatus.DUE
    if (first - today).days <= horizon_days:
        return DueStatus.UPCOMING
    return DueStatus.LATER


@dataclass(frozen=True)
class AeFlags:
    """What is derived about an adverse event from the first intervention."""

    study_day: int | None
    treatment_emergent: bool
    te_sae_1m: bool


def ae_flags(*, onset: dt.date, serious: bool, first_intervention: dt.date | None) -> AeFlags:
    """Treatment-emergence of an event; nothing is treatment-emergent before any treatment."""
    if first_intervention is None:
        return AeFlags(None, False, False)
    day = study_day(anchor=first_intervention, date=onset)
    emergent = day >= 0
    return AeFlags(day, emergent, serious and emergent and day <= TE_SAE_DAYS)
