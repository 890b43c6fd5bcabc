"""URL-matrix rows for the biomarker pages and the laboratory API (tests/test_url_matrix.py).

Laboratory endpoints answer a key only: people get 403, strangers 401 (the
`WWW-Authenticate: Api-Key` challenge). A bodiless POST from the lab is a 415.
"""

from tests.matrix import LOGIN

LAB_ONLY_POST = dict(a=403, b=403, coord=403, lab=415, anon=401)
COHORT_PAGE = dict(a=403, b=403, coord=200, lab=LOGIN, anon=LOGIN)

ROUTES = {
    "api:lab-results": (
        "get",
        "/api/v1/lab-results/",
        dict(a=403, b=403, coord=403, lab=200, anon=401),
    ),
    "api:patient-lab-results": (
        "get",
        "/api/v1/patients/{sid}/lab-results/",
        dict(a=200, b=404, coord=200, lab=403, anon=403),
    ),
    "api:fhir-observation": ("post", "/api/v1/fhir/Observation", LAB_ONLY_POST),
    "api:fhir-observation-read": (
        "get",
        "/api/v1/fhir/Observation/{result}",
        dict(a=403, b=403, coord=403, lab=404, anon=401),  # posted by another laboratory
    ),
    "api:fhir-bundle": ("post", "/api/v1/fhir", LAB_ONLY_POST),
    "api:hl7-oru": ("post", "/api/v1/hl7/oru", LAB_ONLY_POST),
    "biomarkers:panel_entry": (
        "get",
        "/labs/patients/{sid}/results/new/",
        dict(a=200, b=404, coord=403, lab=LOGIN, anon=LOGIN),
    ),
    "biomarkers:result_history": (
        "get",
        "/labs/patients/{sid}/results/{result}/history/",
        dict(a=200, b=404, coord=200, lab=LOGIN, anon=LOGIN),
    ),
    "biomarkers:inbox": ("get", "/labs/inbox/", COHORT_PAGE),
    "biomarkers:parked_detail": ("get", "/labs/inbox/{parked}/", COHORT_PAGE),
    "biomarkers:upload_create": ("get", "/labs/uploads/", COHORT_PAGE),
    "biomarkers:upload_detail": ("get", "/labs/uploads/{upload}/", COHORT_PAGE),
    "biomarkers:upload_report": ("get", "/labs/uploads/{upload}/report.csv", COHORT_PAGE),
}

# Does the route show or change a patient's data (tests/test_url_matrix.py)? Every request
# that shows a PATIENT_DATA route writes an access-log row; NO_PATIENT_DATA says why the
# others do not. Every route above is in exactly one of the two.
PATIENT_DATA = {
    "api:patient-lab-results", "biomarkers:panel_entry", "biomarkers:result_history",
}
NO_PATIENT_DATA = {
    "api:lab-results": "a laboratory key reads back its own submissions; people are refused",
    "api:fhir-observation": "a laboratory posts results; people are refused",
    "api:fhir-observation-read": "a laboratory reads back its own observation",
    "api:fhir-bundle": "a laboratory posts results; people are refused",
    "api:hl7-oru": "a laboratory posts results; people are refused",
    "biomarkers:inbox": "unmatched results: identifiers as the laboratory sent them, no "
                        "registry patient (matching one goes through patient_get_for_user)",
    "biomarkers:parked_detail": "one unmatched result, as above",
    "biomarkers:upload_create": "the upload form and the uploader's own files",
    "biomarkers:upload_detail": "progress and counts of the uploader's own file",
    "biomarkers:upload_report": "per-row outcomes of the uploader's own file",
}


def path_kwargs(patient) -> dict:
    """A result and a visit of the patient, a parked result and a finished upload by the
    coordinator of the cast (created by the matrix fixture before this runs)."""
    import datetime as dt

    from django.contrib.auth import get_user_model

    from biomarkers import services
    from biomarkers.models import LabClient, LabUpload, UploadStatus
    from biomarkers.parsing.jsonitem import json_record
    from biomarkers.patient_scope import patient_scope_for_lab_client
    from tests.factories import VisitFactory

    VisitFactory(patient=patient, date=dt.date(2025, 2, 15), kind="follow_up")
    client, _ = LabClient.objects.create_key(name="Matrix Lab")
    client.sites.set([patient.site])
    source = services.lab_source_for_client(lab_client=client)
    base = {
        "analyte": "CRP", "value": "3", "unit": "mg/L", "status": "final",
        "collected_at": "2025-01-15T09:00:00+00:00",
    }  # fmt: skip
    stored = json_record(
        0, {**base, "patient": {"study_id": patient.study_id}, "external_id": "M-1"}
    )
    parked = json_record(1, {**base, "patient": {"study_id": "FR-999999"}, "external_id": "M-2"})
    report = services.lab_results_ingest(
        source=source, records=[stored, parked], scope=patient_scope_for_lab_client(client)
    )
    upload = LabUpload.objects.create(
        uploaded_by=get_user_model().objects.get(username="cora"),
        source=source, filename="m.csv", content="", status=UploadStatus.DONE, report="row\n",
    )  # fmt: skip
    return {
        "result": report.items[0].id,
        "parked": report.items[1].parked_id,
        "upload": upload.public_id,
    }
