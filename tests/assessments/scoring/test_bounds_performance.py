"""Every published bound of the performance-based instruments, exactly on it and one step
either side (issue 16): Fried, SPPB, gait speed, six-minute walk.

Steps are the recording precision: 0.01 s for stopwatch times, 0.1 kg for grip and
weight, 0.1 cm for height, 1 kcal/week, 1 year of age, 1 m of 6MWD (ATS 2002).
"""

from decimal import Decimal

import pytest

from assessments.scoring.base import FRAIL, PREFRAIL, ROBUST

from .bounds import (
    Bound,
    bmi,
    cases,
    category,
    check_landing,
    check_outcome,
    component,
    derived,
    exact,
    flags,
    given,
    label,
    percent_lost,
    score,
    step,
)

# ------------------------------------------------------------------ Fried

FRIED = "Fried 2001 Table 1, J Gerontol A 56:M146"


def at_bmi(sex, bmi_value, **inputs):
    """200 cm makes BMI = weight / 4 exactly (weight recorded to 0.1 kg)."""
    return {"sex": sex, "height_cm": 200, "weight_kg": bmi_value * 4, **inputs}


def weak_grip(sex, bmi_value, cutoff):
    """Grip on the stratum's cut-off (kg): at or below is weak."""
    return Bound("fried", f"<= {cutoff}", f"{FRIED}: {sex} grip, BMI {bmi_value}",
                 given("grip_kg"), component("fried", "weakness"),
                 step(at_bmi(sex, bmi_value, grip_kg=float(cutoff)), "grip_kg", "0.1",
                      on=1, less=1, more=0))


def bmi_stratum(sex, upper, grip, below, above):
    """BMI on a stratum's upper bound (half-open: it belongs to the lower stratum); the
    grip sits between the two strata's cut-offs so the stratum shows in the outcome."""
    return Bound("fried", f"<= {upper}", f"{FRIED}: {sex} BMI strata", bmi,
                 component("fried", "weakness"),
                 step(at_bmi(sex, upper, grip_kg=grip), "weight_kg", "0.1",
                      on=below, less=below, more=above))


def slow_walk(sex, height, cutoff):
    return Bound("fried", f">= {cutoff}", f"{FRIED}: {sex} walk time, {height} cm",
                 given("walk_15ft_s"), component("fried", "slowness"),
                 step({"sex": sex, "height_cm": height, "walk_15ft_s": cutoff}, "walk_15ft_s",
                      "0.01", on=1, less=0, more=1))


def height_stratum(sex, upper):
    """6.5 s is slow only in the taller stratum (cut-off 6 s instead of 7 s)."""
    return Bound("fried", f"<= {upper}", f"{FRIED}: {sex} height strata", given("height_cm"),
                 component("fried", "slowness"),
                 step({"sex": sex, "height_cm": upper, "walk_15ft_s": 6.5}, "height_cm", "0.1",
                      on=0, less=0, more=1))


def low_kcal(sex, cutoff):
    return Bound("fried", f"< {cutoff}", f"{FRIED}: {sex} kcal/week", given("kcal_per_week"),
                 component("fried", "low_activity"),
                 step({"sex": sex, "kcal_per_week": cutoff}, "kcal_per_week", "1",
                      on=0, less=1, more=0))


FRIED_NONE = {"sex": "female", "height_cm": 160, "weight_kg": 60, "grip_kg": 25,
              "walk_15ft_s": 4, "kcal_per_week": 1000, "cesd_effort": 0, "cesd_going": 0,
              "weight_loss_10lb": False}
FRIED_ITEMS = ({"weight_loss_10lb": True}, {"grip_kg": 15}, {"cesd_effort": 3},
               {"walk_15ft_s": 8}, {"kcal_per_week": 100})


def fried_with(k):
    inputs = dict(FRIED_NONE)
    for item in FRIED_ITEMS[:k]:
        inputs |= item
    return inputs


MEASURED_LOSS = {"weight_prior_year_kg": 70, "weight_kg": 66.5, "trying_to_lose_weight": False}
FRIED_BOUNDS = [
    weak_grip("male", 22, 29), weak_grip("male", 25, 30), weak_grip("male", 27, 30),
    weak_grip("male", 30, 32),
    weak_grip("female", 22, 17), weak_grip("female", 25, "17.3"), weak_grip("female", 27, 18),
    weak_grip("female", 30, 21),
    bmi_stratum("male", 24, 29.5, below=0, above=1),
    bmi_stratum("male", 26, 30, below=1, above=1),  # 30 kg in both strata
    bmi_stratum("male", 28, 31, below=0, above=1),
    bmi_stratum("female", 23, 17.2, below=0, above=1),
    bmi_stratum("female", 26, 17.5, below=0, above=1),
    bmi_stratum("female", 29, 19, below=0, above=1),
    slow_walk("male", 170, 7), slow_walk("male", 180, 6),
    slow_walk("female", 155, 7), slow_walk("female", 165, 6),
    height_stratum("male", 173), height_stratum("female", 159),
    low_kcal("male", 383), low_kcal("female", 270),
    Bound("fried", ">= 2", f"{FRIED}: CES-D 3-4 days or more", given("cesd_effort"),
          component("fried", "exhaustion"),
          step({"cesd_effort": 2, "cesd_going": 0}, "cesd_effort", "1", on=1, less=0, more=1)),
    Bound("fried", ">= 5", "instruments.md §1: measured loss of 5 % or more",
          percent_lost("weight_prior_year_kg", "weight_kg"), component("fried", "shrinking"),
          step(MEASURED_LOSS, "weight_kg", "0.1", on=1, less=1, more=0)),
    Bound("fried", "<= 0", f"{FRIED}: 0 robust", score("fried"), category("fried"),
          ((fried_with(0), ROBUST), (fried_with(1), PREFRAIL))),
    Bound("fried", "<= 2", f"{FRIED}: 1-2 pre-frail, 3+ frail", score("fried"),
          category("fried"),
          ((fried_with(2), PREFRAIL), (fried_with(1), PREFRAIL), (fried_with(3), FRAIL))),
]

# ------------------------------------------------------------------ SPPB

GURALNIK = "Guralnik 1994, J Gerontol 49:M85"


def sppb_time(field, cutoff, points, reads, source=GURALNIK, **inputs):
    """A timed item on its cut-off; `points` = (on, 0.01 s faster, 0.01 s slower)."""
    on, less, more = points
    return Bound("sppb", cutoff, source, given(field), component("sppb", reads),
                 step({**inputs, field: float(cutoff.split()[1])}, field, "0.01",
                      on=on, less=less, more=more))


def gait(cutoff, points, course, source):
    return sppb_time("gait_trial1_s", cutoff, points, "gait", source, gait_course_m=course)


FULL_BALANCE = {"side_by_side_s": 10, "semi_tandem_s": 10}
# Balance 4 (all stances held 10 s), gait 4 (4 m in 4 s), chair 4 (five stands in 10 s).
SPPB_BEST = {**FULL_BALANCE, "tandem_s": 10, "gait_trial1_s": 4,
             "chair_single_without_arms": True, "chair_5_s": 10}
# Totals from 12 downwards: chair slower by one band at a time, then gait, then balance.
SPPB_WORSE = ({"chair_5_s": 12}, {"chair_5_s": 15}, {"chair_5_s": 20}, {"chair_5_s": 61},
              {"gait_trial1_s": 5}, {"gait_trial1_s": 7}, {"gait_trial1_s": 9},
              {"gait_trial1_s": "unable"}, {"tandem_s": 5}, {"tandem_s": 1},
              {"semi_tandem_s": 1}, {"side_by_side_s": 1})


def sppb_total(total):
    inputs = dict(SPPB_BEST)
    for change in SPPB_WORSE[: 12 - total]:
        inputs |= change
    return inputs


def sppb_totals(*rows):
    return tuple((sppb_total(total), expected) for total, expected in rows)


SPPB = [
    sppb_time("side_by_side_s", ">= 10", (1, 0, 1), "balance", semi_tandem_s=0),
    sppb_time("tandem_s", ">= 10", (4, 3, 4), "balance", **FULL_BALANCE),
    sppb_time("tandem_s", ">= 3", (3, 2, 3), "balance", **FULL_BALANCE),
    gait("< 4.82", (3, 4, 3), 4, "Guralnik 2000, J Gerontol A 55:M221"),
    gait("<= 6.20", (3, 3, 2), 4, "Guralnik 2000, J Gerontol A 55:M221"),
    gait("<= 8.70", (2, 2, 1), 4, "Guralnik 2000, J Gerontol A 55:M221"),
    gait("< 3.62", (3, 4, 3), 3, "NIA SPPB protocol, 3-m course"),
    gait("<= 4.65", (3, 3, 2), 3, "NIA SPPB protocol, 3-m course"),
    gait("<= 6.52", (2, 2, 1), 3, "NIA SPPB protocol, 3-m course"),
    gait("<= 3.1", (4, 4, 3), 2.4384, f"{GURALNIK}, 8-ft course"),
    gait("<= 4.0", (3, 3, 2), 2.4384, f"{GURALNIK}, 8-ft course"),
    gait("<= 5.6", (2, 2, 1), 2.4384, f"{GURALNIK}, 8-ft course"),
    sppb_time("chair_5_s", "< 11.20", (3, 4, 3), "chair", chair_single_without_arms=True),
    sppb_time("chair_5_s", "< 13.70", (2, 3, 2), "chair", chair_single_without_arms=True),
    sppb_time("chair_5_s", "< 16.70", (1, 2, 1), "chair", chair_single_without_arms=True),
    sppb_time("chair_5_s", "<= 60", (1, 1, 0), "chair", chair_single_without_arms=True),
    Bound("sppb", "<= 3", f"{GURALNIK}: total bands", score("sppb"), label("sppb"),
          sppb_totals((3, "very low"), (2, "very low"), (4, "low"))),
    Bound("sppb", "<= 6", f"{GURALNIK}: total bands", score("sppb"), label("sppb"),
          sppb_totals((6, "low"), (5, "low"), (7, "moderate"))),
    Bound("sppb", "<= 9", f"{GURALNIK}: total bands", score("sppb"), label("sppb"),
          sppb_totals((9, "moderate"), (8, "moderate"), (10, "high"))),
    Bound("sppb", "< 10", "Guralnik 2000: below 10 impaired", score("sppb"), category("sppb"),
          sppb_totals((10, ROBUST), (9, "impaired"), (11, ROBUST))),
]

# ------------------------------------------------------------------ gait speed


def speed(inputs):
    return exact(inputs.get("distance_m", 4)) / exact(inputs["time_s"])


def speed_outcome(inputs):
    return category("gait_speed")(inputs), flags("gait_speed")(inputs)


STUDENSKI = "Studenski 2011, JAMA 305:50"
SLOW = (FRAIL, ("slow", "ewgsop2_low_performance", "below_1_0"))
AT_0_8 = (PREFRAIL, ("ewgsop2_low_performance", "below_1_0"))
ABOVE_0_8 = (PREFRAIL, ("below_1_0",))
# A faster time is a higher speed: "less" time lands above the bound.
GAIT_SPEED = [
    Bound("gait_speed", "< 0.8", f"{STUDENSKI}; EWGSOP2 ≤ 0.8 (Cruz-Jentoft 2019)", speed,
          speed_outcome, step({"time_s": 5}, "time_s", "0.01",
                              on=AT_0_8, less=ABOVE_0_8, more=SLOW)),
    Bound("gait_speed", "<= 0.8", "Cruz-Jentoft 2019, Age Ageing 48:16; 15-ft course", speed,
          speed_outcome, step({"distance_m": 4.572, "time_s": 5.715}, "time_s", "0.001",
                              on=AT_0_8, less=ABOVE_0_8, more=SLOW)),
    Bound("gait_speed", "< 1.0", STUDENSKI, speed, speed_outcome,
          step({"time_s": 4}, "time_s", "0.01", on=(ROBUST, ()), less=(ROBUST, ()),
               more=ABOVE_0_8)),
]

# ------------------------------------------------------------------ six-minute walk

ENRIGHT = "Enright & Sherrill 1998, AJRCCM 158:1384"
# Profiles whose lower limit of normal is a whole number of metres (searched over whole
# heights and weights): men LLN = 7.57·172 − 1.76·64 − 5.02·70 − 309 − 153 = 376 m;
# women LLN = 2.11·163 − 2.29·67 − 5.78·75 + 667 − 139 = 285 m.
MAN_LLN_376 = {"sex": "male", "age_years": 70, "height_cm": 172, "weight_kg": 64}
WOMAN_LLN_285 = {"sex": "female", "age_years": 75, "height_cm": 163, "weight_kg": 67}
SIX_MINUTE_WALK = [
    Bound("six_minute_walk", "< 376", f"{ENRIGHT}: men, LLN = predicted − 153 m",
          given("distance_m"), derived("six_minute_walk", "below_lln"),
          step({**MAN_LLN_376, "distance_m": 376}, "distance_m", "1",
               on=False, less=True, more=False)),
    Bound("six_minute_walk", "< 285", f"{ENRIGHT}: women, LLN = predicted − 139 m",
          given("distance_m"), derived("six_minute_walk", "below_lln"),
          step({**WOMAN_LLN_285, "distance_m": 285}, "distance_m", "1",
               on=False, less=True, more=False)),
    Bound("six_minute_walk", ">= 40", f"{ENRIGHT}: reference ages 40-80", given("age_years"),
          flags("six_minute_walk"),
          step({**MAN_LLN_376, "distance_m": 400, "age_years": 40}, "age_years", "1",
               on=(), less=("outside_reference_age",), more=())),
    Bound("six_minute_walk", "<= 80", f"{ENRIGHT}: reference ages 40-80", given("age_years"),
          flags("six_minute_walk"),
          step({**MAN_LLN_376, "distance_m": 400, "age_years": 80}, "age_years", "1",
               on=(), less=(), more=("outside_reference_age",))),
]

BOUNDS = FRIED_BOUNDS + SPPB + GAIT_SPEED + SIX_MINUTE_WALK


@pytest.mark.parametrize(("bound", "profile"), cases(BOUNDS))
def test_each_profile_falls_on_the_published_side(bound, profile):
    check_outcome(bound, profile)


@pytest.mark.parametrize("bound", BOUNDS, ids=str)
def test_profiles_land_exactly_on_the_bound_and_one_step_either_side(bound):
    check_landing(bound)


@pytest.mark.parametrize(("profile", "lln"), [(MAN_LLN_376, 376), (WOMAN_LLN_285, 285)])
def test_the_lln_profiles_have_a_whole_metre_lower_limit(profile, lln):
    result = derived("six_minute_walk", "lln_m")({**profile, "distance_m": 400})
    assert Decimal(str(result)) == lln
