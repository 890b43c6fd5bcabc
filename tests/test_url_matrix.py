"""Every URL pattern, tried by the fixed cast. A new route fails here until it is listed.

Cast: clinician at site A (`a`), clinician at site B (`b`), coordinator at A and B
(`coord`), a laboratory API key (`lab`) and an anonymous visitor (`anon`). The target
patient belongs to site A.
"""

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from registry.models import Condition, PatientCondition
from tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

LOGIN = 302  # redirected to the login page
CAST = ("a", "b", "coord", "lab", "anon")

# route name: (method, path template, {actor: expected status})
MATRIX = {
    "home": ("get", "/", dict(a=200, b=200, coord=200, lab=LOGIN, anon=LOGIN)),
    "login": ("get", "/accounts/login/", dict(a=200, b=200, coord=200, lab=200, anon=200)),
    "logout": ("post", "/accounts/logout/", dict(a=302, b=302, coord=302, lab=302, anon=302)),
    "password_change": (
        "get", "/accounts/password/", dict(a=200, b=200, coord=200, lab=LOGIN, anon=LOGIN)
    ),
    "password_change_done": (
        "get", "/accounts/password/done/", dict(a=200, b=200, coord=200, lab=LOGIN, anon=LOGIN)
    ),
    "registry:patient_list": (
        "get", "/patients/", dict(a=200, b=200, coord=200, lab=LOGIN, anon=LOGIN)
    ),
    "registry:patient_create": (
        "get", "/patients/new/", dict(a=200, b=200, coord=403, lab=LOGIN, anon=LOGIN)
    ),
    "registry:patient_detail": (
        "get", "/patients/{sid}/", dict(a=200, b=404, coord=200, lab=LOGIN, anon=LOGIN)
    ),
    "registry:patient_edit": (
        "get", "/patients/{sid}/edit/", dict(a=200, b=404, coord=403, lab=LOGIN, anon=LOGIN)
    ),
    "registry:patient_history": (
        "get", "/patients/{sid}/history/", dict(a=200, b=404, coord=200, lab=LOGIN, anon=LOGIN)
    ),
    "registry:condition_add": (
        "post", "/patients/{sid}/conditions/",
        dict(a=400, b=404, coord=403, lab=LOGIN, anon=LOGIN),
    ),
    "registry:condition_remove": (
        "post", "/patients/{sid}/conditions/{condition}/remove/",
        dict(a=302, b=404, coord=403, lab=LOGIN, anon=LOGIN),
    ),
    "registry:visit_create": (
        "get", "/patients/{sid}/visits/new/", dict(a=200, b=404, coord=403, lab=LOGIN, anon=LOGIN)
    ),
    "registry:visit_edit": (
        "get", "/patients/{sid}/visits/{visit}/edit/",
        dict(a=200, b=404, coord=403, lab=LOGIN, anon=LOGIN),
    ),
    "api:patient-list": (
        "get", "/api/v1/patients/", dict(a=200, b=200, coord=200, lab=403, anon=403)
    ),
    "api:patient-detail": (
        "get", "/api/v1/patients/{sid}/", dict(a=200, b=404, coord=200, lab=403, anon=403)
    ),
    "api:patient-visits": (
        "get", "/api/v1/patients/{sid}/visits/", dict(a=200, b=404, coord=200, lab=403, anon=403)
    ),
    "schema": ("get", "/api/schema/", dict(a=200, b=200, coord=200, lab=200, anon=200)),
    "api-docs": ("get", "/api/docs/", dict(a=200, b=200, coord=200, lab=200, anon=200)),
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
    assert names - set(MATRIX) == set(), "add these routes to MATRIX"
    assert set(MATRIX) - names == set(), "MATRIX lists routes that no longer exist"


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


@pytest.mark.parametrize("route", sorted(MATRIX))
@pytest.mark.parametrize("actor", CAST)
def test_the_cast_gets_the_expected_status(cast_clients, patient_a, route, actor):
    method, template, expected = MATRIX[route]
    visit = VisitFactory(patient=patient_a, date=dt.date(2025, 1, 15))
    condition = PatientCondition.objects.create(
        patient=patient_a, condition=Condition.objects.get(code="diabetes")
    )
    path = template.format(sid=patient_a.study_id, visit=visit.pk, condition=condition.pk)
    client, headers = cast_clients(actor)
    response = getattr(client, method)(path, **headers)
    assert response.status_code == expected[actor], f"{actor} {method.upper()} {path}"


@pytest.mark.parametrize("actor", ["a", "coord", "lab", "anon"])
def test_the_admin_refuses_non_staff(cast_clients, actor):
    client, headers = cast_clients(actor)
    for path in ("/admin/", "/admin/registry/patient/", "/admin/biomarkers/labclient/"):
        response = client.get(path, **headers)
        assert response.status_code == 302 and "/admin/login/" in response.url
