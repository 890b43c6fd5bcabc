"""Demo assessments: each demo patient gets plausible repeated assessments.

A latent frailty level rises with age, is higher in women and drifts upwards over
follow-up (published prevalence: 7–12 % over 65, about 4 % at 65–74 to 25 % over 85,
higher in women). Instrument inputs are drawn from it and scored by the real scoring
modules, so the stored results are exactly what the registry would compute. Bulk
inserts keep the step fast; it is idempotent (visits that already have assessments are
left alone).
"""

import math
import random

from django.db import transaction
from django.utils import timezone

from assessments import services
from assessments.models import Assessment
from assessments.records import assessment_fields
from registry.models import Visit


def _latent(rng, age: float, female: bool, years: float) -> float:
    base = -3.1 + 0.11 * (age - 65) + 0.45 * female + rng.gauss(0, 0.5) + 0.25 * years
    return 1 / (1 + math.exp(-base))  # 0 (robust) … 1 (very frail)


def _clip(value, low, high, places=1):
    return round(min(max(value, low), high), places)


def _fried(rng, f, female):
    def present(p):
        return rng.random() < p

    p = min(0.05 + 0.75 * f, 0.95)
    grip_cut = 17 if female else 30
    return {
        "grip_kg": _clip(grip_cut + (-4 if present(p) else rng.uniform(1, 14)), 5, 60),
        "walk_15ft_s": _clip(7.6 if present(p) else rng.uniform(3.5, 5.8), 2, 30),
        "kcal_per_week": rng.randint(50, 260) if present(p) else rng.randint(400, 2500),
        "cesd_effort": 2 if present(p * 0.8) else rng.randint(0, 1),
        "cesd_going": rng.randint(0, 1),
        "weight_loss_10lb": present(p * 0.5),
    }


def _sppb(rng, f):
    return {
        "side_by_side_s": 10, "semi_tandem_s": 10 if f < 0.8 else _clip(rng.uniform(2, 9), 0, 10),
        "tandem_s": _clip(12 - 14 * f + rng.gauss(0, 2), 0, 10),
        "gait_course_m": 4,
        "gait_trial1_s": _clip(3.6 + 7 * f + rng.gauss(0, 0.6), 2.5, 30, 2),
        "chair_single_without_arms": f < 0.85,
        "chair_5_s": _clip(9 + 14 * f + rng.gauss(0, 1.5), 6, 59, 2),
    }


def _inputs(rng, f, female) -> dict[str, dict]:
    grip_mean = (26 if female else 40) * (1 - 0.5 * f)
    walk_time = 4 / max(1.3 - 1.0 * f + rng.gauss(0, 0.08), 0.25)
    return {
        "fried": _fried(rng, f, female),
        "cfs": {"level": int(_clip(1.5 + 6.5 * f + rng.gauss(0, 0.7), 1, 8, 0))},
        "sppb": _sppb(rng, f),
        "gait_speed": {"distance_m": 4, "time_s": _clip(walk_time, 1, 60, 2)},
        "grip_strength": {
            "trials_kg": [_clip(rng.gauss(grip_mean, 3), 2, 90) for _ in range(3)],
            "hand": "right",
        },
        "six_minute_walk": {"distance_m": int(_clip(520 - 380 * f + rng.gauss(0, 40), 40, 800))},
    }


def _rows(rng, actor, visit, first_date) -> list[Assessment]:
    patient = visit.patient
    age = (visit.date - patient.date_of_birth).days / 365.25
    years = (visit.date - first_date).days / 365.25
    female = patient.sex == "female"
    rows = []
    for code, inputs in _inputs(rng, _latent(rng, age - years, female, years), female).items():
        context, result = services.assessment_score(visit=visit, code=code, inputs=inputs)
        rows.append(
            Assessment(visit=visit, instrument=code, inputs=inputs, context=context,
                       entered_by=actor, **assessment_fields(result))
        )
    return rows


@transaction.atomic
def seed(*, context) -> str:
    actor = context["users"]["clinician.a"]
    rng = random.Random(4242)
    visits = (
        Visit.objects.filter(assessments__isnull=True, patient__mrn__regex=r"^[A-C]1\d{5}$")
        .select_related("patient")
        .order_by("patient_id", "date")
    )
    first_dates, rows = {}, []
    for visit in visits:
        first = first_dates.setdefault(visit.patient_id, visit.patient.enrolled_on)
        rows.extend(_rows(rng, actor, visit, first))
    created = Assessment.objects.bulk_create(rows, batch_size=500)
    Assessment.history.bulk_history_create(
        created, default_user=actor, default_date=timezone.now(),
        default_change_reason="demo data",
    )
    return f"Demo assessments: {len(created)} new."
