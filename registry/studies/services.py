"""Writes with rules for studies: arms, schedules, allocation lists, enrolments,
interventions, adverse events and overdue-visit notifications.

Pages and the API call these same functions. Each raises ValidationError (per-field
messages) on bad input and PermissionDenied when the person's role or sites do not
allow the write; in both cases nothing is written. Decisions: docs/studies.md.
"""

import csv
import datetime as dt
import io
import logging
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.services import UNCHANGED, OrUnchanged, model_save, set_fields
from registry.access import (
    can_see_arm,
    require_study_manager,
    sites_for_study_data,
    sites_visible_to,
)
from registry.models import (
    ActionTaken,
    AdverseEvent,
    Allocation,
    Arm,
    Enrollment,
    Intervention,
    Notification,
    NotificationKind,
    Patient,
    PatientStatus,
    Role,
    StaffProfile,
    Study,
    Timepoint,
    VisitKind,
)
from registry.studies import schedule
from registry.studies.selectors import (
    planned_visits,
    study_windows_for_patient,
    timepoint_window,
)

logger = logging.getLogger(__name__)

MAX_ALLOCATION_ROWS = 10_000
# Overdue notices cover windows that closed this many days ago at most, so the first run
# on an old cohort does not flood clinicians with years of missed visits (the overdue
# page still lists them all).
OVERDUE_LOOKBACK_DAYS = 14


def _require_site(actor, patient: Patient) -> None:
    if not sites_for_study_data(actor).filter(pk=patient.site_id).exists():
        raise PermissionDenied("You cannot record study data for patients of this site.")


def _not_future(field: str, value, label: str) -> None:
    if value and value > timezone.localdate():
        raise ValidationError({field: [f"The {label} cannot be in the future."]})


# --- Studies, arms and schedules ------------------------------------------------------


@transaction.atomic
def study_create(
    *, actor, code: str, name: str, registration_id: str = "", blinded: bool = True,
    description: str = "", default_schedule: bool = True,
) -> Study:
    """A new study with, unless told otherwise, the default visit schedule."""
    require_study_manager(actor)
    study = Study(
        code=code, name=name, registration_id=registration_id, blinded=blinded,
        description=description,
    )
    model_save(study, actor=actor)
    if default_schedule:
        for w in schedule.DEFAULT_SCHEDULE:
            timepoint = Timepoint(
                study=study, code=w.code, name=w.name, target_day=w.target_day,
                window_before=w.before, window_after=w.after,
            )
            model_save(timepoint, actor=actor)
    return study


@transaction.atomic
def study_update(
    *, actor, study: Study, code: OrUnchanged[str] = UNCHANGED,
    name: OrUnchanged[str] = UNCHANGED, registration_id: OrUnchanged[str] = UNCHANGED,
    blinded: OrUnchanged[bool] = UNCHANGED, description: OrUnchanged[str] = UNCHANGED,
) -> Study:
    require_study_manager(actor)
    changed = set_fields(
        study, code=code, name=name, registration_id=registration_id, blinded=blinded,
        description=description,
    )
    model_save(study, actor=actor, update_fields=changed)
    return study


@transaction.atomic
def arm_create(
    *, actor, study: Study, code: str, name: str, description: str = "",
    dose: Decimal | None = None, dose_unit: str = "", placebo: bool = False,
) -> Arm:
    require_study_manager(actor)
    arm = Arm(
        study=study, code=code, name=name, description=description, dose=dose,
        dose_unit=dose_unit, placebo=placebo,
    )
    model_save(arm, actor=actor)
    return arm


@transaction.atomic
def arm_update(
    *, actor, arm: Arm, code: OrUnchanged[str] = UNCHANGED, name: OrUnchanged[str] = UNCHANGED,
    description: OrUnchanged[str] = UNCHANGED, dose: OrUnchanged[Decimal | None] = UNCHANGED,
    dose_unit: OrUnchanged[str] = UNCHANGED, placebo: OrUnchanged[bool] = UNCHANGED,
) -> Arm:
    require_study_manager(actor)
    changed = set_fields(
        arm, code=code, name=name, description=description, dose=dose, dose_unit=dose_unit,
        placebo=placebo,
    )
    model_save(arm, actor=actor, update_fields=changed)
    return arm


def _check_no_overlap(timepoint: Timepoint) -> None:
    """Overlapping windows would make a visit's label ambiguous: refuse them."""
    mine = timepoint_window(timepoint)
    others = Timepoint.objects.filter(study_id=timepoint.study_id).exclude(pk=timepoint.pk)
    for other in others:
        if mine.overlaps(timepoint_window(other)):
            raise ValidationError({"window_before": [
                f"This window (day {mine.first_day} to {mine.last_day}) overlaps "
                f"{other.name} (day {other.target_day - other.window_before} to "
                f"{other.target_day + other.window_after}); narrow one of them."
            ]})


@transaction.atomic
def timepoint_create(
    *, actor, study: Study, code: str, name: str, target_day: int, window_before: int = 0,
    window_after: int = 0,
) -> Timepoint:
    require_study_manager(actor)
    timepoint = Timepoint(
        study=study, code=code, name=name, target_day=target_day,
        window_before=window_before, window_after=window_after,
    )
    timepoint.full_clean()  # the overlap check needs whole numbers
    _check_no_overlap(timepoint)
    model_save(timepoint, actor=actor)
    return timepoint


@transaction.atomic
def timepoint_update(
    *, actor, timepoint: Timepoint, code: OrUnchanged[str] = UNCHANGED,
    name: OrUnchanged[str] = UNCHANGED, target_day: OrUnchanged[int] = UNCHANGED,
    window_before: OrUnchanged[int] = UNCHANGED, window_after: OrUnchanged[int] = UNCHANGED,
) -> Timepoint:
    require_study_manager(actor)
    changed = set_fields(
        timepoint, code=code, name=name, target_day=target_day, window_before=window_before,
        window_after=window_after,
    )
    timepoint.full_clean()  # the overlap check needs whole numbers
    _check_no_overlap(timepoint)
    model_save(timepoint, actor=actor, update_fields=changed)
    return timepoint


# --- Allocation lists -----------------------------------------------------------------


def _require_allocation_rights(actor, study: Study) -> None:
    require_study_manager(actor)
    if not can_see_arm(actor, study):
        raise PermissionDenied(
            "Allocation lists reveal the arms of a blinded study: only unblinded "
            "coordinators and administrators can see or change them."
        )


def _parse_allocation_rows(text: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text))
    header = {(h or "").strip().lower() for h in reader.fieldnames or []}
    if not {"site", "sequence", "arm"} <= header:
        raise ValidationError({"file": [
            "The first line must name the columns site, sequence and arm "
            "(for example: site,sequence,arm)."
        ]})
    rows = []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if any(row.values()):
            rows.append({"line": line, **row})
        if len(rows) > MAX_ALLOCATION_ROWS:
            raise ValidationError({"file": [
                f"At most {MAX_ALLOCATION_ROWS} allocations per upload."
            ]})
    if not rows:
        raise ValidationError({"file": ["The file has no allocations."]})
    return rows


def _allocation_from_row(row, *, study, sites, arms, seen, existing) -> tuple:
    """(Allocation or None, error message or None) for one line of the upload."""
    line = row["line"]
    site, arm = sites.get(row["site"]), arms.get(row["arm"])
    if site is None:
        return None, f"Line {line}: site “{row['site']}” is not one of your sites."
    if arm is None:
        return None, f"Line {line}: study {study.code} has no arm “{row['arm']}”."
    sequence = row["sequence"]
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not (sequence.isascii() and sequence.isdigit()) or not 1 <= int(sequence) <= 1_000_000:
        return None, f"Line {line}: the sequence must be a whole number from 1."
    key = (site.pk, int(row["sequence"]))
    if key in seen or key in existing:
        return None, (
            f"Line {line}: allocation {row['sequence']} of site {site.code} already "
            f"exists; an allocation cannot be replaced by an upload."
        )
    seen.add(key)
    return Allocation(study=study, site=site, sequence=key[1], arm=arm), None


@transaction.atomic
def allocations_upload(*, actor, study: Study, text: str) -> list[Allocation]:
    """Add an allocation list (CSV: site,sequence,arm). All lines or none."""
    _require_allocation_rights(actor, study)
    rows = _parse_allocation_rows(text)
    sites = {s.code: s for s in sites_visible_to(actor)}
    arms = {a.code: a for a in study.arms.all()}
    existing = set(study.allocations.values_list("site_id", "sequence"))
    allocations, errors, seen = [], [], set()
    for row in rows:
        allocation, error = _allocation_from_row(
            row, study=study, sites=sites, arms=arms, seen=seen, existing=existing
        )
        if error:
            errors.append(error)
        else:
            allocation.uploaded_by = actor
            allocations.append(allocation)
    if errors:
        raise ValidationError({"file": errors[:50]})
    for allocation in allocations:
        model_save(allocation, actor=actor)
    return allocations


@transaction.atomic
def allocation_update(*, actor, allocation: Allocation, arm: Arm, reason: str) -> Allocation:
    """Change the arm of an unused allocation; the reason is kept in its history."""
    _require_allocation_rights(actor, allocation.study)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [
            "Give the reason for changing an allocation; it is kept in the history."
        ]})
    if Enrollment.objects.filter(allocation=allocation).exists():
        raise ValidationError(
            "This allocation has been used for an enrolment and cannot be changed."
        )
    if arm.study_id != allocation.study_id:
        raise ValidationError({"arm": ["Choose an arm of this allocation's study."]})
    allocation.arm = arm
    allocation._change_reason = reason[:100]  # django-simple-history's change reason
    model_save(allocation, actor=actor, update_fields=["arm"])
    return allocation


# --- Enrolment ------------------------------------------------------------------------


def _next_allocation(*, study: Study, patient: Patient) -> Allocation:
    allocation = (
        Allocation.objects.filter(study=study, site_id=patient.site_id, enrollment__isnull=True)
        .select_related("arm")
        .order_by("sequence")
        .first()
    )
    if allocation is None:
        raise ValidationError({"use_allocation": [
            f"The allocation list of study {study.code} has no unused entry for site "
            f"{patient.site.code}; ask a coordinator to upload one."
        ]})
    return allocation


def _check_allocation(allocation: Allocation, *, study: Study, patient: Patient) -> None:
    if allocation.study_id != study.pk or allocation.site_id != patient.site_id:
        raise ValidationError({"allocation": [
            "This allocation belongs to another study or site."
        ]})
    if Enrollment.objects.filter(allocation=allocation).exists():
        raise ValidationError({"allocation": [
            f"Allocation {allocation.sequence} of site {patient.site.code} has already "
            f"been used; an allocation cannot be reused."
        ]})


def _enrolment_arm(*, actor, study, patient, arm, allocation, use_allocation):
    """The arm and allocation of a new enrolment, by hand or from the allocation list."""
    if arm is not None and (allocation is not None or use_allocation):
        raise ValidationError({"arm": [
            "Choose an arm or use the allocation list, not both."
        ]})
    if arm is not None:
        if arm.study_id != study.pk:
            raise ValidationError({"arm": [
                f"Arm “{arm.code}” belongs to another study; choose an arm of {study.code}."
            ]})
        if not can_see_arm(actor, study):
            raise ValidationError({"arm": [
                "This study is blinded: the arm comes from the allocation list."
            ]})
        return arm, None
    if allocation is None and use_allocation:
        allocation = _next_allocation(study=study, patient=patient)
    if allocation is None:
        raise ValidationError({"arm": ["Choose an arm or use the allocation list."]})
    _check_allocation(allocation, study=study, patient=patient)
    return allocation.arm, allocation


@transaction.atomic
def enrollment_create(
    *, actor, patient: Patient, study: Study, enrolled_on: dt.date, arm: Arm | None = None,
    allocation: Allocation | None = None, use_allocation: bool = False,
) -> Enrollment:
    """Enrol a patient in a study, in an arm chosen by hand or from the allocation list."""
    _require_site(actor, patient)
    _not_future("enrolled_on", enrolled_on, "enrolment date")
    if enrolled_on < patient.date_of_birth:
        raise ValidationError({"enrolled_on": ["The enrolment date cannot be before birth."]})
    if Enrollment.objects.filter(patient=patient, study=study).exists():
        raise ValidationError({"study": ["This patient is already enrolled in this study."]})
    arm, allocation = _enrolment_arm(
        actor=actor, study=study, patient=patient, arm=arm, allocation=allocation,
        use_allocation=use_allocation,
    )
    enrollment = Enrollment(
        patient=patient, study=study, arm=arm, allocation=allocation,
        enrolled_on=enrolled_on, entered_by=actor,
    )
    model_save(enrollment, actor=actor)
    return enrollment


# --- Interventions and adverse events -------------------------------------------------


def _validate_intervention(item: Intervention) -> None:
    """The rules the database cannot hold (today's date, the enrolments); the rest are
    the model's constraints, checked by model_save."""
    patient = item.patient
    _not_future("start_date", item.start_date, "start date")
    _not_future("end_date", item.end_date, "end date")
    if item.start_date and item.start_date < patient.enrolled_on:
        raise ValidationError({"start_date": [
            f"The intervention cannot start before the patient's enrolment "
            f"({patient.enrolled_on:%d %b %Y})."
        ]})
    enrollment = item.enrollment
    if enrollment is not None and enrollment.patient_id != patient.pk:
        raise ValidationError({"enrollment": ["Choose one of this patient's studies."]})
    if enrollment is not None and item.start_date and item.start_date < enrollment.enrolled_on:
        raise ValidationError({"start_date": [
            f"The intervention cannot start before enrolment in {enrollment.study.code} "
            f"({enrollment.enrolled_on:%d %b %Y})."
        ]})


@transaction.atomic
def intervention_create(
    *, actor, patient: Patient, kind: str, product: str, start_date: dt.date,
    enrollment: Enrollment | None = None, description: str = "", dose: Decimal | None = None,
    dose_unit: str = "", route: str = "", end_date: dt.date | None = None,
    volume_ml: Decimal | None = None, rate_ml_min: Decimal | None = None, notes: str = "",
) -> Intervention:
    """Record a treatment, e.g. one infusion of 100 million cells, 80 mL at 2 mL/min."""
    _require_site(actor, patient)
    item = Intervention(
        patient=patient, entered_by=actor, enrollment=enrollment, kind=kind, product=product,
        description=description, dose=dose, dose_unit=dose_unit, route=route,
        start_date=start_date, end_date=end_date, volume_ml=volume_ml,
        rate_ml_min=rate_ml_min, notes=notes,
    )
    _validate_intervention(item)
    model_save(item, actor=actor)
    return item


@transaction.atomic
def intervention_update(
    *, actor, intervention: Intervention,
    enrollment: OrUnchanged[Enrollment | None] = UNCHANGED, kind: OrUnchanged[str] = UNCHANGED,
    product: OrUnchanged[str] = UNCHANGED, description: OrUnchanged[str] = UNCHANGED,
    dose: OrUnchanged[Decimal | None] = UNCHANGED, dose_unit: OrUnchanged[str] = UNCHANGED,
    route: OrUnchanged[str] = UNCHANGED, start_date: OrUnchanged[dt.date] = UNCHANGED,
    end_date: OrUnchanged[dt.date | None] = UNCHANGED,
    volume_ml: OrUnchanged[Decimal | None] = UNCHANGED,
    rate_ml_min: OrUnchanged[Decimal | None] = UNCHANGED, notes: OrUnchanged[str] = UNCHANGED,
) -> Intervention:
    _require_site(actor, intervention.patient)
    changed = set_fields(
        intervention, enrollment=enrollment, kind=kind, product=product,
        description=description, dose=dose, dose_unit=dose_unit, route=route,
        start_date=start_date, end_date=end_date, volume_ml=volume_ml,
        rate_ml_min=rate_ml_min, notes=notes,
    )
    _validate_intervention(intervention)
    model_save(intervention, actor=actor, update_fields=changed)
    return intervention


def _validate_adverse_event(event: AdverseEvent) -> None:
    """The rules the database cannot hold (today's date, the date of birth); seriousness,
    outcome, grade and dates in order are the model's constraints, checked by model_save."""
    _not_future("onset_date", event.onset_date, "onset date")
    _not_future("resolved_on", event.resolved_on, "resolution date")
    if event.onset_date and event.onset_date < event.patient.date_of_birth:
        raise ValidationError({"onset_date": ["The onset date cannot be before birth."]})


@transaction.atomic
def adverse_event_create(
    *, actor, patient: Patient, onset_date: dt.date, description: str, relatedness: str,
    outcome: str, resolved_on: dt.date | None = None, severity: str = "",
    ctcae_grade: int | None = None, serious: bool = False, criterion_death: bool = False,
    criterion_life_threatening: bool = False, criterion_hospitalisation: bool = False,
    criterion_disability: bool = False, criterion_other_important: bool = False,
    action_taken: str = ActionTaken.NONE, notes: str = "",
) -> AdverseEvent:
    """Record an adverse event; treatment-emergence is derived when read, never entered."""
    _require_site(actor, patient)
    event = AdverseEvent(
        patient=patient, entered_by=actor, onset_date=onset_date, resolved_on=resolved_on,
        description=description, severity=severity, ctcae_grade=ctcae_grade,
        serious=serious, criterion_death=criterion_death,
        criterion_life_threatening=criterion_life_threatening,
        criterion_hospitalisation=criterion_hospitalisation,
        criterion_disability=criterion_disability,
        criterion_other_important=criterion_other_important, relatedness=relatedness,
        action_taken=action_taken, outcome=outcome, notes=notes,
    )
    _validate_adverse_event(event)
    model_save(event, actor=actor)
    return event


@transaction.atomic
def adverse_event_update(
    *, actor, event: AdverseEvent, onset_date: OrUnchanged[dt.date] = UNCHANGED,
    resolved_on: OrUnchanged[dt.date | None] = UNCHANGED,
    description: OrUnchanged[str] = UNCHANGED, severity: OrUnchanged[str] = UNCHANGED,
    ctcae_grade: OrUnchanged[int | None] = UNCHANGED, serious: OrUnchanged[bool] = UNCHANGED,
    criterion_death: OrUnchanged[bool] = UNCHANGED,
    criterion_life_threatening: OrUnchanged[bool] = UNCHANGED,
    criterion_hospitalisation: OrUnchanged[bool] = UNCHANGED,
    criterion_disability: OrUnchanged[bool] = UNCHANGED,
    criterion_other_important: OrUnchanged[bool] = UNCHANGED,
    relatedness: OrUnchanged[str] = UNCHANGED, action_taken: OrUnchanged[str] = UNCHANGED,
    outcome: OrUnchanged[str] = UNCHANGED, notes: OrUnchanged[str] = UNCHANGED,
) -> AdverseEvent:
    _require_site(actor, event.patient)
    changed = set_fields(
        event, onset_date=onset_date, resolved_on=resolved_on, description=description,
        severity=severity, ctcae_grade=ctcae_grade, serious=serious,
        criterion_death=criterion_death, criterion_life_threatening=criterion_life_threatening,
        criterion_hospitalisation=criterion_hospitalisation,
        criterion_disability=criterion_disability,
        criterion_other_important=criterion_other_important, relatedness=relatedness,
        action_taken=action_taken, outcome=outcome, notes=notes,
    )
    _validate_adverse_event(event)
    model_save(event, actor=actor, update_fields=changed)
    return event


# --- Visits against the schedule ------------------------------------------------------


def visit_schedule_check(*, patient: Patient, date: dt.date, kind: str) -> None:
    """A follow-up visit in a study period must fall in one of the study's windows.

    Called by services.visit_create / visit_update. Visits before the study enrolment
    are registry visits and are not checked; unscheduled visits never are.
    """
    if kind != VisitKind.FOLLOW_UP or date is None:
        return
    checks = study_windows_for_patient(patient=patient, date=date)
    if not checks or any(check.window is not None for check in checks):
        return
    detail = "; ".join(check.describe() for check in checks)
    raise ValidationError({"kind": [
        f"This follow-up visit is outside every visit window ({detail}). Record it as an "
        f"unscheduled visit, or check the date."
    ]})


# --- Overdue visits and notifications -------------------------------------------------


def _clinicians_by_site(site_ids: set[int]) -> dict[int, list]:
    """Active clinicians of each site, in two queries."""
    profiles = (
        StaffProfile.objects.filter(role=Role.CLINICIAN, sites__in=site_ids, user__is_active=True)
        .select_related("user")
        .prefetch_related("sites")
        .distinct()
    )
    by_site: dict[int, list] = {}
    for profile in profiles:
        for site in profile.sites.all():
            if site.pk in site_ids:
                by_site.setdefault(site.pk, []).append(profile.user)
    return by_site


def _notify(*, user, planned) -> bool:
    """One notification per person and planned visit; True when it is new."""
    try:
        with transaction.atomic():
            _, created = Notification.objects.get_or_create(
                recipient=user, kind=NotificationKind.OVERDUE_VISIT,
                enrollment=planned.enrollment, timepoint_id=planned.timepoint_id,
                defaults={"patient": planned.patient, "message": planned.overdue_message()},
            )
    except IntegrityError:
        return False  # another worker created it a moment ago
    if created and user.email:
        transaction.on_commit(lambda: _email(user=user, planned=planned))
    return created


def _email(*, user, planned) -> None:
    try:
        send_mail(
            subject=f"Overdue study visit: {planned.patient.study_id}",
            message=planned.overdue_message() + "\n\nOpen the registry to see the overdue "
                                                "visits of your sites.",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )
    except OSError:
        # The in-app notification is the record; a mail server outage must not undo it.
        logger.exception("Could not e-mail the overdue-visit notice to %s", user.pk)


@transaction.atomic
def overdue_visits_notify(*, today: dt.date | None = None) -> int:
    """Notify each site's clinicians of study visits whose window has just closed.

    Idempotent: a unique constraint holds one notice per person and planned visit, so
    running it twice (or on two workers) notifies once. Returns the notices created.
    """
    today = today or timezone.localdate()
    enrollments = Enrollment.objects.filter(patient__status=PatientStatus.ACTIVE)
    overdue = [
        p for p in planned_visits(enrollments=enrollments, today=today)
        if p.status == schedule.DueStatus.OVERDUE
        and (today - p.last_date).days <= OVERDUE_LOOKBACK_DAYS
    ]
    clinicians = _clinicians_by_site({p.patient.site_id for p in overdue})
    return sum(
        _notify(user=user, planned=p)
        for p in overdue
        for user in clinicians.get(p.patient.site_id, [])
    )


def notifications_mark_read(*, user, ids=None) -> int:
    """Mark some (or all) of a person's unread notifications as read."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())

