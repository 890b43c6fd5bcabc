"""Demo study for `manage.py seed_demo` (run after the registry step).

A blinded dose-finding study of allogeneic MSCs in frailty, shaped like the phase I/II
MSC frailty trials (docs/studies.md): four arms (placebo, 20, 100 and 200 million
cells), about 40 demo patients enrolled from per-site allocation lists in permuted
blocks of four, one infusion each (80 mL at 2 mL/min on the study enrolment day),
follow-up visits outside every window relabelled as unscheduled, and a handful of
adverse events — some serious, one a treatment-emergent SAE within 1 month. The demo
`admin` and `coordinator` logins get the unblinded permission; the clinicians stay
blinded.

Idempotent: a study that already has enrolments is left as it is.
"""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.utils import timezone

from registry import services as registry_services
from registry.models import (
    InterventionKind,
    Patient,
    PatientStatus,
    Route,
    Study,
    VisitKind,
)
from registry.studies import selectors, services
from registry.studies.schedule import window_on

STUDY_CODE = "MSC-FRAIL-DF"
ARMS = [
    ("PBO", "Placebo", None, True),
    ("D20", "20 million cells", Decimal(20), False),
    ("D100", "100 million cells", Decimal(100), False),
    ("D200", "200 million cells", Decimal(200), False),
]
PATIENTS_PER_SITE = 14  # 3 sites: 42 patients
# (patient index, onset day after the infusion, description, serious criterion, relatedness)
EVENTS = [
    (0, 12, "Community-acquired pneumonia", "criterion_hospitalisation", "unlikely"),
    (3, 1, "Infusion-site bruising", None, "definite"),
    (5, 2, "Headache", None, "possible"),
    (8, 75, "Fall with wrist fracture", "criterion_hospitalisation", "unrelated"),
    (11, 5, "Low-grade fever", None, "probable"),
    (16, 40, "Urinary tract infection", None, "unrelated"),
    (21, 150, "Atrial fibrillation", "criterion_other_important", "unlikely"),
]


def seed(*, context) -> str:
    users = context["users"]
    admin = users["admin"]
    _grant_unblinded([admin, users["coordinator"]])
    study = Study.objects.filter(code=STUDY_CODE).first() or _study(admin)
    if study.enrollments.exists():
        return f"Demo study {STUDY_CODE}: already present ({study.enrollments.count()} enrolled)."
    patients = _patients(context["sites"])
    if not patients:
        return f"Demo study {STUDY_CODE}: no eligible demo patients."
    _allocations(admin, study, patients)
    enrollments = [_enrol(admin, study, patient) for patient in patients]
    _relabel_visits(admin, enrollments)
    events = _events(admin, enrollments)
    return (
        f"Demo study {STUDY_CODE}: {len(enrollments)} patients enrolled and infused, "
        f"{events} adverse events."
    )


def _grant_unblinded(users) -> None:
    permission = Permission.objects.get(content_type__app_label="registry", codename="unblinded")
    for user in users:
        user.user_permissions.add(permission)


def _study(actor) -> Study:
    study = services.study_create(
        actor=actor, code=STUDY_CODE,
        name="Allogeneic mesenchymal stem cells in frailty — dose finding (demo)",
        registration_id="NCT00000000",  # fictitious: this is demo data
        blinded=True,
        description="Randomised, blinded: one intravenous infusion of placebo or 20, 100 or "
                    "200 million allogeneic MSCs; safety = TE-SAEs at 1 month; efficacy at 3 "
                    "and 6 months.",
    )
    for code, name, dose, placebo in ARMS:
        services.arm_create(
            actor=actor, study=study, code=code, name=name, dose=dose, placebo=placebo,
            dose_unit="million cells" if dose is not None else "",
        )
    return study


def _patients(sites) -> list[Patient]:
    """The first active demo patients of each site, in MRN order (same on every machine)."""
    chosen = []
    for site in sites.values():
        chosen += list(
            Patient.objects.filter(site=site, status=PatientStatus.ACTIVE)
            .select_related("site")
            .order_by("mrn")[:PATIENTS_PER_SITE]
        )
    return chosen


def _allocations(actor, study, patients) -> None:
    """Per-site lists in permuted blocks of four, with a spare block for new patients."""
    rng = random.Random(20260501)  # noqa: S311 - demo data, not a real randomisation
    lines = ["site,sequence,arm"]
    per_site: dict[str, int] = {}
    for patient in patients:
        per_site[patient.site.code] = per_site.get(patient.site.code, 0) + 1
    for code, count in sorted(per_site.items()):
        arms = []
        while len(arms) < count + 4:
            block = [a[0] for a in ARMS]
            rng.shuffle(block)
            arms += block
        lines += [f"{code},{n},{arm}" for n, arm in enumerate(arms, start=1)]
    services.allocations_upload(actor=actor, study=study, text="\n".join(lines))


def _enrol(actor, study, patient):
    enrollment = services.enrollment_create(
        actor=actor, patient=patient, study=study, use_allocation=True,
        enrolled_on=patient.enrolled_on,
    )
    arm = enrollment.arm
    services.intervention_create(
        actor=actor, patient=patient, enrollment=enrollment,
        kind=InterventionKind.CELL_THERAPY,
        product="Allogeneic bone-marrow MSC or placebo (blinded)",
        dose=arm.dose, dose_unit=arm.dose_unit, route=Route.INTRAVENOUS,
        start_date=patient.enrolled_on, end_date=patient.enrolled_on,
        volume_ml=Decimal(80), rate_ml_min=Decimal(2),
    )
    return enrollment


def _relabel_visits(actor, enrollments) -> None:
    """Follow-up visits of the registry demo that miss every window become unscheduled."""
    study = enrollments[0].study
    windows = selectors.study_windows(study)
    for enrollment in enrollments:
        anchor = enrollment.enrolled_on  # the infusion is on the enrolment day
        for visit in enrollment.patient.visits.filter(kind=VisitKind.FOLLOW_UP):
            if window_on(anchor=anchor, date=visit.date, windows=windows) is None:
                registry_services.visit_update(
                    actor=actor, visit=visit, kind=VisitKind.UNSCHEDULED
                )


def _events(actor, enrollments) -> int:
    created = 0
    today = timezone.localdate()
    for index, day, description, criterion, relatedness in EVENTS:
        if index >= len(enrollments):
            continue
        patient = enrollments[index].patient
        onset = patient.enrolled_on + dt.timedelta(days=day)
        if onset > today:
            continue
        services.adverse_event_create(
            actor=actor, patient=patient, onset_date=onset, description=description,
            severity="severe" if criterion else "mild", serious=bool(criterion),
            **({criterion: True} if criterion else {}), relatedness=relatedness,
            resolved_on=min(onset + dt.timedelta(days=9), today),
            action_taken="treated" if criterion else "none", outcome="recovered",
        )
        created += 1
    return created
