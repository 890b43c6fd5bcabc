"""URL-matrix rows for the export pages and API (imported by tests/longitudinal/routes.py).

The export whose pages are tried belongs to the coordinator ("cora") and has finished
(written by the real service into the matrix's temporary MEDIA_ROOT), so its download
answers her with the file and writes an access-log row per patient in it.
"""

from django.contrib.auth import get_user_model

from longitudinal.exports.services import export_run
from longitudinal.models import ExportJob
from tests.matrix import LOGIN

COHORT_PAGE = dict(a=403, b=403, coord=200, lab=LOGIN, anon=LOGIN)
COHORT_API = dict(a=403, b=403, coord=200, lab=403, anon=403)

ROUTES = {
    "longitudinal:export_create": ("get", "/exports/", COHORT_PAGE),
    "longitudinal:export_log": ("get", "/exports/log/", COHORT_PAGE),
    "longitudinal:export_detail": ("get", "/exports/{export}/", COHORT_PAGE),
    "longitudinal:export_download": ("get", "/exports/{export}/download/", COHORT_PAGE),
    # An empty body: 400 (kind is required) once the role check has passed.
    "api:exports": ("post", "/api/v1/exports/", dict(COHORT_API, coord=400)),
    "api:export-detail": ("get", "/api/v1/exports/{export}/", COHORT_API),
}

# Does the route show or change a patient's data (tests/test_url_matrix.py)? Every request
# that shows a PATIENT_DATA route writes an access-log row; NO_PATIENT_DATA says why the
# others do not. Every route above is in exactly one of the two.
PATIENT_DATA = {"longitudinal:export_download"}  # the file: one row per patient in it
NO_PATIENT_DATA = {
    "longitudinal:export_create": "the export form and the person's own recent exports",
    "longitudinal:export_log": "who exported what, with which filters",
    "longitudinal:export_detail": "the progress of one export",
    "api:exports": "requests an export; the file is read at download",
    "api:export-detail": "the status of one export",
}




def path_kwargs(patient) -> dict:
    owner = get_user_model().objects.get(username="cora")
    job = ExportJob.objects.create(
        requested_by=owner, kind="tidy", filters={"cohort": {}, "date_mode": "shifted"}
    )
    export_run(job_id=job.pk)  # the patient's visits and measures come from other modules
    return {"export": job.public_id}
