"""The rows of every table for one batch of synthetic patients."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import Decimal

from django.utils import timezone

from core.dates import age_on
from registry.services import study_id_for
from synthetic.measures import (
    ANALYTES,
    INSTRUMENT_SHARE,
    MARKERS,
    PRELIMINARY_SHARE,
    Marker,
    Scorer,
    draw_marker,
    flags_json,
    instrument_inputs,
    reported_value,
)
from synthetic.timeline import (
    ARMS,
    LAST_VISIT_DAYS_AGO,
    Context,
    PatientPlan,
    VisitPlan,
    plan_patient,
)

EXTERNAL_ID_SYSTEM = "urn:frailty-registry:synthetic"
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
AE_SHARE = 0.03
AE_KINDS = (
    ("Infusion-site bruising", "mild", None, "definite"),
    ("Headache", "mild", None, "possible"),
    ("Low-grade fever", "mild", None, "probable"),
    ("Urinary tract infection", "moderate", None, "unrelated"),
    ("Fall with wrist fracture", "severe", "criterion_hospitalisation", "unrelated"),
    ("Community-acquired pneumonia", "severe", "criterion_hospitalisation", "unlikely"),
)


Allocate = Callable[[str, int], Sequence[int]]


class Batch:
    """Rows of every table for one batch of patients, with ids from `allocate`."""

    def __init__(self, ctx: Context, number: int, size: int, scorer: Scorer) -> None:
        self.ctx, self.scorer = ctx, scorer
        self.rng = random.Random(f"{ctx.seed}-{number}")  # noqa: S311 - synthetic data
        self.plans = [plan_patient(self.rng, ctx) for _ in range(size)]
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
        facts = self.scorer.facts(sex=plan.sex, date_of_birth=plan.date_of_birth, visit=visit)
        for code, share in INSTRUMENT_SHARE.items():
            if visit.timepoint is None and self.rng.random() >= share:
                continue
            context = self.scorer.context(code, inputs[code], facts)
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
            value = draw_marker(rng, marker, age, visit.frailty, plan.propensity, benefit)
            self._lab_row(plan, visit, marker, value, collected, resulted, age)

    def _lab_row(self, plan, visit, marker: Marker, value, collected, resulted, age) -> None:
        comparator, canonical, reported, unit = reported_value(marker, value, plan.lab_site)
        analyte = ANALYTES[marker.code]
        status = "preliminary" if self.rng.random() < PRELIMINARY_SHARE else "final"
        flags = flags_json(analyte, canonical, comparator, age, status)
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


