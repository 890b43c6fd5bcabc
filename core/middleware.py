"""Refuse request bodies that are too large, and NUL characters, before anything reads them.

Body size: decided from Content-Length before a byte of the body is read (a WSGI body
has no more bytes than its Content-Length says). Limits (docs/security.md "Limits on
input"): a view may declare its own with a ``max_body_bytes()`` callable on its class
(the laboratory feeds do, and answer a larger body themselves in their own format);
otherwise file uploads may reach UPLOAD_MAX_BODY_BYTES and every other body
REQUEST_MAX_BODY_BYTES. Django's DATA_UPLOAD_MAX_MEMORY_SIZE is set to the largest of
them in settings, so that reading an accepted body never trips Django's own cap.

NUL: PostgreSQL text and jsonb values cannot hold NUL (0x00): a NUL in a path, a query
string or a form/JSON body would otherwise surface as a database error (a 500) deep in
whichever lookup first used it. No clinical text legitimately contains one.

Refusals are a 4xx in the API's error envelope under /api/, a readable page elsewhere;
so are a view's BadRequest (request data that names nothing, such as ?visit=abc) and
Django's refusals of a form with too many fields.
"""

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import JsonResponse
from django.shortcuts import render

NUL_MESSAGE = "The request contains a NUL character (0x00), which no field accepts."
# Bodies checked: everything but multipart uploads (binary files may contain NUL bytes;
# the upload forms check their own text).
NUL_MARKERS = (b"\x00", b"\\u0000", b"%00")
UNREAD = ("GET", "HEAD", "OPTIONS")


def content_length(request) -> int:
    """As Django reads it: a missing or unreadable header means an empty body."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _declared_limit(view_func):
    view_class = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
    declared = getattr(view_class or view_func, "max_body_bytes", None)
    return declared() if callable(declared) else None


def _default_limit(request) -> int:
    if request.content_type == "multipart/form-data":
        return settings.UPLOAD_MAX_BODY_BYTES
    return settings.REQUEST_MAX_BODY_BYTES


def _nul_in_address(request) -> bool:
    return "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "")


def _nul_in_body(request) -> bool:
    if request.content_type == "multipart/form-data" or request.method in UNREAD:
        return False
    body = request.body.lower()
    return any(marker in body for marker in NUL_MARKERS)


def refusal(request, status: int, message: str):
    """A 4xx: the API's envelope under /api/, the friendly error page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "errors": {}}, status=status)
    return render(request, "errors/refused.html", {"message": message}, status=status)


class RequestLimitsMiddleware:
    """Body size first (nothing read), then NUL characters (the body read, if accepted).

    Runs in process_view, once the view is known (its limit may be its own) and before
    CSRF checks read a form body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _nul_in_address(request):
            return refusal(request, 400, NUL_MESSAGE)
        length = content_length(request)
        declared = _declared_limit(view_func)
        limit = declared if declared is not None else _default_limit(request)
        if length > limit:
            if declared is not None:
                return None  # the view answers in its own format, without reading the body
            return refusal(
                request, 413, f"The request is {length:,} bytes; at most {limit:,} are accepted."
            )
        try:
            if _nul_in_body(request):
                return refusal(request, 400, NUL_MESSAGE)
        except RequestDataTooBig:  # DATA_UPLOAD_MAX_MEMORY_SIZE set below a view's limit
            return refusal(request, 413, "The request body is larger than this server accepts.")
        return None

    def process_exception(self, request, exception):
        """A view's BadRequest, and Django's refusals of a form body it read, answered with
        their message (Django's own 400 page says only "Bad Request")."""
        if isinstance(exception, RequestDataTooBig):
            return refusal(request, 413, "The request body is larger than this server accepts.")
        if isinstance(exception, BadRequest | TooManyFieldsSent | TooManyFilesSent):
            return refusal(request, 400, str(exception))
        return None
