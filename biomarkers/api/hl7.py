"""HL7 v2.5.1 ORU^R01 over HTTP: the message in, an ACK out (docs/biomarkers.md).

MSA|AA: every catalogued result was taken (parked ones included, with a warning);
MSA|AE: some results were refused, each named in an ERR segment, the others taken;
MSA|AR: the message could not be read; nothing was applied (HTTP 400);
MSA|AE with HTTP 503 + Retry-After: the database was unavailable; nothing was applied
and the message id was not recorded: send the same message again later.
A retransmission (same MSH-10 from the same laboratory) is acknowledged with the
original code and not applied again.
"""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import renderers
from rest_framework.views import APIView

from biomarkers import services
from biomarkers.api.authentication import LAB_AUTHENTICATION, IsLabClient
from biomarkers.api.parsers import Hl7Parser, Hl7Renderer, Hl7TextParser, Hl7TextRenderer
from biomarkers.api.views import LabBodyLimit, scope_of, source_of
from biomarkers.parsing import AckIssue, Hl7ParseError, build_ack, parse_oru, skipped_ack_issues
from core.transient import MESSAGE

HL7_CONTENT_TYPE = "x-application/hl7-v2+er7"
RETRY_LATER = (429, 503)

EXAMPLE_ORU = "\r".join(
    [
        "MSH|^~\\&|LIS|CENTRAL LAB||REGISTRY|20250301121500+0100||ORU^R01^ORU_R01|MSG00001|P|2.5.1",
        "PID|1||A100000^^^A^MR||Doe^Jane||19440314|F",
        "OBR|1|ORD1|FILL1^LAB|26881-3^IL-6^LN|||20250301081500+0100",
        "OBX|1|NM|26881-3^Interleukin 6^LN||3.2|pg/mL^^UCUM|<7.0|N|||F|||20250301081500+0100",
        "OBX|2|SN|1988-5^CRP^LN||<^0.5|mg/L^^UCUM|<5.0|N|||F|||20250301081500+0100",
    ]
)


def _ack_response(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, status=status, content_type=HL7_CONTENT_TYPE)


class Hl7OruApi(LabBodyLimit, APIView):
    """Laboratory key; ER7 text in, ACK out (refusals too: a lab system reads ACKs)."""

    authentication_classes = LAB_AUTHENTICATION
    permission_classes = [IsLabClient]
    parser_classes = [Hl7Parser, Hl7TextParser]
    renderer_classes = [renderers.JSONRenderer, Hl7Renderer, Hl7TextRenderer]

    def handle_exception(self, exc):
        """Every refusal (401, 403, 413, 415, 429, ...) as an ACK with the reason in MSA-3:
        AE where the sender should try again later, AR otherwise."""
        response = super().handle_exception(exc)
        if response.status_code == 503:  # the message was read: its ACK names it (MSA-2)
            ack = self.transient_response(self.request)
            ack["Retry-After"] = response["Retry-After"]
            return ack
        detail = response.data.get("detail") if isinstance(response.data, dict) else None
        code = "AE" if response.status_code in RETRY_LATER else "AR"
        ack = _ack_response(build_ack(None, code, str(detail or "Request refused.")),
                            status=response.status_code)  # fmt: skip
        for header in ("WWW-Authenticate", "Retry-After"):
            if header in response:
                ack[header] = response[header]
        return ack

    @staticmethod
    def transient_response(request) -> HttpResponse:
        """An ACK AE naming the outage; without the message at hand, no ACK (sender resends)."""
        try:
            message = request.data if hasattr(request, "data") else request.body.decode()
        except Exception:  # noqa: BLE001 - the body was consumed or unreadable: no ACK
            return HttpResponse(MESSAGE, status=503, content_type="text/plain; charset=utf-8")
        issue = AckIssue(text=MESSAGE, severity="E", location="MSH")
        return _ack_response(build_ack(message or "", "AE", MESSAGE, [issue]), status=503)

    @extend_schema(
        summary="Post one HL7 v2 ORU^R01 message; answered with an ACK",
        request={HL7_CONTENT_TYPE: OpenApiTypes.STR, "text/plain": OpenApiTypes.STR},
        responses={
            (200, HL7_CONTENT_TYPE): OpenApiResponse(description="ACK with MSA|AA or MSA|AE."),
            (400, HL7_CONTENT_TYPE): OpenApiResponse(description="ACK with MSA|AR."),
            (413, HL7_CONTENT_TYPE): OpenApiResponse(description="ACK with MSA|AR: too large."),
            (415, HL7_CONTENT_TYPE): OpenApiResponse(description="ACK with MSA|AR: not ER7."),
            (503, HL7_CONTENT_TYPE): OpenApiResponse(description="ACK with MSA|AE: resend."),
        },
        examples=[OpenApiExample("ORU^R01", value=EXAMPLE_ORU, request_only=True)],
    )
    def post(self, request):
        message = request.data  # 415 here for another content type
        try:
            parsed = parse_oru(message or b"")
        except Hl7ParseError as exc:
            return _ack_response(build_ack(message or "", "AR", exc.message), status=400)
        source = source_of(request)
        claim = services.hl7_message_claim(source=source, control_id=parsed.control_id)
        if claim is None:
            previous = services.hl7_message_previous(source=source, control_id=parsed.control_id)
            text = (
                f"Duplicate of message {parsed.control_id} received "
                f"{previous.received_at:%Y-%m-%d %H:%M} UTC; not applied again."
            )
            return _ack_response(build_ack(message, previous.ack_code, text))
        report = services.lab_results_ingest(
            source=source, records=parsed.records, scope=scope_of(request)
        )
        issues = [
            AckIssue(text="; ".join(item.errors), severity="E", location=f"OBX^{item.index + 1}")
            for item in report.rejected
        ]
        issues += [
            AckIssue(text="; ".join(item.notes), severity="W", location=f"OBX^{item.index + 1}")
            for item in report.items
            if item.outcome == "parked"
        ]
        code = "AE" if report.rejected else "AA"
        services.hl7_message_acknowledged(message=claim, ack_code=code)
        summary = ", ".join(f"{n} {k}" for k, n in report.summary().items() if n and k != "total")
        text = f"{len(parsed.records)} catalogued result(s): {summary or 'none'}."
        return _ack_response(build_ack(message, code, text, [*issues, *skipped_ack_issues(parsed)]))
