"""Log in, lock-out after repeated failures, friendly error pages."""

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def _login(client, password):
    return client.post("/accounts/login/", {"username": "nurse", "password": password})


def test_a_person_logs_in_and_reaches_home(client):
    UserFactory(username="nurse")
    response = _login(client, PASSWORD)
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_rerenders_the_form(client):
    UserFactory(username="nurse")
    response = _login(client, "nope")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text


def test_five_failures_lock_the_account_even_with_the_right_password(client):
    UserFactory(username="nurse")
    for _ in range(5):
        _login(client, "wrong")
    response = _login(client, PASSWORD)
    assert response.status_code == 429
    assert "Account temporarily locked" in response.text


def test_a_missing_csrf_token_gets_a_friendly_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "This form has expired" in response.text


def test_unknown_pages_get_a_friendly_404(client_a):
    response = client_a.get("/patients/FR-999999/")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_weak_passwords_are_refused_on_change(client):
    user = UserFactory(username="nurse")
    client.force_login(user)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert "This password is too common." in response.text


def test_logout_needs_a_post(client_a):
    assert client_a.get("/accounts/logout/").status_code == 405
    assert client_a.post("/accounts/logout/").status_code == 302
    assert client_a.get("/").status_code == 302
