"""Answer "try again" (503 + Retry-After) when the database or the broker fails.

A lost or restarted database connection, a failover, a lock or statement timeout, a
deadlock, SQLite's "database is locked", an unreachable Celery broker or Redis cache:
none of these says anything about the request, and the same request succeeds a little
later. Answered as a 500 (or, worse, as a per-item "rejected") a laboratory system would
not resend valid results and a person would think their entry was wrong
(docs/operations.md).

One test (`is_transient`), one answer per kind of client:
- DRF views: `core.api.exception_handler`, in the API's JSON error envelope (the FHIR and
  HL7 views reshape it into an OperationOutcome `transient` and an ACK);
- every other view: `TransientFailureMiddleware`, a page (templates/errors/503.html) or
  the JSON envelope under /api/ (e.g. when the request's COMMIT fails);
- a failure outside any view (saving the session): `core.views.server_error` asks
  `transient_response` too.
Integrity and data errors are not transient: they stay 4xx/5xx decided elsewhere.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Redis also serves as a cache (e.g. shared counters): it being down is "try again" too.
TRANSIENT_ERRORS = (
    OperationalError, InterfaceError, BrokerOperationalError, RedisConnectionError,
    RedisTimeoutError,
)  # fmt: skip
MESSAGE = (
    "The registry is briefly unavailable: its database or task queue did not answer. "
    "Nothing was stored by this request; send it again in a minute."
)


def is_transient(exc: BaseException | None) -> bool:
    """True for connection-level failures of the database or the broker."""
    return isinstance(exc, TRANSIENT_ERRORS)


def retry_after() -> str:
    return str(settings.RETRY_AFTER_SECONDS)


def log_transient(exc: BaseException, where: str) -> None:
    # A warning with the cause: operators see which service failed, without a traceback
    # per request during an outage (Django's request logger adds one line per 503).
    logger.warning("answered 503 (%s): %s: %s", where, type(exc).__name__, exc)


def transient_response(request) -> HttpResponse:
    """503 + Retry-After: the view's own shape if it has one, JSON under /api/, else a page."""
    view_class = getattr(getattr(request, "resolver_match", None), "func", None)
    shaped = getattr(getattr(view_class, "view_class", None), "transient_response", None)
    if shaped is not None:
        response = shaped(request)
    elif request.path.startswith("/api/"):
        response = JsonResponse({"detail": MESSAGE, "errors": {}}, status=503)
    else:
        # Rendered without a request: context processors would query the database.
        response = HttpResponse(loader.get_template("errors/503.html").render(), status=503)
    response["Retry-After"] = retry_after()
    return response


class TransientFailureMiddleware:
    """Turn a database or broker failure raised by a view into a 503 (page or JSON)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_transient(exception):
            return None
        log_transient(exception, request.path)
        return transient_response(request)
