"""URL-matrix rows for the registry's pages and API."""

import datetime as dt

from django.contrib.auth import get_user_model

from registry.access import patients_visible_to
from registry.models import (
    AdverseEvent,
    Allocation,
    Arm,
    Condition,
    Enrollment,
    Intervention,
    Notification,
    PatientCondition,
    Study,
    Timepoint,
)
from tests.factories import VisitFactory
from tests.matrix import LOGIN

READ = dict(a=200, b=200, coord=200, lab=LOGIN, anon=LOGIN)
MANAGE = dict(a=403, b=403, coord=200, lab=LOGIN, anon=LOGIN)  # coordinators, admins
STUDY_DATA = dict(a=200, b=404, coord=200, lab=LOGIN, anon=LOGIN)  # the patient's sites
API_READ = dict(a=200, b=200, coord=200, lab=403, anon=403)
API_PATIENT = dict(a=200, b=404, coord=200, lab=403, anon=403)

ROUTES = {
    "registry:patient_list": (
        "get", "/patients/", dict(a=200, b=200, coord=200, lab=LOGIN, anon=LOGIN)
    ),
    "registry:patient_create": (
        "get", "/patients/new/", dict(a=200, b=200, coord=403, lab=LOGIN, anon=LOGIN)
    ),
    "registry:patient_detail": (
        "get", "/patients/{sid}/", dict(a=200, b=404, coord=200, lab=LOGIN, anon=LOGIN)
    ),
    "registry:patient_edit": (
        "get", "/patients/{sid}/edit/", dict(a=200, b=404, coord=403, lab=LOGIN, anon=LOGIN)
    ),
    "registry:patient_history": (
        "get", "/patients/{sid}/history/", dict(a=200, b=404, coord=200, lab=LOGIN, anon=LOGIN)
    ),
    "registry:condition_add": (
        "post", "/patients/{sid}/conditions/",
        dict(a=400, b=404, coord=403, lab=LOGIN, anon=LOGIN),
    ),
    "registry:condition_remove": (
        "post", "/patients/{sid}/conditions/{condition}/remove/",
        dict(a=302, b=404, coord=403, lab=LOGIN, anon=LOGIN),
    ),
    "registry:visit_create": (
        "get", "/patients/{sid}/visits/new/", dict(a=200, b=404, coord=403, lab=LOGIN, anon=LOGIN)
    ),
    "registry:visit_edit": (
        "get", "/patients/{sid}/visits/{visit}/edit/",
        dict(a=200, b=404, coord=403, lab=LOGIN, anon=LOGIN),
    ),
    "api:patient-list": (
        "get", "/api/v1/patients/", dict(a=200, b=200, coord=200, lab=403, anon=403)
    ),
    "api:patient-detail": (
        "get", "/api/v1/patients/{sid}/", dict(a=200, b=404, coord=200, lab=403, anon=403)
    ),
    "api:patient-visits": (
        "get", "/api/v1/patients/{sid}/visits/", dict(a=200, b=404, coord=200, lab=403, anon=403)
    ),
    # Studies (issue 5). The study is open-label so that the coordinator (not unblinded)
    # may open its allocation list; blinding is tested in test_blinding.py.
    "registry:study_list": ("get", "/patients/studies/", READ),
    "registry:study_create": ("get", "/patients/studies/new/", MANAGE),
    "registry:study_detail": ("get", "/patients/studies/{study}/", READ),
    "registry:study_edit": ("get", "/patients/studies/{study}/edit/", MANAGE),
    "registry:arm_create": ("get", "/patients/studies/{study}/arms/new/", MANAGE),
    "registry:arm_edit": ("get", "/patients/studies/{study}/arms/{arm}/edit/", MANAGE),
    "registry:timepoint_create": ("get", "/patients/studies/{study}/schedule/new/", MANAGE),
    "registry:timepoint_edit": (
        "get", "/patients/studies/{study}/schedule/{timepoint}/edit/", MANAGE
    ),
    "registry:allocation_list": ("get", "/patients/studies/{study}/allocations/", MANAGE),
    "registry:allocation_edit": (
        "get", "/patients/studies/{study}/allocations/{allocation}/edit/", MANAGE
    ),
    "registry:safety_table": ("get", "/patients/studies/{study}/safety/", READ),
    "registry:safety_patients": ("get", "/patients/studies/{study}/safety/patients/", READ),
    "registry:visits_due": ("get", "/patients/visits-due/", READ),
    "registry:notification_list": ("get", "/patients/notifications/", READ),
    "registry:notifications_read": (
        "post", "/patients/notifications/read/",
        dict(a=302, b=302, coord=302, lab=LOGIN, anon=LOGIN),
    ),
    "api:study-list": ("get", "/api/v1/studies/", API_READ),
    "api:study-detail": ("get", "/api/v1/studies/{study}/", API_READ),
    "api:study-arms": ("get", "/api/v1/studies/{study}/arms/", API_READ),
    "api:study-safety": ("get", "/api/v1/studies/{study}/safety/", API_READ),
    "api:patient-enrolments": ("get", "/api/v1/patients/{sid}/enrolments/", API_PATIENT),
    "api:patient-interventions": ("get", "/api/v1/patients/{sid}/interventions/", API_PATIENT),
    "api:patient-adverse-events": (
        "get", "/api/v1/patients/{sid}/adverse-events/", API_PATIENT
    ),
    "registry:enrollment_create": ("get", "/patients/{sid}/enrolments/new/", STUDY_DATA),
    "registry:intervention_create": ("get", "/patients/{sid}/interventions/new/", STUDY_DATA),
    "registry:intervention_edit": (
        "get", "/patients/{sid}/interventions/{intervention}/edit/", STUDY_DATA
    ),
    "registry:adverse_event_create": (
        "get", "/patients/{sid}/adverse-events/new/", STUDY_DATA
    ),
    "registry:adverse_event_edit": (
        "get", "/patients/{sid}/adverse-events/{adverse_event}/edit/", STUDY_DATA
    ),
}

# Does the route show or change a patient's data (tests/test_url_matrix.py)? Every request
# that shows a PATIENT_DATA route writes an access-log row; NO_PATIENT_DATA says why the
# others do not. Every route above is in exactly one of the two.
PATIENT_DATA = {
    "registry:patient_list", "registry:patient_detail", "registry:patient_edit",
    "registry:patient_history", "registry:condition_add", "registry:condition_remove",
    "registry:visit_create", "registry:visit_edit", "api:patient-list", "api:patient-detail",
    "api:patient-visits", "registry:allocation_list", "registry:safety_patients",
    "registry:visits_due", "registry:notification_list", "api:study-safety",
    "api:patient-enrolments", "api:patient-interventions", "api:patient-adverse-events",
    "registry:enrollment_create", "registry:intervention_create", "registry:intervention_edit",
    "registry:adverse_event_create", "registry:adverse_event_edit",
}
NO_PATIENT_DATA = {
    "registry:patient_create": "an empty registration form",
    "registry:study_list": "studies and enrolment counts",
    "registry:study_create": "an empty study form",
    "registry:study_detail": "the protocol: arms, schedule, enrolment counts",
    "registry:study_edit": "the study's own fields",
    "registry:arm_create": "an empty arm form",
    "registry:arm_edit": "one arm's own fields",
    "registry:timepoint_create": "an empty timepoint form",
    "registry:timepoint_edit": "one timepoint's own fields",
    "registry:allocation_edit": "an unused allocation (a used one cannot be changed)",
    "registry:safety_table": "counts per arm; the patients behind each are on safety_patients",
    "registry:notifications_read": "marks the person's notifications read",
    "api:study-list": "studies and enrolment counts",
    "api:study-detail": "the protocol",
    "api:study-arms": "arms and per-arm counts",
}


def _study_objects(patient) -> dict:
    study = Study.objects.create(code="MX-OPEN", name="Matrix study", blinded=False)
    arm = Arm.objects.create(study=study, code="A", name="Arm A")
    timepoint = Timepoint.objects.create(study=study, code="month_1", name="Month 1",
                                         target_day=30, window_before=7, window_after=7)
    # A visit window long closed with no visit in it: the patient is overdue (visits_due).
    Timepoint.objects.create(study=study, code="day_200", name="Day 200", target_day=200,
                             window_before=7, window_after=7)
    allocation = Allocation.objects.create(study=study, site=patient.site, sequence=1, arm=arm)
    used = Allocation.objects.create(study=study, site=patient.site, sequence=2, arm=arm)
    enrollment = Enrollment.objects.create(
        patient=patient, study=study, arm=arm, enrolled_on=patient.enrolled_on, allocation=used
    )
    for person in get_user_model().objects.all():  # each of the cast who sees the patient
        if not patients_visible_to(person).filter(pk=patient.pk).exists():
            continue
        Notification.objects.create(
            recipient=person, kind="overdue_visit", patient=patient, enrollment=enrollment,
            timepoint=timepoint, message=f"{patient.study_id}: month 1 visit overdue",
        )
    intervention = Intervention.objects.create(
        patient=patient, enrollment=enrollment, kind="other", product="Test",
        start_date=patient.enrolled_on,
    )
    event = AdverseEvent.objects.create(
        patient=patient, onset_date=patient.enrolled_on, description="Headache",
        severity="mild", relatedness="unlikely", outcome="recovered",
    )
    return {
        "study": study.code, "arm": arm.pk, "timepoint": timepoint.pk,
        "allocation": allocation.pk, "intervention": intervention.pk,
        "adverse_event": event.pk,
    }


def path_kwargs(patient) -> dict:
    visit = VisitFactory(patient=patient, date=dt.date(2025, 1, 15))
    condition = PatientCondition.objects.create(
        patient=patient, condition=Condition.objects.get(code="diabetes")
    )
    return {"visit": visit.pk, "condition": condition.pk, **_study_objects(patient)}
