"""Every URL pattern, tried by the fixed cast. A new route fails here until it is listed
and classified.

Cast: clinician at site A (`a`), clinician at site B (`b`), coordinator at A and B
(`coord`), a laboratory API key (`lab`) and an anonymous visitor (`anon`). The target
patient belongs to site A. Rows live beside each app's tests in `tests/<app>/routes.py`,
with the classification of each route: `PATIENT_DATA` (it shows or changes a patient's
data, so every request that shows it writes an access-log row) or `NO_PATIENT_DATA`
(with the reason it does not).
"""

import importlib
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from registry.access import patients_visible_to
from registry.middleware import shows_the_record
from registry.models import AccessLog
from tests.matrix import CAST

pytestmark = pytest.mark.django_db

ROUTE_MODULES = [
    importlib.import_module(f"tests.{p.parent.name}.routes")
    for p in sorted(Path(__file__).parent.glob("*/routes.py"))
]
MATRIX = {name: row for module in ROUTE_MODULES for name, row in module.ROUTES.items()}
PATIENT_DATA = {name for module in ROUTE_MODULES for name in module.PATIENT_DATA}
NO_PATIENT_DATA = {
    name: why for module in ROUTE_MODULES for name, why in module.NO_PATIENT_DATA.items()
}

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


def test_every_route_says_whether_it_reads_patient_data():
    both = PATIENT_DATA & set(NO_PATIENT_DATA)
    assert both == set(), "a route is either in PATIENT_DATA or in NO_PATIENT_DATA"
    unclassified = set(MATRIX) - PATIENT_DATA - set(NO_PATIENT_DATA)
    assert unclassified == set(), "add these routes to PATIENT_DATA or NO_PATIENT_DATA"
    assert PATIENT_DATA | set(NO_PATIENT_DATA) <= set(MATRIX), "classified but not listed"
    assert all(NO_PATIENT_DATA.values()), "say why a route reads no patient data"


@pytest.fixture
def cast_clients(client, clinician_a, clinician_b, coordinator, lab_key):
    users = {"a": clinician_a, "b": clinician_b, "coord": coordinator}

    def client_for(actor):
        client.logout()
        if actor in users:
            client.force_login(users[actor])
        headers = {"HTTP_AUTHORIZATION": f"Api-Key {lab_key}"} if actor == "lab" else {}
        return client, headers

    client_for.users = users
    return client_for


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the export whose download the matrix tries


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
    _check_the_access_log(route, actor, cast_clients.users.get(actor), patient_a, response)


def _check_the_access_log(route, actor, user, patient, response) -> None:
    """The access log holds exactly the reads of patient data this request showed."""
    rows = set(AccessLog.objects.values_list("user_id", "patient_id"))
    where = f"{actor} {route}"
    if route in NO_PATIENT_DATA or not shows_the_record(response.status_code):
        assert rows == set(), f"{where}: logged although it shows no patient data"
        return
    visible = set(patients_visible_to(user).values_list("pk", flat=True)) if user else set()
    assert {u for u, _ in rows} <= {getattr(user, "pk", None)}, f"{where}: wrong user logged"
    assert {p for _, p in rows} <= visible, f"{where}: logged a patient it cannot see"
    if patient.pk in visible:
        assert (user.pk, patient.pk) in rows, f"{where}: reads patient data but logs nothing"


@pytest.mark.parametrize("actor", ["a", "coord", "lab", "anon"])
def test_the_admin_refuses_non_staff(cast_clients, actor):
    client, headers = cast_clients(actor)
    for path in ("/admin/", "/admin/registry/patient/", "/admin/biomarkers/labclient/"):
        response = client.get(path, **headers)
        assert response.status_code == 302 and "/admin/login/" in response.url
