"""The access log's one writer: every read of patient data noted during a request
(registry.access) becomes AccessLog rows once the response is known to show it.

Views cannot forget to log: `patient_get_for_user` notes the patient it returns, list
pages note the patients of the page they show, and this middleware is the only place
that writes. Rows are written for responses that show the record — 2xx, 3xx and 400 (a
form shown again with the record) — never for refusals (401, 403, 404) or server errors
(the request's transaction was rolled back and nothing was shown).

If the rows cannot be written, a read (GET, HEAD) is answered 503 instead of the data:
no patient data leaves without its log row. A write has already been committed and is in
the record's history, so its response stands and the failure is logged.
"""

import logging

from django.db import DatabaseError
from django.http import HttpResponse

from registry import access, services

logger = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def shows_the_record(status_code: int) -> bool:
    return status_code < 400 or status_code == 400


class AccessLogMiddleware:
    """Collects the patient reads of each request and writes them after the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = access.patient_reads_begin()
        try:
            response = self.get_response(request)
        finally:
            reads = access.patient_reads_end(token)
        if not reads or not shows_the_record(response.status_code):
            return response
        try:
            services.access_log_write(reads=reads, path=request.path, method=request.method)
        except DatabaseError:
            logger.exception("could not write %s access-log rows for %s", len(reads), request.path)
            if request.method not in SAFE_METHODS:
                return response
            response.close()
            return HttpResponse(
                "The registry could not record this access, so it did not show the record. "
                "Please try again in a moment.",
                status=503, content_type="text/plain; charset=utf-8",
                headers={"Retry-After": "5"},
            )
        return response
