"""The one way into patient data: roles, site scoping and per-patient access checks.

Every page and endpoint that touches a patient goes through `patients_visible_to` or
`patient_get_for_user`; views never call `Patient.objects.get()`.
"""

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
    return patient
