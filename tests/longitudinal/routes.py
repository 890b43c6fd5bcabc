"""URL-matrix rows for the longitudinal pages and API."""

from longitudinal.models import Alert
from tests.longitudinal.routes_exports import ROUTES as EXPORT_ROUTES
from tests.longitudinal.routes_exports import path_kwargs as export_path_kwargs
from tests.matrix import LOGIN

ROUTES = {
    "longitudinal:timeline": (
        "get", "/timeline/{sid}/", dict(a=200, b=404, coord=200, lab=LOGIN, anon=LOGIN)
    ),
    "longitudinal:alert_acknowledge": (
        "post", "/timeline/{sid}/alerts/{alert}/acknowledge/",
        dict(a=302, b=404, coord=403, lab=LOGIN, anon=LOGIN),  # coordinators only read
    ),
    "longitudinal:alert_undo": (  # posted without the required reason: 400
        "post", "/timeline/{sid}/alerts/{alert}/undo/",
        dict(a=400, b=404, coord=403, lab=LOGIN, anon=LOGIN),
    ),
    "longitudinal:cohort": (
        "get", "/cohort/", dict(a=403, b=403, coord=200, lab=LOGIN, anon=LOGIN)
    ),
    "longitudinal:cohort_patients": (
        "get", "/cohort/patients/?cell=all", dict(a=403, b=403, coord=200, lab=LOGIN, anon=LOGIN)
    ),
    "api:patient-timeline": (
        "get", "/api/v1/patients/{sid}/timeline/",
        dict(a=200, b=404, coord=200, lab=403, anon=403),
    ),
    "api:cohort-summary": (
        "get", "/api/v1/cohort/summary/", dict(a=403, b=403, coord=200, lab=403, anon=403)
    ),
}

ROUTES.update(EXPORT_ROUTES)


def path_kwargs(patient) -> dict:
    alert = Alert.objects.create(
        patient=patient, kind="cfs_rise", source="test:1", message="CFS 3 → 6",
        observed_on="2025-07-15",
    )
    return {"alert": alert.pk, **export_path_kwargs(patient)}
