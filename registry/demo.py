"""Registry part of the demo cohort: 3 sites, the demo logins, ~200 patients with
conditions and visits. Called by `manage.py seed_demo` (longitudinal app)."""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from registry import services
from registry.models import Condition, Patient, Role, Site, StaffProfile, VisitKind

DEMO_PASSWORD = "frailty-demo"  # noqa: S105 - documented demo login, refused outside DEBUG
SITES = [
    ("A", "Site A — Northgate General Hospital"),
    ("B", "Site B — Riverside Geriatric Clinic"),
    ("C", "Site C — St Hilda's Community Hospital"),
]
USERS = [
    ("clinician.a", "Alice", "Clinician", Role.CLINICIAN, ["A"]),
    ("clinician.b", "Bob", "Clinician", Role.CLINICIAN, ["B"]),
    ("coordinator", "Cora", "Coordinator", Role.COORDINATOR, ["A", "B", "C"]),
    ("admin", "Ada", "Administrator", Role.ADMINISTRATOR, ["A", "B", "C"]),
]
GIVEN = {
    "female": ["Margaret", "Joan", "Dorothy", "Patricia", "Helen", "Ruth", "Irene",
               "Eileen", "Mary", "Barbara", "Jean", "Shirley", "Maureen", "Rosa", "Aiko"],
    "male": ["John", "Robert", "William", "George", "Harold", "Kenneth", "Frank",
             "Arthur", "Raymond", "Walter", "James", "Donald", "Samuel", "Luis", "Kofi"],
}
FAMILY = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
          "Patel", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts",
          "Green", "Hall", "Wood", "Okafor", "Nguyen", "Garcia", "Kowalski", "Murphy"]
# Approximate prevalence in adults over 65 (used only to make the demo look plausible).
CONDITION_PREVALENCE = {
    "hypertension": 0.6, "arthritis": 0.45, "diabetes": 0.25, "heart_attack": 0.1,
    "congestive_heart_failure": 0.08, "angina": 0.08, "chronic_lung_disease": 0.1,
    "asthma": 0.07, "cancer": 0.12, "stroke": 0.07, "kidney_disease": 0.15,
    "osteoporosis": 0.2, "atrial_fibrillation": 0.1, "depression": 0.12,
    "cognitive_impairment": 0.1, "copd": 0.09, "peripheral_vascular_disease": 0.05,
}
PATIENTS_PER_SITE = 67


def seed(*, patients_per_site: int = PATIENTS_PER_SITE) -> dict:
    """Sites, the demo logins and patients with conditions and visits (idempotent)."""
    sites = {code: _site(code, name) for code, name in SITES}
    users = {u[0]: _user(*u, sites) for u in USERS}
    created = _patients(sites, users["admin"], patients_per_site)
    return {"sites": sites, "users": users, "created": created}


def demo_logins() -> list[str]:
    return [
        f"  {username:<12} {role.label:<18} sites {', '.join(codes)}"
        for username, _, _, role, codes in USERS
    ]


def _site(code, name) -> Site:
    site, _ = Site.objects.update_or_create(code=code, defaults={"name": name})
    return site


def _user(username, first, last, role, site_codes, sites):
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.first_name, user.last_name = first, last
    user.email = f"{username}@example.org"
    user.is_staff = user.is_superuser = role == Role.ADMINISTRATOR
    user.set_password(DEMO_PASSWORD)
    user.save()
    profile, _ = StaffProfile.objects.update_or_create(user=user, defaults={"role": role})
    profile.sites.set([sites[c] for c in site_codes])
    return user


def _patients(sites, actor, per_site) -> int:
    rng = random.Random(20261125)  # same cohort on every machine
    conditions = {c.code: c for c in Condition.objects.all()}
    today = timezone.localdate()
    created = 0
    for code, site in sites.items():
        for n in range(per_site):
            spec = _patient_spec(rng, code, n, today)
            if Patient.objects.filter(site=site, mrn=spec["mrn"]).exists():
                continue
            patient = services.patient_create(actor=actor, site=site, **spec)
            _conditions(rng, actor, patient, conditions)
            _visits(rng, actor, patient, today)
            created += 1
    return created


def _conditions(rng, actor, patient, conditions):
    for code, p in CONDITION_PREVALENCE.items():
        if rng.random() < p:
            onset = patient.date_of_birth + dt.timedelta(days=rng.randint(50, 75) * 365)
            services.patient_condition_add(
                actor=actor, patient=patient, condition=conditions[code],
                onset_date=min(onset, patient.enrolled_on),
            )


def _visits(rng, actor, patient, today):
    female = patient.sex == "female"
    height = Decimal(str(round(rng.gauss(160 if female else 173, 7), 1)))
    weight = Decimal(str(round(rng.gauss(66 if female else 79, 11), 1)))
    day = patient.enrolled_on
    kind = VisitKind.BASELINE
    while day <= today:
        services.visit_create(
            actor=actor, patient=patient, date=day, kind=kind,
            height_cm=min(max(height, Decimal(130)), Decimal(205)),
            weight_kg=min(max(weight, Decimal(38)), Decimal(160)),
        )
        kind = VisitKind.FOLLOW_UP
        weight += Decimal(str(round(rng.gauss(-0.4, 1.5), 1)))
        day += dt.timedelta(days=rng.choice([90, 91, 92, 180, 182]))


def _patient_spec(rng, site_code, n, today) -> dict:
    sex = "female" if rng.random() < 0.57 else "male"
    age = min(int(65 + rng.expovariate(1 / 10)), 99)
    enrolled = today - dt.timedelta(days=rng.randint(30, 720))
    birth = enrolled - dt.timedelta(days=age * 365 + rng.randint(0, 364))
    return {
        "mrn": f"{site_code}{100000 + n}",
        "given_name": rng.choice(GIVEN[sex]),
        "family_name": rng.choice(FAMILY),
        "date_of_birth": birth,
        "sex": sex,
        "ethnicity": rng.choice(["not_hispanic_or_latino"] * 8 + ["hispanic_or_latino", ""]),
        "race": rng.choice(["white"] * 6 + ["black_or_african_american"] * 2 + ["asian", ""]),
        "enrolled_on": enrolled,
        "status": rng.choice(["active"] * 17 + ["withdrawn", "deceased", "lost_to_follow_up"]),
    }
