"""Every URL pattern, tried by the fixed cast. A new route fails here until it is listed.

Cast: clinician at site A (`a`), clinician at site B (`b`), coordinator at A and B
(`coord`), a laboratory API key (`lab`) and an anonymous visitor (`anon`). The target
patient belongs to site A. Rows live beside each app's tests in `tests/<app>/routes.py`.
"""

import importlib
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.matrix import CAST

pytestmark = pytest.mark.django_db

ROUTE_MODULES = [
    importlib.import_module(f"tests.{p.parent.name}.routes")
    for p in sorted(Path(__file__).parent.glob("*/routes.py"))
]
MATRIX = {name: row for module in ROUTE_MODULES for name, row in module.ROUTES.items()}

# Routes tried elsewhere, with the reason.
COVERED_ELSEWHERE = {
    "admin": "Django admin: staff only, see test_the_admin_refuses_non_staff",
}


def _route_names(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _route_names(entry, namespace)
        elif isinstance(entry, URLPattern):
            yield f"{prefix}{entry.name}"


def test_every_route_is_in_the_matrix():
    names = {n for n in _route_names() if n.split(":")[0] not in COVERED_ELSEWHERE}
    assert names - set(MATRIX) == set(), "add these routes to tests/<app>/routes.py"
    assert set(MATRIX) - names == set(), "the matrix lists routes that no longer exist"


@pytest.fixture
def cast_clients(client, clinician_a, clinician_b, coordinator, lab_key):
    users = {"a": clinician_a, "b": clinician_b, "coord": coordinator}

    def client_for(actor):
        client.logout()
        if actor in users:
            client.force_login(users[actor])
        headers = {"HTTP_AUTHORIZATION": f"Api-Key {lab_key}"} if actor == "lab" else {}
        return client, headers

    return client_for


def _path_kwargs(patient) -> dict:
    kwargs = {"sid": patient.study_id}
    for module in ROUTE_MODULES:
        if hasattr(module, "path_kwargs"):
            kwargs.update(module.path_kwargs(patient))
    return kwargs


@pytest.mark.parametrize("route", sorted(MATRIX))
@pytest.mark.parametrize("actor", CAST)
def test_the_cast_gets_the_expected_status(cast_clients, patient_a, route, actor):
    method, template, expected = MATRIX[route]
    path = template.format(**_path_kwargs(patient_a))
    client, headers = cast_clients(actor)
    response = getattr(client, method)(path, **headers)
    assert response.status_code == expected[actor], f"{actor} {method.upper()} {path}"


@pytest.mark.parametrize("actor", ["a", "coord", "lab", "anon"])
def test_the_admin_refuses_non_staff(cast_clients, actor):
    client, headers = cast_clients(actor)
    for path in ("/admin/", "/admin/registry/patient/", "/admin/biomarkers/labclient/"):
        response = client.get(path, **headers)
        assert response.status_code == 302 and "/admin/login/" in response.url
