"""Property-based fuzzing of every operation in /api/schema/: no input may cause a 5xx.

Runs in-process against the WSGI application (no network), as a coordinator (reads) and
as a clinician with a CSRF token (writes with generated, mostly invalid, bodies).
"""

import pytest
import schemathesis
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from tests.schemathesis_app import in_process_schema


@pytest.fixture
def api_schema(db, lab_key):
    with in_process_schema(api_key=lab_key) as schema:
        yield schema


schema = schemathesis.pytest.from_fixture("api_schema")


def _session(client, user) -> dict:
    """Session cookie and CSRF token of a logged-in person, as a browser would send."""
    client.force_login(user)
    token = _get_new_csrf_string()
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {
        "headers": {"X-CSRFToken": token},
        "cookies": {settings.SESSION_COOKIE_NAME: session, settings.CSRF_COOKIE_NAME: token},
    }


FUZZ = hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ
@pytest.mark.django_db
def test_no_server_errors_as_coordinator(case, client, coordinator, patient_a):
    case.call_and_validate(**_session(client, coordinator), checks=[not_a_server_error])


@schema.parametrize()
@FUZZ
@pytest.mark.django_db
def test_no_server_errors_as_clinician(case, client, clinician_a, patient_a):
    if "study_id" in (case.path_parameters or {}):
        case.path_parameters["study_id"] = patient_a.study_id
    case.call_and_validate(**_session(client, clinician_a), checks=[not_a_server_error])
