"""URL-matrix rows for the registry's pages and API."""

import datetime as dt

from registry.models import Condition, PatientCondition
from tests.factories import VisitFactory
from tests.matrix import LOGIN

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
}


def path_kwargs(patient) -> dict:
    visit = VisitFactory(patient=patient, date=dt.date(2025, 1, 15))
    condition = PatientCondition.objects.create(
        patient=patient, condition=Condition.objects.get(code="diabetes")
    )
    return {"visit": visit.pk, "condition": condition.pk}
