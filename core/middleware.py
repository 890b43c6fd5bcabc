"""Refuse NUL characters in requests before they reach a database query.

PostgreSQL text and jsonb values cannot hold NUL (0x00): a NUL in a path, a query
string or a form/JSON body would otherwise surface as a database error (a 500) deep in
whichever lookup first used it. No clinical text legitimately contains one.
"""

from django.http import HttpResponseBadRequest, JsonResponse

MESSAGE = "The request contains a NUL character (0x00), which no field accepts."
# Bodies checked: everything but multipart uploads (binary files may contain NUL bytes;
# the upload handlers check their own text).
NUL_MARKERS = (b"\x00", b"\\u0000", b"%00")


def _has_nul(request) -> bool:
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    if request.content_type == "multipart/form-data" or request.method in ("GET", "HEAD"):
        return False
    body = request.body.lower()
    return any(marker in body for marker in NUL_MARKERS)


class RejectNulMiddleware:
    """Answer 400 (the API's error envelope under /api/) to a request carrying NUL."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": MESSAGE, "errors": {}}, status=400)
            return HttpResponseBadRequest(MESSAGE)
        return self.get_response(request)
