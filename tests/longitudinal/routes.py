"""URL-matrix rows for the longitudinal pages and API."""

from longitudinal.models import Alert
from tests.longitudinal.routes_exports import NO_PATIENT_DATA as EXPORT_NO_PATIENT_DATA
from tests.longitudinal.routes_exports import PATIENT_DATA as EXPORT_PATIENT_DATA
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

# Does the route show or change a patient's data (tests/test_url_matrix.py)? Every request
# that shows a PATIENT_DATA route writes an access-log row; NO_PATIENT_DATA says why the
# others do not. Every route above is in exactly one of the two.
PATIENT_DATA = {
    "longitudinal:timeline", "longitudinal:alert_acknowledge", "longitudinal:alert_undo",
    "longitudinal:cohort_patients", "api:patient-timeline", *EXPORT_PATIENT_DATA,
}
NO_PATIENT_DATA = {
    "longitudinal:cohort": "counts, medians and means of the cohort; the patients behind "
                           "each number are on cohort_patients",
    "api:cohort-summary": "the same figures as the dashboard",
    **EXPORT_NO_PATIENT_DATA,
}


def path_kwargs(patient) -> dict:
    alert = Alert.objects.create(
        patient=patient, kind="cfs_rise", source="test:1", message="CFS 3 → 6",
        observed_on="2025-07-15",
    )
    return {"alert": alert.pk, **export_path_kwargs(patient)}
