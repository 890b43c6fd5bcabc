"""URL-matrix rows for assessment pages and API."""

import datetime as dt

from assessments.models import Assessment
from registry.models import Visit
from tests.matrix import LOGIN

ROUTES = {
    "assessments:visit_entry": (
        "get", "/assessments/{sid}/visits/new/",
        dict(a=200, b=404, coord=403, lab=LOGIN, anon=LOGIN),
    ),
    "assessments:visit_entry_edit": (
        "get", "/assessments/{sid}/visits/{assessed_visit}/edit/",
        dict(a=200, b=404, coord=403, lab=LOGIN, anon=LOGIN),
    ),
    "assessments:visit_summary": (
        "get", "/assessments/{sid}/visits/{assessed_visit}/",
        dict(a=200, b=404, coord=200, lab=LOGIN, anon=LOGIN),
    ),
    "api:instrument-list": (
        "get", "/api/v1/instruments/", dict(a=200, b=200, coord=200, lab=403, anon=403)
    ),
    "api:instrument-detail": (
        "get", "/api/v1/instruments/fried/", dict(a=200, b=200, coord=200, lab=403, anon=403)
    ),
    "api:instrument-score": (
        "post", "/api/v1/instruments/cfs/score/",
        dict(a=400, b=400, coord=400, lab=403, anon=403),
    ),
    "api:patient-assessments": (
        "get", "/api/v1/patients/{sid}/assessments/",
        dict(a=200, b=404, coord=200, lab=403, anon=403),
    ),
}

# Does the route show or change a patient's data (tests/test_url_matrix.py)? Every request
# that shows a PATIENT_DATA route writes an access-log row; NO_PATIENT_DATA says why the
# others do not. Every route above is in exactly one of the two.
PATIENT_DATA = {
    "assessments:visit_entry", "assessments:visit_entry_edit", "assessments:visit_summary",
    "api:patient-assessments",
}
NO_PATIENT_DATA = {
    "api:instrument-list": "instrument schemas only",
    "api:instrument-detail": "instrument schemas only",
    "api:instrument-score": "scores the inputs sent; nothing stored or read",
}


def path_kwargs(patient) -> dict:
    visit = Visit.objects.create(patient=patient, date=dt.date(2025, 6, 1), kind="follow_up")
    Assessment.objects.create(
        visit=visit, instrument="cfs", version="cfs_v2_2020", inputs={"level": 3}, score=3,
        category="robust",
    )
    return {"assessed_visit": visit.pk}
