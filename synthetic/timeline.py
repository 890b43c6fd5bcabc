"""Who the synthetic patients are and when they are seen, before any row exists.

A patient's latent frailty (0 robust … 1 very frail) rises with age, is higher in women
and drifts up over follow-up; about 30 % of patients join a four-arm dose-finding study
with visits inside the default schedule windows (registry/studies/schedule.py). Ids are filled
in later, when the batch draws them from the tables' sequences.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from registry.studies.schedule import DEFAULT_SCHEDULE

# (code, name, dose in million cells or None, placebo, effect on latent frailty in logits)
# The effect is invented so that change-from-baseline charts are not flat; it is no
# claim about MSCs.
ARMS = (
    ("PBO", "Placebo", None, True, 0.0),
    ("D20", "20 million cells", 20, False, 0.15),
    ("D100", "100 million cells", 100, False, 0.35),
    ("D200", "200 million cells", 200, False, 0.45),
)
STUDY_FRACTION = 0.30
FEMALE_FRACTION = 0.57
LAST_VISIT_DAYS_AGO = 2  # keeps every fictional entry time safely in the past


@dataclass(slots=True)
class VisitPlan:
    date: dt.date
    kind: str
    weight: Decimal
    height: Decimal
    frailty: float
    timepoint: str | None = None
    id: int = 0


@dataclass(slots=True)
class PatientPlan:
    sex: str
    date_of_birth: dt.date
    enrolled_on: dt.date
    propensity: float
    site_id: int
    lab_site: bool  # reports CRP/FIB in the alternative units
    arm: int | None = None
    anchor: dt.date | None = None
    visits: list[VisitPlan] = field(default_factory=list)
    id: int = 0


@dataclass
class Context:
    """What every batch needs from the database: sites, study, arms, conditions."""

    seed: int
    as_of: dt.date
    site_ids: list[int]
    alt_unit_sites: set[int]
    study_id: int
    arm_ids: list[int]
    condition_ids: dict[str, int]
    source_id: int


def latent_frailty(*, age: float, female: bool, propensity: float, years: float,
                   effect: float = 0.0) -> float:
    """0 (robust) … 1 (very frail): logistic in age, sex, follow-up and the patient.

    Calibrated on 6,000 simulated baselines (Fried): frail 3.9 % at 65–74, 12 % at
    75–84, 28.5 % at 85+, 8.6 % overall (women 9.7 %, men 7.1 %), pre-frail 43 %, against
    the published prevalence over 65 (frail 7–12 %, from about 4 % at 65–74 to 25 % over
    85, higher in women; pre-frail 35–50 %). `effect` is the arm's invented benefit.
    """
    logit = -1.55 + 0.055 * (age - 65) + 0.5 * female + propensity + 0.15 * years - effect
    return 1 / (1 + math.exp(-logit))


def _age_at_first_visit(rng: random.Random, span_days: int) -> float:
    """65–100, skewed young (about half under 75); the last visit is still ≤ 100."""
    limit = 100 - span_days / 365.25 - 0.1
    while True:
        age = 65 + rng.expovariate(1 / 10.5)
        if age < limit:
            return age


def _registry_dates(rng: random.Random, last: dt.date) -> list[dt.date]:
    """3–6 visits 3–6 months apart, ending at most 18 months before `last`."""
    gaps = [rng.randint(91, 183) for _ in range(rng.randint(3, 6) - 1)]
    first = last - dt.timedelta(days=sum(gaps) + rng.randint(0, 540))
    dates = [first]
    for gap in gaps:
        dates.append(dates[-1] + dt.timedelta(days=gap))
    return dates


def _study_dates(rng: random.Random, anchor: dt.date, last: dt.date) -> list[tuple]:
    """(date, kind, timepoint) inside the default windows; a few visits missed."""
    out = [(anchor - dt.timedelta(days=rng.randint(0, 14)), "baseline", "baseline")]
    for window in DEFAULT_SCHEDULE[1:]:
        day = window.target_day + rng.randint(-window.before, window.after)
        date = anchor + dt.timedelta(days=day)
        if date <= last and (len(out) < 3 or rng.random() > 0.06):
            out.append((date, "follow_up", window.code))
    unscheduled = anchor + dt.timedelta(days=rng.randint(200, 330))
    if unscheduled <= last and len(out) < 6 and rng.random() < 0.15:
        out.append((unscheduled, "unscheduled", None))
    return sorted(out)


def plan_patient(rng: random.Random, ctx: Context) -> PatientPlan:
    """One patient: sex, birth, site, study arm (or none) and every visit, planned."""
    last = ctx.as_of - dt.timedelta(days=LAST_VISIT_DAYS_AGO)
    in_study = rng.random() < STUDY_FRACTION
    arm = anchor = None
    if in_study:
        arm = rng.randrange(len(ARMS))
        anchor = last - dt.timedelta(days=rng.randint(200, 730))
        dated = _study_dates(rng, anchor, last)
    else:
        dated = [(d, "follow_up", None) for d in _registry_dates(rng, last)]
        dated[0] = (dated[0][0], "baseline", None)
    female = rng.random() < FEMALE_FRACTION
    first_age = _age_at_first_visit(rng, (dated[-1][0] - dated[0][0]).days)
    birth = dated[0][0] - dt.timedelta(days=int(first_age * 365.25))
    site = rng.choice(ctx.site_ids)
    plan = PatientPlan(
        sex="female" if female else "male", date_of_birth=birth, enrolled_on=dated[0][0],
        propensity=rng.gauss(0, 0.9), site_id=site, lab_site=site in ctx.alt_unit_sites,
        arm=arm, anchor=anchor,
    )
    _plan_visits(rng, plan, dated)
    return plan


def _plan_visits(rng: random.Random, plan: PatientPlan, dated: list[tuple]) -> None:
    female = plan.sex == "female"
    height = rng.gauss(160, 6.5) if female else rng.gauss(173.5, 7)
    weight = rng.gauss(68, 12) if female else rng.gauss(80, 13)
    first = dated[0][0]
    effect = ARMS[plan.arm][4] if plan.arm is not None else 0.0
    for date, kind, timepoint in dated:
        years = (date - first).days / 365.25
        age = (date - plan.date_of_birth).days / 365.25
        treated = plan.anchor is not None and date > plan.anchor
        frailty = latent_frailty(age=age, female=female, propensity=plan.propensity,
                                 years=years, effect=effect if treated else 0.0)  # fmt: skip
        # Frail patients lose weight over follow-up; heights are re-measured to ±0.5 cm.
        kg = weight - 2.0 * frailty * years + rng.gauss(0, 0.8)
        cm = height - 0.1 * (age - 65) + rng.uniform(-0.5, 0.5)
        plan.visits.append(VisitPlan(
            date=date, kind=kind, timepoint=timepoint, frailty=frailty,
            weight=Decimal(str(round(min(max(kg, 35), 160), 1))),
            height=Decimal(str(round(min(max(cm, 135), 205), 1))),
        ))  # fmt: skip

