"""Synthetic cohort generator: a realistic registry of any size, filled fast.

Used by `manage.py generate_cohort` and by `bench/longitudinal.py`. Design notes are in
docs/generator.md; in short:

- Every patient has a latent frailty (0 robust … 1 very frail) that rises with age, is
  higher in women and drifts up over follow-up (DESIGN.md "Why these data"). Instrument
  inputs (Fried, CFS, SPPB, gait speed, grip, 6MWT) are drawn from it and scored by the
  real scoring modules; biomarkers are log-normal and higher in frail patients.
- About 30 % of patients take part in a four-arm dose-finding study (placebo, 20, 100,
  200 million MSCs) with one infusion and visits inside the default schedule windows.
- Rows are planned in batches of patients, given ids drawn from each table's own
  sequence, then written by a `Writer`: PostgreSQL COPY, or bulk_create elsewhere.
- Each batch has its own random stream (seed, batch number), so a seed always gives the
  same cohort for the same --batch.
- created_at/modified_at are the fictional entry times (the visit day), not the time of
  generation: incremental snapshot refreshes must not take the cohort for fresh edits.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import multiprocessing
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db import connection, connections, transaction
from django.utils import timezone

from assessments import scoring
from biomarkers import catalogue, units
from biomarkers.services import PRELIMINARY_FLAG, lab_source_for_file
from core.dates import age_on
from longitudinal.snapshots import snapshots_refresh
from registry.models import Arm, Condition, Site, Study, Timepoint
from registry.schedule import DEFAULT_SCHEDULE
from registry.services import study_id_for

STUDY_CODE = "MSC-SYN"
SITE_PREFIX = "SYN"
SOURCE_NAME = "Synthetic cohort generator"
EXTERNAL_ID_SYSTEM = "urn:frailty-registry:synthetic"
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
# Approximate prevalence in adults over 65, raised in frail patients (see _conditions).
CONDITION_PREVALENCE = {
    "hypertension": 0.6, "arthritis": 0.45, "diabetes": 0.25, "heart_attack": 0.1,
    "congestive_heart_failure": 0.08, "angina": 0.08, "chronic_lung_disease": 0.1,
    "asthma": 0.07, "cancer": 0.12, "stroke": 0.07, "kidney_disease": 0.15,
    "osteoporosis": 0.2, "atrial_fibrillation": 0.1, "depression": 0.12,
    "cognitive_impairment": 0.1, "copd": 0.09, "peripheral_vascular_disease": 0.05,
}  # fmt: skip
GIVEN = {
    "female": ("Margaret", "Joan", "Dorothy", "Patricia", "Helen", "Ruth", "Irene", "Eileen",
               "Mary", "Barbara", "Jean", "Shirley", "Maureen", "Rosa", "Aiko", "Amara"),
    "male": ("John", "Robert", "William", "George", "Harold", "Kenneth", "Frank", "Arthur",
             "Raymond", "Walter", "James", "Donald", "Samuel", "Luis", "Kofi", "Hiroshi"),
}  # fmt: skip
FAMILY = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
          "Patel", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts",
          "Green", "Hall", "Wood", "Okafor", "Nguyen", "Garcia", "Kowalski", "Murphy")  # fmt: skip
# Share of registry (non-study) visits at which each instrument is administered; study
# visits get all of them (they are the trial end points).
INSTRUMENT_SHARE = {
    "fried": 0.9, "cfs": 1.0, "sppb": 0.8, "gait_speed": 0.9, "grip_strength": 0.9,
    "six_minute_walk": 0.6,
}  # fmt: skip


@dataclass(frozen=True)
class Marker:
    """How one analyte is drawn: log-normal median at 75 y in a robust patient."""

    code: str
    median: float
    rise_per_year: float  # multiplicative, per year of age above 75
    frailty_log_rise: float  # log-multiplier at latent frailty 1
    log_sd: float
    lod: float | None  # detection limit: lower values arrive as "<lod"
    places: int  # decimals of the canonical value
    specimen: str


# Medians follow biomarkers.md §3 (IL-6 1.8 → 3.5 pg/mL with age, TNF-α ~1.5 pg/mL in
# frailty, fibrinogen 150–450 mg/dL, D-dimer around the 500 ng/mL FEU cut-off).
MARKERS = (
    Marker("IL6", 2.2, 0.03, 0.9, 0.5, 0.5, 2, "serum"),
    Marker("TNFA", 1.25, 0.012, 0.45, 0.4, 0.5, 2, "serum"),
    Marker("CRP", 1.8, 0.015, 1.0, 0.9, 0.3, 1, "serum"),
    Marker("FIB", 330.0, 0.004, 0.15, 0.14, None, 0, "citrated plasma"),
    Marker("DDIMER_FEU", 450.0, 0.03, 0.6, 0.55, 150.0, 0, "citrated plasma"),
)
ACUTE_SHARE = 0.015  # samples drawn during an acute illness: CRP 10–80 mg/L
PRELIMINARY_SHARE = 0.01
# Some sites' laboratories report in another accepted unit (the value as reported is
# kept beside the canonical one): analyte -> (unit, factor to canonical, places).
ALT_UNITS = {"CRP": ("mg/dL", Decimal(10), 2), "FIB": ("g/L", Decimal(100), 2)}
AE_SHARE = 0.03
AE_KINDS = (
    ("Infusion-site bruising", "mild", None, "definite"),
    ("Headache", "mild", None, "possible"),
    ("Low-grade fever", "mild", None, "probable"),
    ("Urinary tract infection", "moderate", None, "unrelated"),
    ("Fall with wrist fracture", "severe", "criterion_hospitalisation", "unrelated"),
    ("Community-acquired pneumonia", "severe", "criterion_hospitalisation", "unlikely"),
)
LAST_VISIT_DAYS_AGO = 2  # keeps every fictional entry time safely in the past


# --- tables -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A table the generator writes: model label and columns (attnames) in row order."""

    model: str
    columns: tuple[str, ...]
    json_columns: tuple[str, ...] = ()

    @property
    def db_table(self) -> str:
        return apps.get_model(self.model)._meta.db_table


STAMPS = ("created_at", "modified_at")
TABLES = {
    "patient": Table("registry.Patient", (
        "id", "study_id", "site_id", "mrn", "given_name", "family_name", "date_of_birth",
        "sex", "ethnicity", "race", "enrolled_on", "status", *STAMPS)),
    "condition": Table("registry.PatientCondition", (
        "id", "patient_id", "condition_id", "onset_date", "notes", *STAMPS)),
    "visit": Table("registry.Visit", (
        "id", "patient_id", "date", "kind", "weight_kg", "height_cm", "notes", *STAMPS)),
    "enrollment": Table("registry.Enrollment", (
        "id", "patient_id", "study_id", "arm_id", "enrolled_on", *STAMPS)),
    "intervention": Table("registry.Intervention", (
        "id", "patient_id", "enrollment_id", "kind", "product", "description", "dose",
        "dose_unit", "route", "start_date", "end_date", "volume_ml", "rate_ml_min", "notes",
        *STAMPS)),
    "adverse_event": Table("registry.AdverseEvent", (
        "id", "patient_id", "onset_date", "resolved_on", "description", "severity",
        "serious", "criterion_death", "criterion_life_threatening",
        "criterion_hospitalisation", "criterion_disability", "criterion_other_important",
        "relatedness", "action_taken", "outcome", "notes", *STAMPS)),
    "assessment": Table("assessments.Assessment", (
        "id", "visit_id", "instrument", "version", "inputs", "context", "score", "max_score",
        "category", "label", "components", "missing", "flags", "derived", *STAMPS),
        json_columns=("inputs", "context", "components", "missing", "flags", "derived")),
    "lab_result": Table("biomarkers.LabResult", (
        "id", "patient_id", "visit_id", "analyte_id", "value", "unit", "comparator",
        "reported_value", "reported_unit", "loinc", "collected_at", "resulted_at", "status",
        "reference_range", "interpretation", "method", "device", "specimen", "flags",
        "source_id", "external_id", "external_id_system", *STAMPS),
        json_columns=("flags",)),
}  # fmt: skip


# --- plans: what a batch will contain, before ids are known ------------------------------


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


def prepare(*, seed: int, sites: int, as_of: dt.date | None = None) -> Context:
    """Create (or reuse) the synthetic sites, the study with its arms, the lab source."""
    site_ids = [_site(n) for n in range(1, sites + 1)]
    study = _study()
    arm_ids = [_arm(study, *arm[:4]) for arm in ARMS]
    return Context(
        seed=seed,
        as_of=as_of or timezone.localdate(),
        site_ids=site_ids,
        alt_unit_sites=set(site_ids[1::3]),
        study_id=study.pk,
        arm_ids=arm_ids,
        condition_ids=dict(Condition.objects.values_list("code", "pk")),
        source_id=lab_source_for_file(name=SOURCE_NAME, owner=None).pk,
    )


def _site(n: int) -> int:
    site, _ = Site.objects.get_or_create(
        code=f"{SITE_PREFIX}{n:02d}", defaults={"name": f"Synthetic site {n}"}
    )
    return site.pk


def _study() -> Study:
    study, created = Study.objects.get_or_create(
        code=STUDY_CODE,
        defaults={
            "name": "Allogeneic MSCs in frailty — dose finding (synthetic)",
            "blinded": True,
            "description": "Synthetic data from manage.py generate_cohort: one infusion of "
                           "placebo or 20, 100 or 200 million cells.",
        },
    )
    if created:
        Timepoint.objects.bulk_create(
            Timepoint(study=study, code=w.code, name=w.name, target_day=w.target_day,
                      window_before=w.before, window_after=w.after)
            for w in DEFAULT_SCHEDULE
        )  # fmt: skip
    return study


def _arm(study: Study, code: str, name: str, dose, placebo: bool) -> int:
    arm, _ = Arm.objects.get_or_create(
        study=study, code=code,
        defaults={"name": name, "dose": dose, "placebo": placebo,
                  "dose_unit": "million cells" if dose is not None else ""},
    )  # fmt: skip
    return arm.pk


def latent_frailty(*, age: float, female: bool, propensity: float, years: float,
                   effect: float = 0.0) -> float:
    """0 (robust) … 1 (very frail): logistic in age, sex, follow-up and the patient.

    Calibrated on 6,000 simulated baselines (Fried): frail 3.9 % at 65–74, 12 % at
    75–84, 28.5 % at 85+, 8.6 % overall (women 9.7 %, men 7.1 %), pre-frail 43 % (DESIGN.md:
    7–12 %, ~4 % → 25 %, pre-frail 35–50 %). `effect` is the arm's invented benefit.
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


def _plan_patient(rng: random.Random, ctx: Context) -> PatientPlan:
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


# --- instrument inputs -------------------------------------------------------------------


def _clip(value: float, low: float, high: float, places: int = 1) -> float:
    return round(min(max(value, low), high), places)


def instrument_inputs(rng: random.Random, f: float, female: bool, age: float) -> dict:
    """Inputs of the six instruments at one visit, from one set of physical measures.

    Gait speed, grip and activity are drawn once so that Fried, SPPB, gait speed and
    grip agree with each other the way they do in one patient on one day.
    """
    speed = max(0.15, 1.30 - 1.0 * f + rng.gauss(0, 0.1))  # usual pace, m/s
    grip_mean = (23 if female else 38) * (1 - 0.45 * f) * (1 - 0.008 * (age - 70))
    trials = [_clip(rng.gauss(grip_mean, 2), 2, 90) for _ in range(3)]
    return {
        "fried": _fried(rng, f, speed, max(trials)),
        "cfs": {"level": int(_clip(1.5 + 6.5 * f + rng.gauss(0, 0.7), 1, 8, 0))},
        "sppb": _sppb(rng, f, speed),
        "gait_speed": {"distance_m": 4, "time_s": _clip(4 / speed * rng.gauss(1, 0.03), 1, 60, 2)},
        "grip_strength": {"trials_kg": trials, "hand": "right"},
        "six_minute_walk": {
            "distance_m": int(_clip(470 - 330 * f + 35 * (not female) + rng.gauss(0, 40), 30, 800))
        },
    }  # fmt: skip


def _fried(rng: random.Random, f: float, speed: float, grip: float) -> dict:
    walk = 4.572 / (speed * rng.gauss(1, 0.04))
    kcal = math.exp(rng.gauss(math.log(1300 * (1 - 0.85 * f) + 40), 0.6))
    return {
        "grip_kg": grip,
        "walk_15ft_s": "unable" if speed < 0.25 else _clip(walk, 1, 120),
        "kcal_per_week": int(min(kcal, 20000)),
        "cesd_effort": rng.randint(2, 3) if rng.random() < 0.04 + 0.55 * f else rng.randint(0, 1),
        "cesd_going": rng.randint(0, 1),
        "weight_loss_10lb": rng.random() < 0.03 + 0.35 * f,
    }  # fmt: skip


def _sppb(rng: random.Random, f: float, speed: float) -> dict:
    chair = 9 + 14 * f + rng.gauss(0, 1.5)
    unable_chair = f > 0.85 and rng.random() < 0.5
    return {
        "side_by_side_s": 10 if rng.random() > 0.5 * f * f else _clip(rng.uniform(2, 9.9), 0, 10),
        "semi_tandem_s": 10 if rng.random() > f else _clip(rng.uniform(1, 9.9), 0, 10),
        "tandem_s": _clip(12 - 14 * f + rng.gauss(0, 2), 0, 10),
        "gait_course_m": 4,
        "gait_trial1_s": _clip(4 / (speed * rng.gauss(1, 0.04)), 1, 120, 2),
        "gait_trial2_s": _clip(4 / (speed * rng.gauss(1, 0.04)), 1, 120, 2),
        "chair_single_without_arms": rng.random() > f**3,
        "chair_5_s": "unable" if unable_chair else _clip(chair, 6, 59, 2),
    }  # fmt: skip


def _plain(value: Decimal) -> int | float:
    """As assessments.services stores context numbers: Decimal → int or float."""
    return int(value) if value == value.to_integral_value() else float(value)


class Scorer:
    """Scores inputs with the real modules and keeps the stored fields as JSON text.

    Results of instruments with few distinct inputs (CFS: 8 levels; gait speed: one
    time) are memoised, which is exact because scoring is a pure function.
    """

    MEMO = {"cfs", "gait_speed"}

    def __init__(self) -> None:
        self.instruments = {code: scoring.get(code) for code in INSTRUMENT_SHARE}
        self.wanted = {c: {f.name for f in i.fields} for c, i in self.instruments.items()}
        self.memo: dict = {}
        self.seconds = 0.0
        self.scored = 0

    def context(self, code: str, inputs: dict, *, sex, age, visit: VisitPlan) -> dict:
        """assessments.services.assessment_context, from plain values."""
        weight = _plain(visit.weight)
        known = {"sex": sex, "age_years": age, "height_cm": _plain(visit.height),
                 "weight_kg": weight, "weight_now_kg": weight}  # fmt: skip
        wanted = self.wanted[code]
        return {k: v for k, v in known.items() if k in wanted and k not in inputs}

    def fields(self, code: str, inputs: dict, context: dict) -> tuple:
        """(version, score, max_score, category, label, components, missing, flags, derived)."""
        key = (code, tuple(inputs.items())) if code in self.MEMO else None
        if key is not None and key in self.memo:
            return self.memo[key]
        start = time.perf_counter()
        result = self.instruments[code].score({**inputs, **context}).as_dict()
        self.seconds += time.perf_counter() - start
        self.scored += 1
        row = stored_fields(result)
        if key is not None:
            self.memo[key] = row
        return row


CORE = ("score", "max_score", "category", "label", "components", "missing", "flags")


def stored_fields(result: dict) -> tuple:
    """The Assessment columns of a scoring result, as assessments.services stores them."""
    derived = {k: v for k, v in result.items() if k not in (*CORE, "version", "instrument")}
    return (
        result["version"], result["score"], result["max_score"], result["category"] or "",
        result["label"] or "", json.dumps(result["components"]), json.dumps(result["missing"]),
        json.dumps(result["flags"]), json.dumps(derived),
    )


# --- the batch ----------------------------------------------------------------------------


Allocate = Callable[[str, int], Sequence[int]]


class Batch:
    """Rows of every table for one batch of patients, with ids from `allocate`."""

    def __init__(self, ctx: Context, number: int, size: int, scorer: Scorer) -> None:
        self.ctx, self.scorer = ctx, scorer
        self.rng = random.Random(f"{ctx.seed}-{number}")  # noqa: S311 - synthetic data
        self.plans = [_plan_patient(self.rng, ctx) for _ in range(size)]
        self.rows: dict[str, list[tuple]] = defaultdict(list)
        self.tz = timezone.get_current_timezone()

    def build(self, allocate: Allocate) -> dict[str, list[tuple]]:
        for plan, pid in zip(self.plans, allocate("patient", len(self.plans)), strict=True):
            plan.id = pid
        visits = [v for p in self.plans for v in p.visits]
        for visit, vid in zip(visits, allocate("visit", len(visits)), strict=True):
            visit.id = vid
        for plan in self.plans:
            self._patient_rows(plan)
        self._study_rows(allocate)
        self._assign_ids(allocate)
        return self.rows

    def stamp(self, day: dt.date, hour: int = 17) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=self.tz)

    def _patient_rows(self, plan: PatientPlan) -> None:
        rng, stamp = self.rng, self.stamp(plan.enrolled_on, 9)
        given = rng.choice(GIVEN[plan.sex])
        self.rows["patient"].append((
            plan.id, study_id_for(plan.id), plan.site_id, f"S{plan.id:08d}", given,
            rng.choice(FAMILY), plan.date_of_birth, plan.sex, _ethnicity(rng), _race(rng),
            plan.enrolled_on, "active", stamp, stamp,
        ))  # fmt: skip
        self._conditions(plan, stamp)
        for visit in plan.visits:
            self._visit_rows(plan, visit)

    def _conditions(self, plan: PatientPlan, stamp: dt.datetime) -> None:
        f = plan.visits[0].frailty
        for code, share in CONDITION_PREVALENCE.items():
            if code in self.ctx.condition_ids and self.rng.random() < share * (0.7 + 1.2 * f):
                onset = None
                if self.rng.random() < 0.7:
                    onset = plan.enrolled_on - dt.timedelta(days=self.rng.randint(60, 7300))
                self.rows["condition"].append(
                    (None, plan.id, self.ctx.condition_ids[code], onset, "", stamp, stamp)
                )

    def _visit_rows(self, plan: PatientPlan, visit: VisitPlan) -> None:
        stamp = self.stamp(visit.date)
        self.rows["visit"].append((
            visit.id, plan.id, visit.date, visit.kind, visit.weight, visit.height, "",
            stamp, stamp,
        ))  # fmt: skip
        self._assessments(plan, visit, stamp)
        in_study = visit.timepoint is not None
        if self.rng.random() < (1.0 if in_study else 0.85):
            self._panel(plan, visit)

    def _assessments(self, plan: PatientPlan, visit: VisitPlan, stamp: dt.datetime) -> None:
        female = plan.sex == "female"
        age = age_on(plan.date_of_birth, visit.date)
        inputs = instrument_inputs(self.rng, visit.frailty, female, age)
        for code, share in INSTRUMENT_SHARE.items():
            if visit.timepoint is None and self.rng.random() >= share:
                continue
            context = self.scorer.context(code, inputs[code], sex=plan.sex, age=age, visit=visit)
            fields = self.scorer.fields(code, inputs[code], context)
            self.rows["assessment"].append((
                None, visit.id, code, fields[0], json.dumps(inputs[code]), json.dumps(context),
                *fields[1:], stamp, stamp,
            ))  # fmt: skip

    def _panel(self, plan: PatientPlan, visit: VisitPlan) -> None:
        rng = self.rng
        collected = self.stamp(visit.date, 8) + dt.timedelta(minutes=rng.randint(0, 120))
        resulted = collected + dt.timedelta(hours=rng.randint(3, 20))
        age = age_on(plan.date_of_birth, visit.date)
        treated = plan.anchor is not None and visit.date > plan.anchor
        benefit = ARMS[plan.arm][4] if treated else 0.0
        for marker in MARKERS:
            if marker.code in ("FIB", "DDIMER_FEU") and rng.random() < 0.1:
                continue  # citrate tube not drawn
            value = _draw(rng, marker, age, visit.frailty, plan.propensity, benefit)
            self._lab_row(plan, visit, marker, value, collected, resulted, age)

    def _lab_row(self, plan, visit, marker: Marker, value, collected, resulted, age) -> None:
        comparator, canonical, reported, unit = _reported(marker, value, plan.lab_site)
        analyte = _ANALYTES[marker.code]
        status = "preliminary" if self.rng.random() < PRELIMINARY_SHARE else "final"
        flags = _flags_json(analyte, canonical, comparator, age, status)
        self.rows["lab_result"].append((
            None, plan.id, visit.id, marker.code, canonical, analyte.canonical_unit, comparator,
            reported, unit, analyte.primary_loinc, collected, resulted, status, "", "", "", "",
            marker.specimen, flags, self.ctx.source_id, None, EXTERNAL_ID_SYSTEM,
            resulted, resulted,
        ))  # fmt: skip

    def _study_rows(self, allocate: Allocate) -> None:
        enrolled = [p for p in self.plans if p.arm is not None]
        for plan, eid in zip(enrolled, allocate("enrollment", len(enrolled)), strict=True):
            stamp = self.stamp(plan.anchor, 10)
            arm_id = self.ctx.arm_ids[plan.arm]
            dose = ARMS[plan.arm][2]
            self.rows["enrollment"].append(
                (eid, plan.id, self.ctx.study_id, arm_id, plan.anchor, stamp, stamp)
            )
            self.rows["intervention"].append((
                None, plan.id, eid, "cell_therapy_infusion",
                "Allogeneic bone-marrow MSC or placebo (blinded)", "",
                None if dose is None else Decimal(dose), "" if dose is None else "million cells",
                "intravenous", plan.anchor, plan.anchor, Decimal(80), Decimal(2), "", stamp, stamp,
            ))  # fmt: skip
            if self.rng.random() < AE_SHARE:
                self._adverse_event(plan)

    def _adverse_event(self, plan: PatientPlan) -> None:
        description, severity, criterion, relatedness = self.rng.choice(AE_KINDS)
        onset = plan.anchor + dt.timedelta(days=self.rng.randint(-3, 200))
        onset = min(onset, self.ctx.as_of - dt.timedelta(days=LAST_VISIT_DAYS_AGO))
        resolved = onset + dt.timedelta(days=self.rng.randint(2, 20))
        stamp = self.stamp(min(resolved, self.ctx.as_of - dt.timedelta(days=1)), 12)
        criteria = [c == criterion for c in (
            "criterion_death", "criterion_life_threatening", "criterion_hospitalisation",
            "criterion_disability", "criterion_other_important")]  # fmt: skip
        self.rows["adverse_event"].append((
            None, plan.id, onset, resolved, description, severity, criterion is not None,
            *criteria, relatedness, "treated" if criterion else "none", "recovered", "",
            stamp, stamp,
        ))  # fmt: skip

    def _assign_ids(self, allocate: Allocate) -> None:
        """Ids for the rows nothing else points at (still from the tables' sequences)."""
        for name in ("condition", "intervention", "adverse_event", "assessment", "lab_result"):
            rows = self.rows[name]
            ids = allocate(name, len(rows))
            if name == "lab_result":
                self.rows[name] = [
                    (i, *r[1:20], f"SYN-{i}", *r[21:]) for i, r in zip(ids, rows, strict=True)
                ]
            else:
                self.rows[name] = [(i, *r[1:]) for i, r in zip(ids, rows, strict=True)]


def _ethnicity(rng: random.Random) -> str:
    r = rng.random()
    return "hispanic_or_latino" if r < 0.08 else "unknown" if r < 0.15 else "not_hispanic_or_latino"


RACES = (("white", 0.78), ("black_or_african_american", 0.09), ("asian", 0.06),
         ("more_than_one", 0.02), ("unknown", 0.05))  # fmt: skip


def _race(rng: random.Random) -> str:
    r = rng.random()
    for code, share in RACES:
        if r < share:
            return code
        r -= share
    return "unknown"


def _draw(rng, marker: Marker, age: int, f: float, propensity: float, benefit: float) -> float:
    if marker.code == "CRP" and rng.random() < ACUTE_SHARE:
        return rng.uniform(10, 80)  # acute infection: biomarkers.md §3, ≥ 10 mg/L
    log_mean = (
        math.log(marker.median) + (age - 75) * math.log1p(marker.rise_per_year)
        + marker.frailty_log_rise * f + 0.2 * propensity
    )
    if marker.code in ("IL6", "TNFA"):
        log_mean -= 0.5 * benefit  # the invented anti-inflammatory effect of the cells
    return math.exp(rng.gauss(log_mean, marker.log_sd))


def _reported(marker: Marker, value: float, alt_site: bool) -> tuple:
    """(comparator, canonical Decimal, reported value text, reported unit)."""
    analyte = _ANALYTES[marker.code]
    unit, factor, places = (analyte.canonical_unit, Decimal(1), marker.places)
    if alt_site and marker.code in ALT_UNITS:
        unit, factor, places = ALT_UNITS[marker.code]
    comparator = ""
    if marker.lod is not None and value < marker.lod:
        comparator, value = "<", marker.lod
    reported = Decimal(str(round(value / float(factor), places)))
    if reported <= 0:
        reported = Decimal(1).scaleb(-places)
    canonical = units.to_canonical(analyte, reported, unit)
    return comparator, canonical, f"{comparator}{reported}", unit


_FLAG_JSON: dict[tuple, str] = {}
_ANALYTES = {marker.code: catalogue.analyte_by_code(marker.code) for marker in MARKERS}


def _flags_json(analyte, canonical: Decimal, comparator: str, age: int, status: str) -> str:
    found = units.flags_for(analyte, canonical, comparator=comparator or None, age_years=age)
    key = (found, status)
    if key not in _FLAG_JSON:
        flags = [flag.as_dict() for flag in found]
        if status == "preliminary":
            flags.append(PRELIMINARY_FLAG)
        _FLAG_JSON[key] = json.dumps(flags)
    return _FLAG_JSON[key]


# --- writers ------------------------------------------------------------------------------


class Timings:
    """Rows and seconds per table, and per phase (plan+score, snapshots)."""

    def __init__(self) -> None:
        self.rows: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)

    def add(self, name: str, rows: int, seconds: float) -> None:
        self.rows[name] += rows
        self.seconds[name] += seconds


class CopyWriter:
    """PostgreSQL: ids from each table's sequence, rows through COPY FROM STDIN."""

    def __init__(self, timings: Timings) -> None:
        self.timings = timings
        self.sequences: dict[str, str] = {}

    def allocate(self, name: str, n: int) -> Sequence[int]:
        if n == 0:
            return []
        sequence = self.sequences.get(name)
        with connection.cursor() as cursor:
            if sequence is None:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLES[name].db_table])
                sequence = self.sequences[name] = cursor.fetchone()[0]
            # Many nextval calls in one statement: safe beside concurrent inserts (each
            # value is ours alone), and one round trip per table and batch.
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, n])
            return [r[0] for r in cursor.fetchall()]

    def write(self, name: str, rows: list[tuple]) -> None:
        table = TABLES[name]
        start = time.perf_counter()
        sql = f"COPY {table.db_table} ({', '.join(table.columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        self.timings.add(name, len(rows), time.perf_counter() - start)


class OrmWriter:
    """Other databases (SQLite in development and tests): bulk_create with explicit ids.

    Ids continue from the table's current maximum; single-writer only, which is what
    a development database is.
    """

    def __init__(self, timings: Timings) -> None:
        self.timings = timings
        self.next_id: dict[str, int] = {}

    def allocate(self, name: str, n: int) -> Sequence[int]:
        if name not in self.next_id:
            model = apps.get_model(TABLES[name].model)
            top = model.objects.order_by("-pk").values_list("pk", flat=True).first()
            self.next_id[name] = (top or 0) + 1
        first = self.next_id[name]
        self.next_id[name] += n
        return range(first, first + n)

    def write(self, name: str, rows: list[tuple]) -> None:
        table = TABLES[name]
        model = apps.get_model(table.model)
        start = time.perf_counter()
        objs = [model(**self._values(table, row)) for row in rows]
        # auto_now/auto_now_add would overwrite the fictional entry times: bypass them.
        for obj, row in zip(objs, rows, strict=True):
            obj.created_at, obj.modified_at = row[-2], row[-1]
        with _no_auto_now(model):
            model.objects.bulk_create(objs, batch_size=500)
        self.timings.add(name, len(rows), time.perf_counter() - start)

    @staticmethod
    def _values(table: Table, row: tuple) -> dict:
        values = dict(zip(table.columns, row, strict=True))
        for name in table.json_columns:
            values[name] = json.loads(values[name])
        return values


class _no_auto_now:
    """Switch auto_now/auto_now_add off for one bulk_create (restored afterwards)."""

    def __init__(self, model) -> None:
        self.fields = [f for f in model._meta.concrete_fields if f.name in STAMPS]
        self.saved = [(f.auto_now, f.auto_now_add) for f in self.fields]

    def __enter__(self):
        for f in self.fields:
            f.auto_now = f.auto_now_add = False

    def __exit__(self, *exc):
        for f, (now, add) in zip(self.fields, self.saved, strict=True):
            f.auto_now, f.auto_now_add = now, add


WRITE_ORDER = ("patient", "condition", "visit", "enrollment", "intervention",
               "adverse_event", "assessment", "lab_result")  # fmt: skip
# Tables whose planner statistics matter to the snapshot rebuild that follows the load.
ANALYZE_AFTER = ("patient", "visit", "enrollment", "intervention", "assessment", "lab_result")


@dataclass
class Report:
    """What a run produced: patient ids and timings per table and phase."""

    patient_ids: list[int] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)
    scored: int = 0
    scoring_seconds: float = 0.0

    def merge(self, other: Report) -> None:
        self.patient_ids += other.patient_ids
        for name, seconds in other.timings.seconds.items():
            self.timings.add(name, other.timings.rows[name], seconds)
        self.scored += other.scored
        self.scoring_seconds += other.scoring_seconds


_SCORER: Scorer | None = None  # one per process: its memo outlives the batch


def _run_batch(job: tuple[Context, int, int]) -> Report:
    """Plan, score and write one batch in its own transaction (in any process)."""
    global _SCORER  # a per-process cache (memo), never shared between processes
    ctx, number, size = job
    scorer = _SCORER = _SCORER or Scorer()
    scored, scoring_seconds = scorer.scored, scorer.seconds
    report = Report()
    writer = CopyWriter(report.timings) if connection.vendor == "postgresql" else OrmWriter(
        report.timings
    )
    with transaction.atomic():
        planned = time.perf_counter()
        rows = Batch(ctx, number, size, scorer).build(writer.allocate)
        report.timings.add("(plan, draw, score)", 0, time.perf_counter() - planned)
        for name in WRITE_ORDER:
            writer.write(name, rows[name])
    report.patient_ids = [r[0] for r in rows["patient"]]
    report.scored = scorer.scored - scored
    report.scoring_seconds = scorer.seconds - scoring_seconds
    return report


def _parallel(jobs: int) -> bool:
    # Worker processes each hold their own connection; on SQLite (one writer) and inside
    # a caller's transaction (tests) everything stays in this process.
    return jobs > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block


def _map(function, items: list, jobs: int):
    """Map in `jobs` forked processes (PostgreSQL), or here; results in any order."""
    if not _parallel(jobs):
        yield from map(function, items)
        return
    connections.close_all()  # a forked child must not share the parent's socket
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        yield from pool.imap_unordered(function, items)


def generate(*, ctx: Context, patients: int, batch: int, jobs: int = 1,
             progress: Callable[[int, int], None] | None = None) -> Report:
    """Write `patients` synthetic patients in batches; one transaction per batch."""
    work = [(ctx, number, min(batch, patients - first))
            for number, first in enumerate(range(0, patients, batch))]  # fmt: skip
    report = Report()
    for part in _map(_run_batch, work, jobs):
        report.merge(part)
        if progress:
            progress(len(report.patient_ids), patients)
    return report


def _refresh_chunk(patient_ids: list[int]) -> int:
    return snapshots_refresh(patient_ids=patient_ids)


def refresh_snapshots(report: Report, *, jobs: int = 1, chunk: int = 5000) -> int:
    """Rebuild the new patients' snapshots (after ANALYZE, in `jobs` processes)."""
    if connection.vendor == "postgresql":
        # Right after a bulk load the planner still believes the tables are nearly
        # empty and picks nested loops: measured 65 s instead of 13 s for 10,000
        # patients before this ANALYZE.
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for name in ANALYZE_AFTER:
                cursor.execute(f"ANALYZE {TABLES[name].db_table}")
        report.timings.add("(analyze)", 0, time.perf_counter() - start)
    ids = sorted(report.patient_ids)
    chunks = [ids[i:i + chunk] for i in range(0, len(ids), chunk)]
    start = time.perf_counter()
    written = sum(_map(_refresh_chunk, chunks, jobs))
    report.timings.add("longitudinal_patientsnapshot", written, time.perf_counter() - start)
    return written
