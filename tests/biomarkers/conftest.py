"""Fixtures for the biomarker tests that need the database.

The pure suites beside them (catalogue, units, parsing) never touch these.
"""

import datetime as dt

import pytest


@pytest.fixture
def analyte_catalogue(db):
    """The catalogue rows of migration 0003: a transactional test's flush removes them."""
    from biomarkers import services

    services.analyte_catalogue_sync()


@pytest.fixture
def lab_client(lab_key):
    from biomarkers.models import LabClient

    return LabClient.objects.get_from_key(lab_key)


@pytest.fixture
def lab_source(lab_client):
    from biomarkers import services

    return services.lab_source_for_client(lab_client=lab_client)


@pytest.fixture
def lab_api(client, lab_key):
    """POST/GET as the laboratory system, JSON by default."""

    class LabApi:
        headers = {"HTTP_AUTHORIZATION": f"Api-Key {lab_key}"}

        def post(self, path, data, content_type="application/json", **extra):
            return client.post(path, data, content_type=content_type, **self.headers, **extra)

        def get(self, path, **params):
            return client.get(path, params, **self.headers)

    return LabApi()


def item(subject, /, **overrides) -> dict:
    """One JSON batch item for patient ``subject`` (a CRP of 12.5 mg/L by default)."""
    data = {
        "patient": {"study_id": subject.study_id},
        "analyte": "CRP",
        "value": "12.5",
        "unit": "mg/L",
        "collected_at": "2025-03-01T08:15:00+01:00",
        "external_id": "R-1",
        "status": "final",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def records(*items):
    from biomarkers.parsing.jsonitem import json_record

    return [json_record(index, data) for index, data in enumerate(items)]


def ingest(source, *items, **kwargs):
    """The service over every patient (the scope of management commands): the rules these
    tests try are not about site scoping, which tests/biomarkers/test_isolation*.py try."""
    from biomarkers import services
    from biomarkers.patient_scope import patient_scope_registry

    kwargs.setdefault("scope", patient_scope_registry())
    return services.lab_results_ingest(source=source, records=records(*items), **kwargs)


@pytest.fixture
def visit_of_a(patient_a):
    from tests.factories import VisitFactory

    return VisitFactory(patient=patient_a, date=dt.date(2025, 3, 1))
