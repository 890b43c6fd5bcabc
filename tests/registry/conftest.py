"""Study fixtures beside the fixed cast: a blinded four-arm dose-finding study, an open
one, an unblinded coordinator, and patient_a enrolled with one infusion."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from registry.models import InterventionKind, Route
from registry.studies import services as study_services

INFUSION_DAY = dt.date(2025, 2, 1)
ARMS = [
    ("PBO", "Placebo", None, True),
    ("D20", "20 million cells", Decimal(20), False),
    ("D100", "100 million cells", Decimal(100), False),
    ("D200", "200 million cells", Decimal(200), False),
]


def grant_unblinded(user):
    user.user_permissions.add(Permission.objects.get(codename="unblinded"))
    # Django caches permissions on the user object: drop the cache.
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)
    return user


def make_study(actor, *, code="MSC-DF", blinded=True):
    study = study_services.study_create(
        actor=actor, code=code, name=f"{code} dose-finding", registration_id="NCT99999901",
        blinded=blinded,
    )
    for arm_code, name, dose, placebo in ARMS:
        study_services.arm_create(
            actor=actor, study=study, code=arm_code, name=name, dose=dose,
            dose_unit="million cells" if dose is not None else "", placebo=placebo,
        )
    return study


def infuse(actor, enrollment, day=INFUSION_DAY):
    return study_services.intervention_create(
        actor=actor, patient=enrollment.patient, enrollment=enrollment,
        kind=InterventionKind.CELL_THERAPY, product="Allogeneic MSC", dose=Decimal(100),
        dose_unit="million cells", route=Route.INTRAVENOUS, start_date=day, end_date=day,
        volume_ml=Decimal(80), rate_ml_min=Decimal(2),
    )


@pytest.fixture
def study(admin_user):
    return make_study(admin_user)


@pytest.fixture
def open_study(admin_user):
    return make_study(admin_user, code="OPEN-1", blinded=False)


@pytest.fixture
def unblinded_coordinator(coordinator):
    return grant_unblinded(coordinator)


@pytest.fixture
def arm(study):
    return study.arms.get(code="D100")


@pytest.fixture
def enrolled_a(admin_user, study, arm, patient_a):
    # Choosing an arm by hand in a blinded study needs the unblinded permission.
    return study_services.enrollment_create(
        actor=grant_unblinded(admin_user), patient=patient_a, study=study, arm=arm,
        enrolled_on=dt.date(2025, 1, 20),
    )


@pytest.fixture
def infusion_a(admin_user, enrolled_a):
    return infuse(admin_user, enrolled_a)
