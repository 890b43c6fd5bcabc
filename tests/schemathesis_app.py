"""The OpenAPI schema of the running application, loaded in-process for schemathesis."""

from contextlib import contextmanager

import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from config.wsgi import application


@contextmanager
def in_process_schema(*, api_key: str):
    """Like Django's test client: keep the test's connection (and its transaction) open
    across requests instead of closing "old" connections at each request boundary.

    The schema is behind login; a laboratory key may read it (docs/security.md)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(
            "/api/schema/", application, headers={"Authorization": f"Api-Key {api_key}"}
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
