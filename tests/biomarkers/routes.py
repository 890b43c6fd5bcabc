"""URL-matrix rows for the biomarker pages and the laboratory API (tests/test_url_matrix.py).

Laboratory endpoints answer a key only: people get 403, strangers 401 (the
`WWW-Authenticate: Api-Key` challenge). A bodiless POST from the lab is a 415.
"""

LAB_ONLY_POST = dict(a=403, b=403, coord=403, lab=415, anon=401)

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
}


def path_kwargs(patient) -> dict:
    from biomarkers import services
    from biomarkers.models import LabClient
    from biomarkers.parsing.jsonitem import json_record

    client, _ = LabClient.objects.create_key(name="Matrix Lab")
    source = services.lab_source_for_client(lab_client=client)
    record = json_record(0, {
        "patient": {"study_id": patient.study_id}, "analyte": "CRP", "value": "3",
        "unit": "mg/L", "collected_at": "2025-01-15T09:00:00+00:00", "external_id": "M-1",
        "status": "final",
    })  # fmt: skip
    report = services.lab_results_ingest(source=source, records=[record])
    return {"result": report.items[0].id}
