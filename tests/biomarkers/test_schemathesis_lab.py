"""Fuzz the laboratory endpoints with a lab key: no generated input may cause a 5xx.

tests/api/test_schemathesis.py fuzzes every operation as people, who get 403 here; this
run sends `Authorization: Api-Key <key>` so the generated bodies reach the parsers and the
ingestion service (the documented examples reach the success paths).
"""

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from tests.schemathesis_app import in_process_schema


@pytest.fixture
def lab_schema(db, lab_key):
    with in_process_schema(api_key=lab_key) as schema:
        yield schema


schema = schemathesis.pytest.from_fixture("lab_schema")


@schema.include(path_regex=r"^/api/v1/(lab-results/|fhir|hl7/)").parametrize()
@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_no_server_errors_as_a_laboratory(case, lab_key, patient_a):
    case.call_and_validate(
        headers={"Authorization": f"Api-Key {lab_key}"}, checks=[not_a_server_error]
    )
