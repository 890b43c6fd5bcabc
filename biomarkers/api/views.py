"""REST endpoints for laboratory results (docs/biomarkers.md): the JSON batch,
the laboratory's read-back and a patient's results. FHIR and HL7 v2 live in fhir.py and
hl7.py; all of them call biomarkers.services.lab_results_ingest.
"""

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics
from rest_framework.response import Response

from biomarkers import selectors, services
from biomarkers.api.authentication import LAB_AUTHENTICATION, IsLabClient
from biomarkers.api.filtersets import LabReadBackFilterSet, LabResultFilterSet
from biomarkers.api.parsers import DecimalJSONParser
from biomarkers.api.serializers import (
    ErrorOutput,
    LabReadBackOutput,
    LabResultBatchInput,
    LabResultBatchOutput,
    LabResultOutput,
)
from biomarkers.models import LabResult, LabSource
from biomarkers.parsing.jsonitem import json_record
from biomarkers.patient_scope import PatientScope, patient_scope_for_lab_client
from core.api import PayloadTooLarge
from registry.access import patient_get_for_user


def check_body_size(request, limit: int | None = None) -> None:
    """413 before reading a body larger than the configured limit."""
    limit = limit or settings.LAB_RESULTS_MAX_BODY_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise exceptions.ParseError("Invalid Content-Length header.") from None
    if length > limit:
        raise PayloadTooLarge(f"The request body is {length} bytes; the limit is {limit} bytes.")


class LabBodyLimit:
    """Laboratory feeds take bodies up to LAB_RESULTS_MAX_BODY_BYTES, more than pages do.

    core.middleware reads ``max_body_bytes`` of the view before anything of the body is
    read and leaves a larger body unread; ``initial`` (before any handler) answers it
    with a 413 in the endpoint's own error format (JSON, OperationOutcome, HL7 ACK).
    """

    @staticmethod
    def max_body_bytes() -> int:
        return settings.LAB_RESULTS_MAX_BODY_BYTES

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_body_size(request, self.max_body_bytes())


def source_of(request) -> LabSource:
    """The source of what this laboratory key posts (created with its first post)."""
    return services.lab_source_for_client(lab_client=request.auth)


def read_back_of(request) -> QuerySet[LabResult]:
    """What this laboratory key posted; nothing before its first post (a read creates
    no source)."""
    source = services.lab_source_of_client(lab_client=request.auth)
    return selectors.lab_results_of_source(source=source)


def scope_of(request) -> PatientScope:
    """The patients of the sites the key serves; results for anyone else are parked."""
    return patient_scope_for_lab_client(request.auth)


EXAMPLE_BATCH = {
    "results": [
        {
            "patient": {"study_id": "FR-000001"},
            "analyte": "IL6",
            "value": 3.2,
            "unit": "pg/mL",
            "collected_at": "2025-03-01T08:15:00+01:00",
            "external_id": "LAB-2025-000001-IL6",
            "status": "final",
            "reference_range": "<7.0",
            "specimen": "serum",
        },
        {
            "patient": {"site": "A", "mrn": "A100000"},
            "loinc": "1988-5",
            "value": "<0.5",
            "unit": "mg/dl",
            "collected_at": "2025-03-01T08:15:00+01:00",
            "external_id": "LAB-2025-000001-CRP",
            "status": "final",
        },
    ]
}
ERRORS = {
    400: OpenApiResponse(ErrorOutput, description="Malformed JSON or envelope."),
    413: OpenApiResponse(ErrorOutput, description="More than 5,000 results or body too large."),
    415: OpenApiResponse(ErrorOutput, description="Content-Type is not application/json."),
}


class LabResultsApi(LabBodyLimit, generics.GenericAPIView):
    """Laboratory systems post batches of results and read back what they posted."""

    authentication_classes = LAB_AUTHENTICATION
    permission_classes = [IsLabClient]
    parser_classes = [DecimalJSONParser]
    serializer_class = LabReadBackOutput
    filterset_class = LabReadBackFilterSet
    queryset = LabResult.objects.none()  # scoped to the key's source in get_queryset

    def get_queryset(self):
        return read_back_of(self.request)

    @extend_schema(
        summary="Read back the results this laboratory key posted",
        responses={200: LabReadBackOutput(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(LabReadBackOutput(page, many=True).data)

    @extend_schema(
        summary="Post a batch of laboratory results (at most 5,000)",
        request=LabResultBatchInput,
        responses={200: LabResultBatchOutput, **ERRORS},
        examples=[OpenApiExample("Two results", value=EXAMPLE_BATCH, request_only=True)],
    )
    def post(self, request):
        results = _batch_items(request.data)
        records = [json_record(index, item) for index, item in enumerate(results)]
        report = services.lab_results_ingest(
            source=source_of(request), records=records, scope=scope_of(request)
        )
        return Response(
            {"results": [item.as_dict() for item in report.items], "summary": report.summary()}
        )


def _batch_items(data) -> list:
    if not isinstance(data, dict) or "results" not in data:
        raise exceptions.ValidationError({"results": ['Expected {"results": [ ... ]}.']})
    results = data["results"]
    if not isinstance(results, list):
        raise exceptions.ValidationError({"results": ["Expected a list of results."]})
    limit = settings.LAB_RESULTS_MAX_ITEMS
    if len(results) > limit:
        raise PayloadTooLarge(f"{len(results)} results in one batch; at most {limit} are accepted.")
    return results


class PatientLabResultsApi(generics.ListAPIView):
    """A patient's current results (retracted ones excluded), newest first."""

    serializer_class = LabResultOutput
    filterset_class = LabResultFilterSet
    queryset = LabResult.objects.none()  # scoped to the patient in get_queryset

    def get_queryset(self):
        patient = patient_get_for_user(user=self.request.user, study_id=self.kwargs["study_id"])
        return selectors.lab_results_for_patient(patient=patient)
