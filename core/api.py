"""API plumbing shared by every app: pagination and the error envelope, `{"detail",
"errors"}` for every refusal (docs/decisions.md, "Errors")."""


from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.transient import MESSAGE, is_transient, log_transient


def validated_input(serializer_class, data, **kwargs) -> dict:
    """The body checked by an input serializer (400 with the envelope if it is not), as a
    plain dict of keyword arguments for the service."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class Pagination(PageNumberPagination):
    """Page-numbered lists; clients may ask for up to 500 rows a page."""

    page_size_query_param = "page_size"
    max_page_size = 500


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def _request_refusal(exc) -> exceptions.APIException | None:
    """Django's own refusals of a request body (raised while DRF reads it) as API errors:
    otherwise they would be answered with Django's HTML 400 page."""
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(
            f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
        )
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return exceptions.ParseError(
            f"The request has too many form fields or files ({exc}); send JSON instead."
        )
    return None


def _as_error_lists(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            str(field): [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
            for field, msgs in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {}


class TemporarilyUnavailable(exceptions.APIException):
    """503 + Retry-After (DRF sends `wait` as Retry-After): the same request will succeed."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = MESSAGE
    default_code = "temporarily_unavailable"

    def __init__(self, detail=None):
        super().__init__(detail)
        self.wait = settings.RETRY_AFTER_SECONDS


def exception_handler(exc, context):
    """Answer every API error as `{"detail": ..., "errors": {field: [messages]}}`.

    Services raise Django's ValidationError; it becomes a 400 here so that HTML forms
    and the API share one set of rules and messages. A database or broker failure
    (core.transient) becomes a 503 with Retry-After, and the request's transaction is
    rolled back, never an item-level refusal or a 500.
    """
    exc = _request_refusal(exc) or exc
    if is_transient(exc):
        log_transient(exc, context["request"].path if context.get("request") else "API")
        exc = TemporarilyUnavailable()
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _as_error_lists(exc.detail)
        response.data = {"detail": _summary(errors), "errors": errors}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"]), "errors": {}}
    return response


def _summary(errors: dict[str, list[str]]) -> str:
    fields = [f for f in errors if f != "non_field_errors"]
    if not fields:
        return "; ".join(errors.get("non_field_errors", ["Invalid input."]))
    return "Invalid input: please check " + ", ".join(fields) + "."


def error_response(detail: str, *, errors=None, code=status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"detail": detail, "errors": errors or {}}, status=code)
