"""FHIR R4 endpoints: one Observation, or a transaction/batch Bundle (docs/biomarkers.md).

Answers follow FHIR conventions: 201 + Location for a created Observation, 200 for a
conditional create that matched or an unchanged resend, OperationOutcome bodies for
errors (400 unreadable, 422 refused by a business rule, 413, 415), a transaction Bundle
all-or-nothing and a batch Bundle answered entry by entry.
"""

from typing import Any

from django.conf import settings
from django.http import JsonResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, renderers, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from biomarkers import services
from biomarkers.api.authentication import LAB_AUTHENTICATION, IsLabClient
from biomarkers.api.parsers import FhirJSONParser, FhirJSONRenderer, PlainJSONAsFhirParser
from biomarkers.api.views import LabBodyLimit, PayloadTooLarge, read_back_of, scope_of, source_of
from biomarkers.models import LabResult
from biomarkers.parsing import FhirParseError, LabRecord, parse_fhir
from biomarkers.parsing.fhir import FhirParseResult
from core.transient import MESSAGE

FHIR_CONTENT_TYPE = "application/fhir+json"
STATUS_LINES = {
    "created": "201 Created",
    "unchanged": "200 OK",
    "updated": "200 OK",
    "retracted": "200 OK",
    "parked": "202 Accepted",
    "rejected": "422 Unprocessable Entity",
}


def issue(diagnostics: str, *, severity="error", code="invalid", expression=None) -> dict:
    found = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        found["expression"] = [expression]
    return found


def operation_outcome(issues: list[dict]) -> dict:
    return {"resourceType": "OperationOutcome", "issue": issues}


def _record_issues(record: LabRecord, prefix: str = "") -> list[dict]:
    return [
        issue(problem.message, expression=f"{prefix}{problem.location or 'Observation'}")
        for problem in record.errors
    ]


def _location(pk: int) -> str:
    return reverse("api:fhir-observation-read", kwargs={"pk": pk})


class FhirApiView(LabBodyLimit, APIView):
    """Laboratory key, FHIR JSON in and out, every error as an OperationOutcome."""

    authentication_classes = LAB_AUTHENTICATION
    permission_classes = [IsLabClient]
    parser_classes = [FhirJSONParser, PlainJSONAsFhirParser]
    renderer_classes = [FhirJSONRenderer, renderers.JSONRenderer]

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        detail = response.data.get("detail") if isinstance(response.data, dict) else None
        errors = response.data.get("errors") if isinstance(response.data, dict) else None
        messages = [f"{k}: {'; '.join(v)}" for k, v in (errors or {}).items()]
        code = {401: "security", 403: "security", 413: "too-costly", 415: "not-supported",
                429: "throttled", 503: "transient"}  # fmt: skip
        response.data = operation_outcome(
            [issue(m, code=code.get(response.status_code, "invalid")) for m in
             (messages or [str(detail or "Request refused.")])]
        )  # fmt: skip
        return response

    @staticmethod
    def transient_response(request) -> JsonResponse:
        """core.transient: a failure outside the view (its COMMIT) as an OperationOutcome."""
        body = operation_outcome([issue(MESSAGE, code="transient")])
        return JsonResponse(body, status=503, content_type=FHIR_CONTENT_TYPE)

    def parse(self, request) -> FhirParseResult:
        body = request.data  # 415 here for a content type that is not FHIR JSON
        try:
            return parse_fhir(body or b"", max_depth=settings.JSON_MAX_DEPTH)
        except FhirParseError as exc:
            raise exceptions.ParseError(exc.message) from exc


class OperationOutcomeSchema(serializers.Serializer):
    resourceType = serializers.CharField(default="OperationOutcome")  # noqa: N815
    issue = serializers.ListField(child=serializers.DictField())


class FhirResourceSchema(serializers.Serializer):
    resourceType = serializers.CharField()  # noqa: N815


EXAMPLE_OBSERVATION = {
    "resourceType": "Observation",
    "identifier": [{"system": "https://lab.example.org/results", "value": "OBS-1"}],
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "26881-3", "display": "IL-6"}]},
    "subject": {"identifier": {"system": "urn:frailty-registry:study-id", "value": "FR-000001"}},
    "effectiveDateTime": "2025-03-01T08:15:00+01:00",
    "issued": "2025-03-01T12:00:00Z",
    "valueQuantity": {
        "value": 3.2, "unit": "pg/mL", "system": "http://unitsofmeasure.org", "code": "pg/mL"
    },
}
FHIR_ERRORS = {
    400: OpenApiResponse(OperationOutcomeSchema, description="Unreadable FHIR."),
    413: OpenApiResponse(OperationOutcomeSchema, description="Body or Bundle too large."),
    415: OpenApiResponse(OperationOutcomeSchema, description="Not FHIR JSON."),
    422: OpenApiResponse(OperationOutcomeSchema, description="Refused by a registry rule."),
}


class FhirObservationApi(FhirApiView):
    """POST one Observation."""

    @extend_schema(
        summary="Post one FHIR R4 Observation",
        request={FHIR_CONTENT_TYPE: FhirResourceSchema, "application/json": FhirResourceSchema},
        responses={200: OperationOutcomeSchema, 201: OperationOutcomeSchema,
                   202: OperationOutcomeSchema, **FHIR_ERRORS},
        examples=[OpenApiExample("IL-6", value=EXAMPLE_OBSERVATION, request_only=True)],
    )  # fmt: skip
    def post(self, request):
        parsed = self.parse(request)
        if parsed.bundle_type is not None:
            raise exceptions.ParseError("Post Bundles to /api/v1/fhir, not to /fhir/Observation.")
        (record,) = parsed.records
        if not record.ok:
            return Response(operation_outcome(_record_issues(record)), status=400)
        report = services.lab_results_ingest(
            source=source_of(request), records=[record], scope=scope_of(request)
        )
        (item,) = report.items
        return _observation_response(item)


def _observation_response(item: services.ItemOutcome) -> Response:
    if item.outcome == "rejected":
        issues = [issue(e, code="business-rule") for e in item.errors]
        return Response(operation_outcome(issues), status=422)
    text = f"Observation {item.outcome}" + (f": {'; '.join(item.notes)}" if item.notes else ".")
    body = operation_outcome([issue(text, severity="information", code="informational")])
    status_code = int(STATUS_LINES[item.outcome].split()[0])
    headers = {"Location": _location(item.id)} if item.id else {}
    return Response(body, status=status_code, headers=headers)


EXAMPLE_BUNDLE = {
    "resourceType": "Bundle",
    "type": "transaction",
    "entry": [
        {
            "fullUrl": "urn:uuid:8c4a3e64-0d5c-4f7b-9d1e-2f1f8a0e9b11",
            "resource": EXAMPLE_OBSERVATION,
            "request": {
                "method": "POST",
                "url": "Observation",
                "ifNoneExist": "Observation?identifier=https://lab.example.org/results|OBS-1",
            },
        }
    ],
}


class FhirBundleApi(FhirApiView):
    """POST a transaction (all-or-nothing) or batch (per entry) Bundle."""

    @extend_schema(
        summary="Post a FHIR R4 transaction or batch Bundle of Observations",
        request={FHIR_CONTENT_TYPE: FhirResourceSchema, "application/json": FhirResourceSchema},
        responses={200: FhirResourceSchema, **FHIR_ERRORS},
        examples=[OpenApiExample("Transaction", value=EXAMPLE_BUNDLE, request_only=True)],
    )
    def post(self, request):
        parsed = self.parse(request)
        if parsed.bundle_type is None:
            raise exceptions.ParseError("Post single Observations to /api/v1/fhir/Observation.")
        if parsed.entry_count > settings.LAB_RESULTS_MAX_ITEMS:
            raise PayloadTooLarge(
                f"{parsed.entry_count} entries; at most {settings.LAB_RESULTS_MAX_ITEMS}."
            )
        if parsed.bundle_type == "transaction":
            return _transaction(request, parsed)
        return _batch(request, parsed)


def _transaction(request, parsed: FhirParseResult) -> Response:
    if parsed.has_errors:
        issues = [i for r in parsed.records for i in _record_issues(r, f"Bundle.entry[{r.index}].")]
        issues += [
            issue(s.reason, code="not-supported", expression=f"Bundle.entry[{s.index}]")
            for s in parsed.skipped
            if s.is_error
        ]
        return Response(operation_outcome(issues), status=400)
    report = services.lab_results_ingest(
        source=source_of(request), records=parsed.records, scope=scope_of(request), atomic=True
    )
    if not report.applied:
        issues = [
            issue(e, code="business-rule", expression=f"Bundle.entry[{_entry(parsed, i)}]")
            for i in report.rejected
            for e in i.errors
        ]
        return Response(operation_outcome(issues), status=422)
    return Response(_response_bundle("transaction-response", parsed, report))


def _batch(request, parsed: FhirParseResult) -> Response:
    report = services.lab_results_ingest(
        source=source_of(request), records=parsed.records, scope=scope_of(request)
    )
    return Response(_response_bundle("batch-response", parsed, report))


def _entry(parsed: FhirParseResult, item: services.ItemOutcome) -> int:
    """Bundle entry index of a service outcome (records carry their entry index)."""
    return item.index


def _response_bundle(kind: str, parsed: FhirParseResult, report) -> dict[str, Any]:
    entries: dict[int, dict] = {}
    for item in report.items:
        response: dict[str, Any] = {"status": STATUS_LINES[item.outcome]}
        if item.id:
            response["location"] = f"Observation/{item.id}"
        if item.errors or item.notes:
            severity = "error" if item.errors else "information"
            code = "business-rule" if item.errors else "informational"
            response["outcome"] = operation_outcome(
                [issue(t, severity=severity, code=code) for t in (*item.errors, *item.notes)]
            )
        entries[item.index] = {"response": response}
    for skipped in parsed.skipped:
        status_line = "400 Bad Request" if skipped.is_error else "200 OK"
        response = {"status": status_line}
        if skipped.is_error:
            response["outcome"] = operation_outcome([issue(skipped.reason, code="not-supported")])
        entries[skipped.index] = {"response": response}
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [entries[index] for index in sorted(entries)],
    }


class FhirObservationReadApi(FhirApiView):
    """GET an Observation this laboratory key posted (the Location of a create)."""

    @extend_schema(summary="Read back a FHIR Observation this key posted",
                   responses={200: FhirResourceSchema, 404: OperationOutcomeSchema})  # fmt: skip
    def get(self, request, pk: int):
        result = read_back_of(request).filter(pk=pk).first()
        if result is None:
            raise exceptions.NotFound("No Observation with this id was posted with this key.")
        return Response(observation_of(result))


def observation_of(result: LabResult) -> dict[str, Any]:
    """A stored result as a FHIR Observation in canonical units (no patient identity)."""
    quantity: dict[str, Any] = {
        "value": float(result.value) if result.value is not None else None,
        "unit": result.unit,
        "system": "http://unitsofmeasure.org",
        "code": result.unit,
    }
    if result.comparator:
        quantity["comparator"] = result.comparator
    observation = {
        "resourceType": "Observation",
        "id": str(result.pk),
        "identifier": [_identifier(result)],
        "status": result.status,
        "code": {"coding": [{"system": "http://loinc.org", "code": result.loinc}]}
        if result.loinc
        else {"text": result.analyte_id},
        "effectiveDateTime": result.collected_at.isoformat(),
    }
    if result.value is not None:
        observation["valueQuantity"] = {k: v for k, v in quantity.items() if v is not None}
    return observation


def _identifier(result: LabResult) -> dict[str, str]:
    if result.external_id_system:
        return {"system": result.external_id_system, "value": result.external_id}
    return {"value": result.external_id}
