"""URL-matrix rows for the export pages and API (imported by tests/longitudinal/routes.py).

The export whose pages are tried belongs to the coordinator ("cora") and is still
waiting, so its download answers 404 even to her (the file does not exist yet); the
download of a finished file is tested in test_export_views.py.
"""

from django.contrib.auth import get_user_model

from longitudinal.models import ExportJob
from tests.matrix import LOGIN

COHORT_PAGE = dict(a=403, b=403, coord=200, lab=LOGIN, anon=LOGIN)
COHORT_API = dict(a=403, b=403, coord=200, lab=403, anon=403)

ROUTES = {
    "longitudinal:export_create": ("get", "/exports/", COHORT_PAGE),
    "longitudinal:export_log": ("get", "/exports/log/", COHORT_PAGE),
    "longitudinal:export_detail": ("get", "/exports/{export}/", COHORT_PAGE),
    "longitudinal:export_download": (
        "get", "/exports/{export}/download/", dict(COHORT_PAGE, coord=404)
    ),
    # An empty body: 400 (kind is required) once the role check has passed.
    "api:exports": ("post", "/api/v1/exports/", dict(COHORT_API, coord=400)),
    "api:export-detail": ("get", "/api/v1/exports/{export}/", COHORT_API),
}




def path_kwargs(patient) -> dict:
    owner = get_user_model().objects.get(username="cora")
    job = ExportJob.objects.create(requested_by=owner, kind="tidy")
    return {"export": job.public_id}
