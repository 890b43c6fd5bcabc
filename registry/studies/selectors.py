"""Reads for studies: schedules and visit labels, due and overdue visits, a patient's
study data and the per-study safety table.

Every function here runs a fixed number of queries whatever the number of patients,
visits or events (they load what they need in bulk, then derive in Python with the
pure rules of registry/studies/schedule.py). What a blinded person sees is decided
by registry/studies/blinding.py only.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404

from registry.access import (
    can_view_studies,
    patients_visible_to,
    sites_visible_to,
)
from registry.models import (
    RELATED,
    AdverseEvent,
    Allocation,
    Arm,
    Enrollment,
    Intervention,
    Notification,
    Patient,
    PatientStatus,
    Study,
    Timepoint,
    Visit,
    VisitKind,
)
from registry.studies import blinding, schedule

# Blinding lives in registry/studies/blinding.py (the one masking layer). These names stay
# importable from here for the readers that already use them (dashboard, cohort filters,
# exports), so they too pass through that layer.
from registry.studies.blinding import BLINDED as BLINDED
from registry.studies.blinding import arm_code_for as arm_code_for
from registry.studies.blinding import arm_label_for as arm_label_for
from registry.studies.blinding import arm_visible

# --- Studies ----------------------------------------------------------------------------


def study_list(*, user) -> QuerySet[Study]:
    """Studies with the number of patients enrolled at the person's sites."""
    if not can_view_studies(user):
        return Study.objects.none()
    sites = sites_visible_to(user)
    return Study.objects.annotate(
        enrolled=Count("enrollments", filter=Q(enrollments__patient__site__in=sites))
    ).order_by("name")


def study_get(*, user, key: str) -> Study:
    """A study by code (or numeric id): 404 when unknown, 403 without a registry role."""
    if not can_view_studies(user):
        raise PermissionDenied("Your account has no registry role.")
    study = Study.objects.filter(code=key).first()
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if study is None and key.isascii() and key.isdigit() and len(key) <= 18:
        study = Study.objects.filter(pk=int(key)).first()
    if study is None:
        raise Http404("No study with this code.")
    return study


def study_choices() -> QuerySet:
    """(code, name) of every study, for a select list."""
    return Study.objects.values_list("code", "name")


def study_exists(*, code: str) -> bool:
    return Study.objects.filter(code=code).exists()


def study_by_code(*, code: str) -> Study | None:
    return Study.objects.filter(code=code).first()


def study_if_only_one() -> Study | None:
    """The study when the registry holds exactly one, else None."""
    studies = list(Study.objects.order_by("pk")[:2])
    return studies[0] if len(studies) == 1 else None


def arm_exists(*, study: Study, code: str) -> bool:
    return study.arms.filter(code=code).exists()


def study_windows(study: Study) -> tuple[schedule.Window, ...]:
    return tuple(timepoint_window(tp) for tp in study.timepoints.all())


def timepoint_window(tp: Timepoint) -> schedule.Window:
    """A timepoint as the plain window the schedule rules work on."""
    return schedule.Window(tp.code, tp.name, tp.target_day, tp.window_before, tp.window_after)


@dataclass(frozen=True)
class SiteProgress:
    site_code: str
    site_name: str
    enrolled: int
    by_arm: dict = field(default_factory=dict)  # arm code -> n, only when arms are visible
    allocations_left: int | None = None


def arm_enrolment_counts(*, user, study: Study) -> dict[int, int] | None:
    """Enrolments per arm id at the person's sites, or None when arms are hidden from them."""
    if not arm_visible(user, study):
        return None
    return dict(
        Enrollment.objects.filter(study=study, patient__site__in=sites_visible_to(user))
        .values_list("arm_id")
        .annotate(n=Count("id"))
    )


def allocations_for(*, user, study: Study) -> list[Allocation]:
    """The study's allocation list at the person's sites, with whom each line went to."""
    return list(
        study.allocations.filter(site__in=sites_visible_to(user))
        .select_related("site", "arm", "enrollment__patient")
    )


def enrolment_progress(*, user, study: Study) -> list[SiteProgress]:
    """Patients enrolled per site of the person (per arm only when arms are visible)."""
    sites = list(sites_visible_to(user).order_by("code"))
    counts = (
        Enrollment.objects.filter(study=study, patient__site__in=sites)
        .values_list("patient__site_id", "arm__code")
        .annotate(n=Count("id"))
    )
    per_site: dict[int, dict] = defaultdict(dict)
    for site_id, arm_code, n in counts:
        per_site[site_id][arm_code] = n
    show_arms = arm_visible(user, study)
    left = dict(
        Allocation.objects.filter(study=study, site__in=sites, enrollment__isnull=True)
        .values_list("site_id")
        .annotate(n=Count("id"))
    ) if show_arms else {}
    return [
        SiteProgress(
            site.code, site.name, sum(per_site[site.pk].values()),
            dict(per_site[site.pk]) if show_arms else {},
            left.get(site.pk, 0) if show_arms else None,
        )
        for site in sites
    ]


# --- Anchors, visit labels and planned visits ------------------------------------------


def first_intervention_dates(*, enrollment_ids) -> dict[int, dt.date]:
    """The first intervention given in each enrolment's study (one query)."""
    rows = (
        Intervention.objects.filter(enrollment_id__in=list(enrollment_ids))
        .values_list("enrollment_id")
        .annotate(first=Min("start_date"))
    )
    return dict(rows)


# --- Set-based reads for the apps above (snapshots, timeline, exports) --------------------


def enrollments_for_patients(*, patient_ids) -> QuerySet[Enrollment]:
    """The patients' enrolments, oldest first (the last one of a patient is the latest)."""
    return Enrollment.objects.filter(patient_id__in=patient_ids).order_by("enrolled_on", "id")


def enrollment_patient_ids_changed_since(*, since: dt.datetime) -> QuerySet:
    """Ids of the patients with an enrolment changed after `since` (repeats possible)."""
    # order_by(): the default ordering would sort the whole table.
    return Enrollment.objects.filter(modified_at__gt=since).values_list(
        "patient_id", flat=True
    ).order_by()


def intervention_patient_ids_changed_since(*, since: dt.datetime) -> QuerySet:
    """Ids of the patients with an intervention changed after `since` (repeats possible)."""
    # order_by(): the default ordering would sort the whole table.
    return Intervention.objects.filter(modified_at__gt=since).values_list(
        "patient_id", flat=True
    ).order_by()


def studies_by_id() -> dict[int, Study]:
    """Every study (a handful of rows), by primary key."""
    return {s.pk: s for s in Study.objects.all()}


def arms_by_id() -> dict[int, Arm]:
    """Every arm of every study, by primary key."""
    return {a.pk: a for a in Arm.objects.all()}


def interventions_by_start(*, patient: Patient) -> QuerySet[Intervention]:
    """The patient's interventions with their study, by start date."""
    return patient.interventions.select_related("enrollment__study").order_by("start_date")


def adverse_events_by_onset(*, patient: Patient) -> QuerySet[AdverseEvent]:
    return patient.adverse_events.order_by("onset_date")


def _windows_by_study(study_ids) -> dict[int, tuple]:
    by_study: dict[int, list] = defaultdict(list)
    for tp in Timepoint.objects.filter(study_id__in=set(study_ids)).order_by("target_day"):
        by_study[tp.study_id].append(tp)
    return {k: tuple(v) for k, v in by_study.items()}


@dataclass(frozen=True)
class WindowCheck:
    """Where one date falls in one study's schedule."""

    study_code: str
    anchor: dt.date
    anchored_on_intervention: bool
    day: int
    window: schedule.Window | None
    windows: tuple

    def describe(self) -> str:
        anchor = "the first intervention" if self.anchored_on_intervention else "enrolment"
        spans = ", ".join(f"{w.name} day {w.first_day} to {w.last_day}" for w in self.windows)
        return f"{self.study_code}: day {self.day} after {anchor}; windows: {spans or 'none'}"


def _checks_for(enrollments, date: dt.date) -> list[WindowCheck]:
    anchors = first_intervention_dates(enrollment_ids=[e.pk for e in enrollments])
    timepoints = _windows_by_study(e.study_id for e in enrollments)
    checks = []
    for e in enrollments:
        anchor = anchors.get(e.pk, e.enrolled_on)
        windows = tuple(timepoint_window(tp) for tp in timepoints.get(e.study_id, ()))
        day = schedule.study_day(anchor=anchor, date=date)
        checks.append(WindowCheck(
            e.study.code, anchor, e.pk in anchors, day,
            schedule.window_for(day=day, windows=windows), windows,
        ))
    return checks


def study_windows_for_patient(*, patient: Patient, date: dt.date) -> list[WindowCheck]:
    """The schedule of each study the patient was enrolled in by this date."""
    enrollments = list(
        patient.enrollments.filter(enrolled_on__lte=date).select_related("study")
    ) if patient.pk else []
    return _checks_for(enrollments, date)


def visit_labels(*, patient: Patient, visits) -> dict[int, str]:
    """Each visit's timepoint in the patient's studies, derived when read.

    A visit is labelled when it falls in a study's window or on/after its enrolment;
    earlier visits belong to the registry only and get no label.
    """
    enrollments = list(patient.enrollments.select_related("study"))
    if not enrollments:
        return {}
    anchors = first_intervention_dates(enrollment_ids=[e.pk for e in enrollments])
    timepoints = _windows_by_study(e.study_id for e in enrollments)
    labels: dict[int, list[str]] = defaultdict(list)
    for e in enrollments:
        anchor = anchors.get(e.pk, e.enrolled_on)
        windows = tuple(timepoint_window(tp) for tp in timepoints.get(e.study_id, ()))
        for visit in visits:
            window = schedule.window_on(anchor=anchor, date=visit.date, windows=windows)
            if window is None and visit.date < e.enrolled_on:
                continue
            name = window.name if window else schedule.UNSCHEDULED
            labels[visit.pk].append(f"{e.study.code}: {name}" if len(enrollments) > 1 else name)
    return {pk: "; ".join(names) for pk, names in labels.items()}


@dataclass(frozen=True)
class PlannedVisit:
    """A visit a study schedule expects of one enrolled patient."""

    enrollment: Enrollment
    timepoint_id: int
    window: schedule.Window
    anchor: dt.date
    first_date: dt.date
    last_date: dt.date
    status: schedule.DueStatus

    @property
    def patient(self) -> Patient:
        return self.enrollment.patient

    def overdue_message(self) -> str:
        return (
            f"{self.patient.study_id}: the {self.window.name} visit of study "
            f"{self.enrollment.study.code} was due between {self.first_date:%d %b %Y} and "
            f"{self.last_date:%d %b %Y} and has not been recorded."
        )[:300]


def planned_visits(
    *, enrollments: QuerySet[Enrollment], today: dt.date, horizon_days: int = 30
) -> list[PlannedVisit]:
    """Every planned visit of these enrolments with its status today (four queries)."""
    enrollments = list(enrollments.select_related("patient__site", "study"))
    anchors = first_intervention_dates(enrollment_ids=[e.pk for e in enrollments])
    timepoints = _windows_by_study(e.study_id for e in enrollments)
    visit_dates: dict[int, list] = defaultdict(list)
    patient_ids = {e.patient_id for e in enrollments}
    for patient_id, date in Visit.objects.filter(patient_id__in=patient_ids).values_list(
        "patient_id", "date"
    ):
        visit_dates[patient_id].append(date)
    planned = []
    for e in enrollments:
        anchor = anchors.get(e.pk, e.enrolled_on)
        for tp in timepoints.get(e.study_id, ()):
            window = timepoint_window(tp)
            planned.append(PlannedVisit(
                e, tp.pk, window, anchor,
                anchor + dt.timedelta(days=window.first_day),
                anchor + dt.timedelta(days=window.last_day),
                schedule.due_status(
                    window=window, anchor=anchor, visit_dates=visit_dates[e.patient_id],
                    today=today, horizon_days=horizon_days,
                ),
            ))
    return planned


DUE_ORDER = {
    schedule.DueStatus.OVERDUE: 0, schedule.DueStatus.DUE: 1, schedule.DueStatus.UPCOMING: 2
}


def visits_due(
    *, user, today: dt.date, site_code: str = "", horizon_days: int = 30
) -> list[PlannedVisit]:
    """Overdue, due and upcoming study visits of active patients at the person's sites."""
    patients = patients_visible_to(user).filter(status=PatientStatus.ACTIVE)
    if site_code:
        patients = patients.filter(site__code=site_code)
    enrollments = Enrollment.objects.filter(patient__in=patients)
    planned = planned_visits(enrollments=enrollments, today=today, horizon_days=horizon_days)
    due = [p for p in planned if p.status in DUE_ORDER]
    return sorted(due, key=lambda p: (DUE_ORDER[p.status], p.last_date, p.patient.study_id))


# --- A patient's study data ---------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    """An adverse event with what is derived from the first intervention."""

    event: AdverseEvent
    flags: schedule.AeFlags


def patient_first_intervention(*, interventions) -> dt.date | None:
    """The anchor of a patient's events: the first study intervention, else the first of any."""
    in_study = [i.start_date for i in interventions if i.enrollment_id]
    anyone = [i.start_date for i in interventions]
    return min(in_study or anyone, default=None)


def adverse_event_rows(*, events, first_intervention: dt.date | None) -> list[EventRow]:
    return [
        EventRow(e, schedule.ae_flags(
            onset=e.onset_date, serious=e.serious, first_intervention=first_intervention
        ))
        for e in events
    ]


def patient_study_data(*, patient: Patient, user) -> dict:
    """Enrolments (arms as the person may see them), interventions and adverse events."""
    enrollments = list(
        patient.enrollments.select_related("study", "arm", "allocation").order_by("enrolled_on")
    )
    interventions = list(
        patient.interventions.select_related("enrollment__study", "entered_by")
        .order_by("start_date", "id")
    )
    first = patient_first_intervention(interventions=interventions)
    events = patient.adverse_events.select_related("entered_by").order_by("onset_date", "id")
    return {
        "enrollments": [blinding.enrollment_row(user, e) for e in enrollments],
        "interventions": [blinding.intervention_row(user, i) for i in interventions],
        "first_intervention": first,
        "adverse_events": adverse_event_rows(events=events, first_intervention=first),
    }


# --- Safety table ------------------------------------------------------------------------

MEASURES = (
    ("patients", "Patients enrolled"),
    ("any_ae", "Patients with any adverse event"),
    ("any_sae", "Patients with any serious adverse event"),
    ("te_sae_1m", "Patients with a treatment-emergent SAE within 1 month"),
    ("related_ae", "Patients with a related adverse event (possible, probable, definite)"),
    ("deaths", "Deaths"),
)
MEASURE_LABELS = dict(MEASURES)


@dataclass
class SafetyGroup:
    """One column of the safety table: an arm, or all arms pooled."""

    key: str
    label: str
    patients: dict = field(default_factory=lambda: {m: [] for m, _ in MEASURES})

    def count(self, measure: str) -> int:
        return len(self.patients[measure])


@dataclass(frozen=True)
class SafetyTable:
    study: Study
    unblinded: bool
    groups: list  # one per arm when unblinded, else empty
    total: SafetyGroup

    @property
    def columns(self) -> list:
        return [*self.groups, self.total]

    @property
    def rows(self) -> list:
        return [
            (code, label, [(g, g.count(code)) for g in self.columns]) for code, label in MEASURES
        ]


def _patient_measures(enrollment, events, first) -> set[str]:
    """Which measures one enrolled patient counts in (events from study enrolment on)."""
    during = [e for e in events if e.onset_date >= enrollment.enrolled_on]
    found = {"patients"}
    for event in during:
        flags = schedule.ae_flags(
            onset=event.onset_date, serious=event.serious, first_intervention=first
        )
        found.add("any_ae")
        if event.serious:
            found.add("any_sae")
        if flags.te_sae_1m:
            found.add("te_sae_1m")
        if event.relatedness in RELATED:
            found.add("related_ae")
        if event.criterion_death:
            found.add("deaths")
    return found


def safety_table(*, user, study: Study) -> SafetyTable:
    """Per-arm safety counts (pooled for blinded people), patients of the person's sites.

    Events count from the study enrolment date; treatment-emergence is measured from
    the first intervention given in the study. Four queries.
    """
    unblinded = arm_visible(user, study)
    enrollments = list(
        Enrollment.objects.filter(study=study, patient__in=patients_visible_to(user))
        .select_related("patient__site", "arm")
        .order_by("patient__study_id")
    )
    anchors = first_intervention_dates(enrollment_ids=[e.pk for e in enrollments])
    events: dict[int, list] = defaultdict(list)
    for event in AdverseEvent.objects.filter(patient_id__in={e.patient_id for e in enrollments}):
        events[event.patient_id].append(event)
    groups = {
        arm.code: SafetyGroup(arm.code, arm.name) for arm in study.arms.order_by("code")
    } if unblinded else {}
    total = SafetyGroup("", "All arms" if unblinded else "All arms (pooled, blinded)")
    for e in enrollments:
        for measure in _patient_measures(e, events[e.patient_id], anchors.get(e.pk)):
            total.patients[measure].append(e)
            if unblinded:
                groups[e.arm.code].patients[measure].append(e)
    return SafetyTable(study, unblinded, list(groups.values()), total)


def safety_group(*, table: SafetyTable, key: str = "") -> SafetyGroup:
    """A column of the table (no key: all arms); a blinded person's table has no arms."""
    if not key:
        return table.total
    for group in table.groups:
        if group.key == key:
            return group
    raise Http404("No such column in this safety table.")


# --- Notifications -------------------------------------------------------------------------


def notifications_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("patient")


def notification_unread_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def visit_kind_for(*, patient: Patient, date: dt.date) -> str:
    """The kind for a visit created automatically on a date (e.g. by another app).

    Baseline for the first visit; unscheduled when the date falls in a study period but
    outside every window of its schedule (a follow-up there would be refused); else
    follow-up.
    """
    if not patient.visits.exists():
        return VisitKind.BASELINE
    checks = study_windows_for_patient(patient=patient, date=date)
    if checks and all(check.window is None for check in checks):
        return VisitKind.UNSCHEDULED
    return VisitKind.FOLLOW_UP
