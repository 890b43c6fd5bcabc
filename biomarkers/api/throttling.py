"""Per-key request limits for laboratory systems (docs/security.md "Laboratory keys").

One budget per LabClient over every laboratory endpoint together, whatever the address
it calls from (a hospital's systems often share one NAT address, and one key may call
from several). People are not counted here: this throttle has nothing to say about a
request that carries no laboratory key. Past the limit DRF answers 429 with Retry-After,
in each endpoint's own error shape (JSON envelope, FHIR OperationOutcome).

The counts live in Django's default cache, which must be shared by every web process in
production (``CACHE_URL``: Redis in docker-compose.yml). If that cache cannot be reached
the request is let through: throttling protects the registry, and a cache outage must not
turn a laboratory's valid results away (they would be re-sent later, or lost).
"""

import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from biomarkers.models import LabClient

logger = logging.getLogger(__name__)


class LabClientRateThrottle(SimpleRateThrottle):
    """At most ``settings.LAB_KEY_THROTTLE_RATE`` requests per laboratory key."""

    scope = "lab_client"

    def get_rate(self) -> str:
        # Read on every request (DRF builds a throttle per request), so the setting can
        # be changed by the environment and by tests without touching REST_FRAMEWORK.
        return settings.LAB_KEY_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, LabClient):
            return None  # people and anonymous callers: not this throttle's business
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # any cache backend's connection error: fail open, loudly
            logger.exception("Laboratory key throttle: the cache is unreachable; request allowed")
            return True
