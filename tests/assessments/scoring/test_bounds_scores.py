"""Every published bound of the score-based instruments, exactly on it and one step either
side (issue 16): SHARE-FI, frailty index (and its BMI item), CFS, FRAIL, SOF, TFI, GFI.

See bounds.py for the shape of a row. Sources are those cited in each scoring module.
"""

from decimal import Decimal
from fractions import Fraction

import pytest

from assessments.scoring.base import FRAIL, INDETERMINATE, PREFRAIL, ROBUST, body_mass_index
from assessments.scoring.fi_definition import DEFINITION, prefill_from_context

from .bounds import (
    Bound,
    bmi,
    cases,
    category,
    check_landing,
    check_outcome,
    component,
    exact,
    flags,
    given,
    percent_lost,
    score,
    step,
)

# ------------------------------------------------------------------ SHARE-FI

# instruments.md §8 as published: (slope, intercept, loading) per input, in input order.
SHARE_FI_COEFFICIENTS = {
    "female": (("2.077707", "-0.757295", "0.4088"), ("3.341539", "-0.332289", "0.3325"),
               ("0.132827", "-3.534515", "-0.4910"), ("2.627085", "-0.461808", "0.6012"),
               ("0.918866", "-1.523633", "0.4818")),
    "male": (("2.280336", "-0.592393", "0.3762"), ("4.058274", "-0.263501", "0.3130"),
             ("0.092326", "-3.986646", "-0.4653"), ("3.098226", "-0.365971", "0.6146"),
             ("1.005942", "-1.571803", "0.4680")),
}
SHARE_FI_INPUTS = ("fatigue", "appetite_loss", "grip_kg", "functional_difficulties", "activity")


def share_fi_df(inputs):
    """DF in exact rational arithmetic, independent of the module's Decimal code."""
    terms = zip(SHARE_FI_COEFFICIENTS[inputs["sex"]], SHARE_FI_INPUTS, strict=True)
    return sum(
        (exact(slope) * exact(int(inputs[name]) if name != "grip_kg" else inputs[name])
         + exact(intercept)) * exact(loading)
        for (slope, intercept, loading), name in terms
    )


def share_fi(sex, fatigue, appetite, grip, func, activity):
    return {"sex": sex, "fatigue": bool(fatigue), "appetite_loss": bool(appetite),
            "grip_kg": grip, "functional_difficulties": bool(func), "activity": activity}


ROMERO = "Romero-Ortuno 2010, BMC Geriatr 10:57"
# The only whole-number profiles that score exactly a bound (test_share_fi searches them).
SHARE_FI = [
    # Issue 16: a woman with fatigue, grip 40 kg, activity 4 scores exactly 0.3151361243.
    Bound("share_fi", "< 0.3151361243", f"{ROMERO}, women robust", share_fi_df,
          category("share_fi"), step(share_fi("female", 1, 0, 40, 0, 4), "grip_kg", "0.1",
                                     on=PREFRAIL, less=PREFRAIL, more=ROBUST)),
    Bound("share_fi", "< 2.1301121973", f"{ROMERO}, women pre-frail", share_fi_df,
          category("share_fi"), step(share_fi("female", 0, 0, 3, 1, 1), "grip_kg", "0.1",
                                     on=FRAIL, less=FRAIL, more=PREFRAIL)),
    # Issue 16: a man with fatigue, appetite loss, grip 46 kg, activity 1.
    Bound("share_fi", "< 1.211878526", f"{ROMERO}, men robust", share_fi_df,
          category("share_fi"), step(share_fi("male", 1, 1, 46, 0, 1), "grip_kg", "0.1",
                                     on=PREFRAIL, less=PREFRAIL, more=ROBUST)),
    Bound("share_fi", "< 3.0052612772", f"{ROMERO}, men pre-frail", share_fi_df,
          category("share_fi"), step(share_fi("male", 0, 0, 10, 1, 2), "grip_kg", "0.1",
                                     on=FRAIL, less=FRAIL, more=PREFRAIL)),
]

# ------------------------------------------------------------------ frailty index

CODES = DEFINITION.codes()
HALF_ITEM = "bmi"  # the last item that takes 0.5


def fi_inputs(total, present=None):
    """`present` items answered (all by default), deficits summing to `total`."""
    total, present = Decimal(total), len(CODES) if present is None else present
    deficits = dict.fromkeys(CODES[:present], 0) | dict.fromkeys(CODES[present:])
    deficits |= dict.fromkeys(CODES[: int(total)], 1)
    if total % 1:
        deficits[HALF_ITEM] = 0.5
    return {"deficits": deficits}


def fi_value(inputs):
    present = [exact(v) for v in inputs["deficits"].values() if v is not None]
    return sum(present) / len(present)


def fi_present(inputs):
    values = inputs["deficits"].values()
    return Fraction(sum(v is not None for v in values), len(CODES))


def fi_profiles(*rows):
    return tuple((fi_inputs(*args), expected) for *args, expected in rows)


def bmi_item(inputs):
    bmi = body_mass_index(inputs["height_cm"], inputs["weight_kg"])
    return prefill_from_context(set(), bmi=bmi)["bmi"]


SONG = "Song 2010, J Am Geriatr Soc 58:681"
WHO = "WHO 2000 BMI classes, instruments.md §3"
# 50 items: with all answered the smallest step of the index is one half-deficit, 0.01.
FRAILTY_INDEX = [
    Bound("frailty_index", "<= 0.08", f"{SONG}, robust", fi_value, category("frailty_index"),
          fi_profiles(("4", ROBUST), ("3.5", ROBUST), ("4.5", PREFRAIL))),
    Bound("frailty_index", "< 0.25", f"{SONG}, pre-frail", fi_value, category("frailty_index"),
          fi_profiles(("12.5", FRAIL), ("12", PREFRAIL), ("13", FRAIL))),
    Bound("frailty_index", "> 0.7", "Rockwood & Mitnitski 2006, sub-maximal limit", fi_value,
          flags("frailty_index"),
          fi_profiles(("35", ()), ("34.5", ()), ("35.5", ("fi_above_submaximal_limit",)))),
    Bound("frailty_index", ">= 0.8", "Searle 2008: 80 % of items answered", fi_present,
          category("frailty_index"),
          fi_profiles(("0", 40, ROBUST), ("0", 39, INDETERMINATE), ("0", 41, ROBUST))),
    # The BMI item; 200 cm makes BMI = weight / 4, and weight is recorded to 0.1 kg.
    Bound("fi_definition", "< 18.5", WHO, bmi, bmi_item,
          step({"height_cm": 200, "weight_kg": 74}, "weight_kg", "0.1", on=0, less=1, more=0)),
    Bound("fi_definition", "< 25", WHO, bmi, bmi_item,
          step({"height_cm": 200, "weight_kg": 100}, "weight_kg", "0.1",
               on=0.5, less=0, more=0.5)),
    Bound("fi_definition", "< 30", WHO, bmi, bmi_item,
          step({"height_cm": 200, "weight_kg": 120}, "weight_kg", "0.1",
               on=1, less=0.5, more=1)),
]

# ------------------------------------------------------------------ CFS

ROCKWOOD = "Rockwood 2005 / Rockwood & Theou 2020, instruments.md §2"
CFS = [
    Bound("cfs", "<= 3", ROCKWOOD, given("level"), category("cfs"),
          step({"level": 3}, "level", "1", on=ROBUST, less=ROBUST, more=PREFRAIL)),
    Bound("cfs", "<= 4", ROCKWOOD, given("level"), category("cfs"),
          step({"level": 4}, "level", "1", on=PREFRAIL, less=ROBUST, more=FRAIL)),
    Bound("cfs", "<= 8", ROCKWOOD, given("level"), category("cfs"),
          step({"level": 8}, "level", "1", on=FRAIL, less=FRAIL, more="terminally_ill")),
]

# ------------------------------------------------------------------ FRAIL

FRAIL_NONE = {"fatigue": 5, "resistance_difficulty": False, "ambulation_difficulty": False,
              "illnesses": [], "weight_1y_ago_kg": 80, "weight_now_kg": 80}
FRAIL_ITEMS = ({"fatigue": 1}, {"resistance_difficulty": True},
               {"ambulation_difficulty": True},
               {"illnesses": ["hypertension", "diabetes", "cancer", "asthma", "stroke"]},
               {"weight_now_kg": 70})


def positives(none, items, k):
    """`none` (every item answered, none positive) with the first k items positive."""
    inputs = dict(none)
    for item in items[:k]:
        inputs |= item
    return inputs


def counted(none, items, *rows):
    return tuple((positives(none, items, k), expected) for k, expected in rows)


ILLNESSES = ["hypertension", "diabetes", "cancer", "asthma", "stroke", "angina"]
MORLEY = "Morley 2012, J Nutr Health Aging 16:601"
FRAIL_SCALE = [
    Bound("frail", "<= 2", f"{MORLEY}: fatigue all or most of the time", given("fatigue"),
          component("frail", "fatigue"),
          step(FRAIL_NONE | {"fatigue": 2}, "fatigue", "1", on=1, less=1, more=0)),
    Bound("frail", ">= 5", f"{MORLEY}: 5 or more illnesses",
          lambda inputs: len(inputs["illnesses"]), component("frail", "illnesses"),
          tuple((FRAIL_NONE | {"illnesses": ILLNESSES[:n]}, int(n >= 5)) for n in (5, 4, 6))),
    Bound("frail", "> 5", f"{MORLEY}: weight loss over 5 %",
          percent_lost("weight_1y_ago_kg", "weight_now_kg"), component("frail", "loss_of_weight"),
          step(FRAIL_NONE | {"weight_now_kg": 76}, "weight_now_kg", "0.1", on=0, less=1, more=0)),
    Bound("frail", "<= 0", MORLEY, score("frail"), category("frail"),
          counted(FRAIL_NONE, FRAIL_ITEMS, (0, ROBUST), (1, PREFRAIL))),
    Bound("frail", "<= 2", MORLEY, score("frail"), category("frail"),
          counted(FRAIL_NONE, FRAIL_ITEMS, (2, PREFRAIL), (1, PREFRAIL), (3, FRAIL))),
]

# ------------------------------------------------------------------ SOF

SOF_NONE = {"weight_prior_kg": 80, "weight_now_kg": 80, "chair_stands": "able",
            "full_of_energy": True}
SOF_ITEMS = ({"weight_now_kg": 70}, {"chair_stands": "unable"}, {"full_of_energy": False})
ENSRUD = "Ensrud 2008, Arch Intern Med 168:382"
SOF = [
    Bound("sof", ">= 5", f"{ENSRUD}: weight loss of 5 % or more",
          percent_lost("weight_prior_kg", "weight_now_kg"), component("sof", "weight_loss"),
          step(SOF_NONE | {"weight_now_kg": 76}, "weight_now_kg", "0.1", on=1, less=1, more=0)),
    Bound("sof", "<= 0", ENSRUD, score("sof"), category("sof"),
          counted(SOF_NONE, SOF_ITEMS, (0, ROBUST), (1, PREFRAIL))),
    Bound("sof", "<= 1", ENSRUD, score("sof"), category("sof"),
          counted(SOF_NONE, SOF_ITEMS, (1, PREFRAIL), (0, ROBUST), (2, FRAIL))),
]

# ------------------------------------------------------------------ TFI and GFI

TFI_NONE = {
    "physically_healthy": "yes", "weight_loss": "no", "difficulty_walking": "no",
    "difficulty_balance": "no", "poor_hearing": "no", "poor_vision": "no",
    "lack_hand_strength": "no", "physical_tiredness": "no", "memory_problems": "no",
    "felt_down": "no", "nervous_anxious": "no", "cope_with_problems": "yes",
    "lives_alone": "no", "misses_people": "no", "enough_support": "yes",
}
TFI_ITEMS = ({"physically_healthy": "no"}, {"weight_loss": "yes"},
             {"difficulty_walking": "yes"}, {"difficulty_balance": "yes"},
             {"poor_hearing": "yes"}, {"poor_vision": "yes"})
GFI_NONE = {
    "shopping": "independent", "walking_outside": "independent", "dressing": "independent",
    "toilet": "independent", "fitness_mark": 8, "vision_problems": "no",
    "hearing_problems": "no", "weight_loss": "no", "medications_4plus": "no",
    "memory_complaints": "no", "emptiness": "no", "misses_people": "no", "abandoned": "no",
    "downhearted": "no", "nervous_anxious": "no",
}
GFI_ITEMS = ({"shopping": "dependent"}, {"vision_problems": "yes"},
             {"hearing_problems": "yes"}, {"weight_loss": "yes"}, {"emptiness": "yes"})
PETERS = "Peters 2012, J Am Med Dir Assoc 13:546"
TFI_GFI = [
    Bound("tfi", ">= 5", "Gobbens 2010, J Am Med Dir Assoc 11:344", score("tfi"),
          category("tfi"), counted(TFI_NONE, TFI_ITEMS, (5, FRAIL), (4, ROBUST), (6, FRAIL))),
    Bound("gfi", "<= 6", f"{PETERS}: fitness mark 0-6", given("fitness_mark"),
          component("gfi", "fitness"),
          step(GFI_NONE | {"fitness_mark": 6}, "fitness_mark", "1", on=1, less=1, more=0)),
    Bound("gfi", ">= 4", PETERS, score("gfi"), category("gfi"),
          counted(GFI_NONE, GFI_ITEMS, (4, FRAIL), (3, ROBUST), (5, FRAIL))),
]

BOUNDS = SHARE_FI + FRAILTY_INDEX + CFS + FRAIL_SCALE + SOF + TFI_GFI


@pytest.mark.parametrize(("bound", "profile"), cases(BOUNDS))
def test_each_profile_falls_on_the_published_side(bound, profile):
    check_outcome(bound, profile)


@pytest.mark.parametrize("bound", BOUNDS, ids=str)
def test_profiles_land_exactly_on_the_bound_and_one_step_either_side(bound):
    check_landing(bound)
