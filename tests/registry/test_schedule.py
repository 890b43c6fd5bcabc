"""Visit windows and treatment-emergence as pure rules (no database)."""

import datetime as dt

import pytest

from registry.studies.schedule import (
    DEFAULT_SCHEDULE,
    DueStatus,
    Window,
    ae_flags,
    due_status,
    overlapping,
    window_for,
)

INFUSION = dt.date(2025, 2, 1)


def _day(n):
    return INFUSION + dt.timedelta(days=n)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (-15, None), (-14, "baseline"), (0, "baseline"), (1, None),
        (22, None), (23, "month_1"), (30, "month_1"), (37, "month_1"), (38, None),
        (75, None), (76, "month_3"), (104, "month_3"), (105, None),
        (165, None), (166, "month_6"), (194, "month_6"), (195, None),
        (334, None), (335, "month_12"), (395, "month_12"), (396, None),
    ],
)
def test_the_default_windows_label_each_study_day(day, expected):
    window = window_for(day=day, windows=DEFAULT_SCHEDULE)
    assert (window.code if window else None) == expected


def test_the_default_windows_do_not_overlap():
    assert overlapping(DEFAULT_SCHEDULE) == []


def test_overlapping_windows_go_to_the_nearest_target():
    windows = (Window("a", "A", 10, 0, 10), Window("b", "B", 16, 10, 0))
    assert window_for(day=12, windows=windows).code == "a"
    assert window_for(day=14, windows=windows).code == "b"
    assert window_for(day=13, windows=windows).code == "a"  # tie: the earlier target
    assert len(overlapping(windows)) == 1


@pytest.mark.parametrize(
    ("onset_day", "serious", "te", "te_sae"),
    [
        (-1, True, False, False),  # before the infusion: not treatment-emergent
        (0, True, True, True),     # the day of the infusion counts
        (30, True, True, True),    # day 30 is still within 1 month
        (31, True, True, False),   # day 31 is not
        (0, False, True, False),   # not serious: never a TE-SAE
        (400, False, True, False),
    ],
)
def test_te_sae_within_one_month_at_its_boundaries(onset_day, serious, te, te_sae):
    flags = ae_flags(onset=_day(onset_day), serious=serious, first_intervention=INFUSION)
    assert (flags.study_day, flags.treatment_emergent, flags.te_sae_1m) == (
        onset_day, te, te_sae
    )


def test_nothing_is_treatment_emergent_before_any_treatment():
    flags = ae_flags(onset=INFUSION, serious=True, first_intervention=None)
    assert (flags.treatment_emergent, flags.te_sae_1m, flags.study_day) == (False, False, None)


MONTH_1 = DEFAULT_SCHEDULE[1]


@pytest.mark.parametrize(
    ("today_day", "visits", "status"),
    [
        (0, [], DueStatus.UPCOMING),      # opens on day 23, within 30 days
        (-10, [], DueStatus.LATER),
        (23, [], DueStatus.DUE),
        (37, [], DueStatus.DUE),
        (38, [], DueStatus.OVERDUE),
        (38, [30], DueStatus.DONE),
        (38, [38], DueStatus.OVERDUE),    # a visit after the window does not count
    ],
)
def test_a_planned_visit_is_due_then_overdue(today_day, visits, status):
    assert due_status(
        window=MONTH_1, anchor=INFUSION, visit_dates=[_day(d) for d in visits],
        today=_day(today_day),
    ) == status
