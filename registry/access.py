"""The one way into patient data: roles, site scoping and per-patient access checks.

Every page and endpoint that touches a patient goes through `patients_visible_to` or
`patient_get_for_user`; views never call `Patient.objects.get()`.

It is also where reads are noted for the access log (docs/decisions.md, "Access log"):
`patient_get_for_user` notes the patient it hands out, and pages that list patients note
the ones they show with `patient_reads_record`. The notes belong to the current request;
`registry.middleware.AccessLogMiddleware` writes them as AccessLog rows once the response
is known to show them. Outside a request (tasks, commands) there is nothing to note.
"""

from collections.abc import Iterable
from contextvars import ContextVar

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from registry.models import Patient, Role, Site


def role_of(user) -> str | None:
    """The registry role of a person; superusers are administrators."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return Role.ADMINISTRATOR
    profile = getattr(user, "staff_profile", None)
    return profile.role if profile else None


def sites_visible_to(user) -> QuerySet[Site]:
    role = role_of(user)
    if role == Role.ADMINISTRATOR:
        return Site.objects.all()
    if role in (Role.CLINICIAN, Role.COORDINATOR):
        return Site.objects.filter(staff__user=user)
    return Site.objects.none()


def sites_writable_by(user) -> QuerySet[Site]:
    """Sites whose patients this person may create or change (coordinators only read)."""
    if role_of(user) in (Role.CLINICIAN, Role.ADMINISTRATOR):
        return sites_visible_to(user)
    return Site.objects.none()


def can_write_patients(user) -> bool:
    return role_of(user) in (Role.CLINICIAN, Role.ADMINISTRATOR)


def can_view_cohort(user) -> bool:
    """Dashboards, exports and the lab-result inbox: coordinators and administrators."""
    return role_of(user) in (Role.COORDINATOR, Role.ADMINISTRATOR)


def patients_visible_to(user) -> QuerySet[Patient]:
    """Every patient this person may read, scoped to their sites."""
    role = role_of(user)
    if role == Role.ADMINISTRATOR:
        return Patient.objects.all()
    if role in (Role.CLINICIAN, Role.COORDINATOR):
        return Patient.objects.filter(site__staff__user=user)
    return Patient.objects.none()


def patient_get_for_user(*, user, study_id: str, write: bool = False) -> Patient:
    """One patient by study id: 404 outside the person's sites, 403 if read-only."""
    try:
        patient = patients_visible_to(user).select_related("site").get(study_id=study_id)
    except Patient.DoesNotExist:
        raise Http404("No patient with this study id is visible to you.") from None
    if write and not can_write_patients(user):
        raise PermissionDenied("Your role can read this patient's record but not change it.")
    patient_reads_record(user=user, patient_ids=[patient.pk])
    return patient


# --- Reads of patient data, noted for the access log -----------------------------------

# (user id, patient id) pairs read by the current request, in order; None outside one.
_reads: ContextVar[dict[tuple[int, int], None] | None] = ContextVar(
    "registry_patient_reads", default=None
)


def patient_reads_begin():
    """Start noting reads for a request (the access-log middleware calls this)."""
    return _reads.set({})


def patient_reads_end(token) -> list[tuple[int, int]]:
    """Stop noting; the (user id, patient id) pairs read, each once, in order."""
    reads = _reads.get() or {}
    _reads.reset(token)
    return list(reads)


def patient_reads_record(*, user, patient_ids: Iterable[int]) -> None:
    """Note that this request shows `user` these patients' data (one AccessLog row each,
    written after a response that shows them). Lists call it with the patients of the
    page they show; a no-op outside a request."""
    reads = _reads.get()
    if reads is None or not getattr(user, "is_authenticated", False):
        return
    for patient_id in patient_ids:
        reads[(user.pk, patient_id)] = None


# --- Studies (issue 5). Decisions in docs/studies.md ("Who may do what"). -------------

UNBLINDED_PERMISSION = "registry.unblinded"


def can_unblind(user) -> bool:
    """May see treatment arms of blinded studies (the `registry.unblinded` permission)."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm(
        UNBLINDED_PERMISSION
    )


def can_see_arm(user, study) -> bool:
    """Open-label studies show arms to every reader; blinded ones only to the unblinded."""
    return not study.blinded or can_unblind(user)


def can_view_studies(user) -> bool:
    return role_of(user) is not None


def can_manage_studies(user) -> bool:
    """Create and change studies, arms, schedules and allocation lists."""
    return role_of(user) in (Role.COORDINATOR, Role.ADMINISTRATOR)


def require_study_manager(user) -> None:
    """Refuse (403) a person who may not change studies; pages, API and services alike."""
    if not can_manage_studies(user):
        raise PermissionDenied("Only coordinators and administrators can change studies.")


def sites_for_study_data(user) -> QuerySet[Site]:
    """Sites where this person may enrol patients and record interventions and events.

    Clinicians and coordinators at their own sites (coordinators complete the study's
    case report forms), administrators everywhere.
    """
    return sites_visible_to(user)


def patient_get_for_study_data(*, user, study_id: str, write: bool = False) -> Patient:
    """A patient for study pages: 404 outside the person's sites, 403 without a role."""
    patient = patient_get_for_user(user=user, study_id=study_id)
    if write and not sites_for_study_data(user).filter(pk=patient.site_id).exists():
        raise PermissionDenied("Your role cannot record study data for this patient.")
    return patient
