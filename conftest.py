"""The fixed cast and shared fixtures (healthchecks style: Alice, Bob and friends).

- clinician_a: clinician at site A        - clinician_b: clinician at site B
- coordinator: coordinator at sites A, B  - admin_user: administrator (all sites)
- lab_key: a laboratory client's API key for sites A and B (posts results, reads no patient)
"""

import os

import pytest

# Django imports stay inside fixtures: the pure-Python suites (scoring, units, parsing)
# run without Django configured.

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def need_service(reason: str) -> None:
    """Skip when a real service is missing; under REQUIRE_SERVICES=1 (CI) fail instead."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def site_a(db):
    from tests.factories import SiteFactory

    return SiteFactory(code="A", name="Site A")


@pytest.fixture
def site_b(db):
    from tests.factories import SiteFactory

    return SiteFactory(code="B", name="Site B")


@pytest.fixture
def clinician_a(site_a):
    from registry.models import Role
    from tests.factories import staff

    return staff("alice", Role.CLINICIAN, [site_a])


@pytest.fixture
def clinician_b(site_b):
    from registry.models import Role
    from tests.factories import staff

    return staff("bob", Role.CLINICIAN, [site_b])


@pytest.fixture
def coordinator(site_a, site_b):
    from registry.models import Role
    from tests.factories import staff

    return staff("cora", Role.COORDINATOR, [site_a, site_b])


@pytest.fixture
def admin_user(db):
    from registry.models import Role
    from tests.factories import staff

    return staff("ada", Role.ADMINISTRATOR, [])


@pytest.fixture
def lab_key(site_a, site_b):
    """A key of a laboratory serving sites A and B: it reaches only their patients."""
    from biomarkers.models import LabClient

    client, key = LabClient.objects.create_key(name="Central Lab")
    client.sites.set([site_a, site_b])
    return key


@pytest.fixture
def patient_a(site_a):
    from tests.factories import PatientFactory

    return PatientFactory(site=site_a, given_name="Alma", family_name="Archer", mrn="A-1")


@pytest.fixture
def patient_b(site_b):
    from tests.factories import PatientFactory

    return PatientFactory(site=site_b, given_name="Bea", family_name="Baker", mrn="B-1")


@pytest.fixture
def client_a(client, clinician_a):
    client.force_login(clinician_a)
    return client


def pytest_configure(config):
    # A fast hasher keeps the cast cheap to create; production keeps Django's default.
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return  # pure-Python suites run without Django (pytest -p no:django)
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def catalogues(transactional_db):
    """Put back the catalogues that data migrations load (conditions, analytes).

    A transactional test (real browser, real worker) flushes every table when it ends,
    catalogues included; the next such test needs them again.
    """
    import importlib

    from biomarkers.services import analyte_catalogue_sync
    from registry.models import Condition

    migration = importlib.import_module("registry.migrations.0002_condition_catalogue")
    for code, name, frail in migration.CONDITIONS:
        Condition.objects.update_or_create(
            code=code, defaults={"name": name, "in_frail_scale": frail}
        )
    analyte_catalogue_sync()
