"""What is measured at a synthetic visit: instrument inputs and biomarker values.

Instrument inputs come from one set of physical measures per visit and are scored by the
real scoring modules; biomarkers are log-normal, rising with age and frailty.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import time
from dataclasses import dataclass
from decimal import Decimal

from assessments import records, scoring
from biomarkers import catalogue, units
from biomarkers.services import PRELIMINARY_FLAG
from synthetic.timeline import VisitPlan

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


# Medians near published older-adult values: IL-6 rising from about 1.8 to 3.5 pg/mL with
# age, TNF-α around 1.5 pg/mL in frailty, fibrinogen 150–450 mg/dL, D-dimer around the
# 500 ng/mL FEU cut-off.
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


class Scorer:
    """Builds each assessment's stored fields with `assessments.records`, the functions
    `assessments.services` stores with, and keeps the JSON columns as JSON text.

    Results of instruments with few distinct inputs (CFS: 8 levels; gait speed: one
    time) are memoised, which is exact because scoring is a pure function.
    """

    MEMO = {"cfs", "gait_speed"}

    def __init__(self) -> None:
        self.instruments = {code: scoring.get(code) for code in INSTRUMENT_SHARE}
        self.memo: dict = {}
        self.seconds = 0.0
        self.scored = 0

    @staticmethod
    def facts(*, sex: str, date_of_birth: dt.date, visit: VisitPlan) -> dict:
        """What the registry knows at the visit (once per visit, for every instrument)."""
        return records.visit_facts(
            sex=sex, date_of_birth=date_of_birth, date=visit.date,
            height_cm=visit.height, weight_kg=visit.weight,
        )

    def context(self, code: str, inputs: dict, facts: dict) -> dict:
        return records.assessment_context(
            instrument=self.instruments[code], inputs=inputs, facts=facts
        )

    def fields(self, code: str, inputs: dict, context: dict) -> tuple:
        """(version, score, max_score, category, label, components, missing, flags, derived)."""
        key = None
        if code in self.MEMO:
            key = (code, tuple(inputs.items()), tuple(context.items()))
            if key in self.memo:
                return self.memo[key]
        start = time.perf_counter()
        fields = records.assessment_stored_fields(
            instrument=self.instruments[code], inputs=inputs, context=context
        )
        self.seconds += time.perf_counter() - start
        self.scored += 1
        # In the order of the assessment table's columns (synthetic.writers.TABLES).
        row = (
            fields["version"], fields["score"], fields["max_score"], fields["category"],
            fields["label"], json.dumps(fields["components"]), json.dumps(fields["missing"]),
            json.dumps(fields["flags"]), json.dumps(fields["derived"]),
        )  # fmt: skip
        if key is not None:
            self.memo[key] = row
        return row


def draw_marker(rng, marker: Marker, age: int, f: float, propensity: float,
                benefit: float) -> float:
    """One value in the canonical unit, log-normal; a few CRP samples are acute."""
    if marker.code == "CRP" and rng.random() < ACUTE_SHARE:
        return rng.uniform(10, 80)  # acute infection: CRP 10 mg/L or more
    log_mean = (
        math.log(marker.median) + (age - 75) * math.log1p(marker.rise_per_year)
        + marker.frailty_log_rise * f + 0.2 * propensity
    )
    if marker.code in ("IL6", "TNFA"):
        log_mean -= 0.5 * benefit  # the invented anti-inflammatory effect of the cells
    return math.exp(rng.gauss(log_mean, marker.log_sd))


def reported_value(marker: Marker, value: float, alt_site: bool) -> tuple:
    """(comparator, canonical Decimal, reported value text, reported unit)."""
    analyte = ANALYTES[marker.code]
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


ANALYTES = {marker.code: catalogue.analyte_by_code(marker.code) for marker in MARKERS}
_FLAG_JSON: dict[tuple, str] = {}  # (flags found, status) -> JSON text, per process


def flags_json(analyte, canonical: Decimal, comparator: str, age: int, status: str) -> str:
    """The stored flags of a result, as at ingestion (threshold flags, preliminary)."""
    found = units.flags_for(analyte, canonical, comparator=comparator or None, age_years=age)
    key = (found, status)
    if key not in _FLAG_JSON:
        flags = [flag.as_dict() for flag in found]
        if status == "preliminary":
            flags.append(PRELIMINARY_FLAG)
        _FLAG_JSON[key] = json.dumps(flags)
    return _FLAG_JSON[key]


