"""One answer for "the database or the broker failed": 503 + Retry-After (core.transient).

Any database: the failure is raised by a patched function, so these run on SQLite too;
test_database_lost.py does it for real on PostgreSQL.
"""

import json

import pytest
from django.db import OperationalError
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError

from biomarkers import services
from registry import selectors as registry_selectors
from tests.biomarkers.conftest import item

pytestmark = pytest.mark.django_db


def fails(exc):
    def raising(*args, **kwargs):
        raise exc

    return raising


@pytest.mark.parametrize("exc", [
    OperationalError("server closed the connection"), BrokerError("Error 111 (broker)"),
    RedisConnectionError("Error 111 connecting to 127.0.0.1:6379 (cache)"),
])  # fmt: skip
def test_the_api_answers_503_in_its_error_envelope(
    lab_api, patient_a, monkeypatch, settings, exc
):
    settings.RETRY_AFTER_SECONDS = 17
    monkeypatch.setattr(services, "lab_results_ingest", fails(exc))
    response = lab_api.post("/api/v1/lab-results/", json.dumps({"results": [item(patient_a)]}))
    assert response.status_code == 503 and response["Retry-After"] == "17"
    assert set(response.json()) == {"detail", "errors"} and response.json()["errors"] == {}


def test_an_integrity_problem_is_not_transient(lab_api, patient_a, monkeypatch):
    from django.db import IntegrityError

    monkeypatch.setattr(services, "lab_results_ingest", fails(IntegrityError("duplicate")))
    with pytest.raises(IntegrityError):
        lab_api.post("/api/v1/lab-results/", json.dumps({"results": [item(patient_a)]}))


def test_a_page_answers_a_friendly_503(client_a, patient_a, monkeypatch):
    monkeypatch.setattr(registry_selectors, "patient_detail", fails(OperationalError("gone")))
    response = client_a.get(f"/patients/{patient_a.study_id}/")
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert "briefly unavailable" in response.content.decode()


def test_a_failure_outside_any_view_is_a_503_too(client_a, patient_a, monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore

    monkeypatch.setattr(SessionStore, "save", fails(OperationalError("database is locked")))
    client_a.raise_request_exception = False  # answered by handler500, as in production
    response = client_a.get(f"/patients/{patient_a.study_id}/")
    assert response.status_code == 503
    assert "briefly unavailable" in response.content.decode()
