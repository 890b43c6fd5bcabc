"""The absolute session lifetime: a session ends SESSION_ABSOLUTE_SECONDS after its log-in
whatever its activity, besides the 30-minute idle timeout. The clock is moved forward."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

START = 1_800_000_000.0


@pytest.fixture
def clock(monkeypatch):
    now = [START]
    monkeypatch.setattr("core.security.clock", lambda: now[0])

    def advance(seconds):
        now[0] += seconds

    return advance


def test_the_default_lifetime_is_12_hours():
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60


def test_an_active_session_still_ends_after_12_hours(client, clinician_a, clock):
    client.force_login(clinician_a)
    assert client.get("/").status_code == 200
    # A request every 20 minutes: the idle timeout never fires.
    for _ in range(12 * 3):
        clock(20 * 60)
        assert client.get("/").status_code == 200
    clock(1)
    response = client.get("/", follow=True)
    assert response.redirect_chain[0][0].startswith("/accounts/login/")
    assert "Sessions last at most 12 hours" in response.content.decode()
    assert client.get("/").status_code == 302  # the session is gone, not just refused once


def test_the_api_refuses_an_expired_session(client, clinician_a, patient_a, clock):
    client.force_login(clinician_a)
    assert client.get("/api/v1/patients/").status_code == 200
    clock(settings.SESSION_ABSOLUTE_SECONDS + 1)
    response = client.get("/api/v1/patients/")
    assert response.status_code == 403
    assert "credentials were not provided" in response.json()["detail"]


def test_logging_in_again_starts_a_new_lifetime(client, clinician_a, clock):
    client.force_login(clinician_a)
    client.get("/")
    clock(settings.SESSION_ABSOLUTE_SECONDS + 1)
    assert client.get("/").status_code == 302
    client.force_login(clinician_a)
    assert client.get("/").status_code == 200
    clock(settings.SESSION_ABSOLUTE_SECONDS - 60)
    assert client.get("/").status_code == 200


def test_the_lifetime_counts_from_the_log_in_request(client, clinician_a, clock):
    clinician_a.set_password("frailty-demo")
    clinician_a.save()
    response = client.post(
        "/accounts/login/", {"username": clinician_a.username, "password": "frailty-demo"}
    )
    assert response.status_code == 302
    clock(settings.SESSION_ABSOLUTE_SECONDS + 1)
    assert client.get("/").status_code == 302
