"""Acknowledging alerts: only people who may write the patient's data, shown with who and
when on the timeline and in the patient history, withdrawn only with a reason."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from longitudinal.alerts import (
    alert_acknowledge,
    alert_acknowledgement_withdraw,
    alerts_evaluate,
)
from longitudinal.models import Alert

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(patient_a, history_a):
    alerts_evaluate(patient_ids=[patient_a.pk])
    return Alert.objects.get(patient=patient_a, kind="cfs_rise")


def ack_url(alert):
    return f"/timeline/{alert.patient.study_id}/alerts/{alert.pk}/acknowledge/"


def undo_url(alert):
    return f"/timeline/{alert.patient.study_id}/alerts/{alert.pk}/undo/"


def test_a_read_only_coordinator_cannot_acknowledge(client, coordinator, alert):
    client.force_login(coordinator)
    assert client.post(ack_url(alert)).status_code == 403
    assert Alert.objects.get(pk=alert.pk).acknowledged_at is None
    with pytest.raises(PermissionDenied):
        alert_acknowledge(user=coordinator, alert=alert)
    assert Alert.objects.get(pk=alert.pk).acknowledged_at is None


def test_the_service_refuses_a_clinician_of_another_site(clinician_b, alert):
    with pytest.raises(PermissionDenied):
        alert_acknowledge(user=clinician_b, alert=alert)
    assert Alert.objects.get(pk=alert.pk).acknowledged_at is None


def test_a_coordinator_sees_alerts_without_an_acknowledge_button(client, coordinator, alert):
    client.force_login(coordinator)
    for path in ("/", f"/patients/{alert.patient.study_id}/",
                 f"/timeline/{alert.patient.study_id}/"):  # fmt: skip
        page = client.get(path).content.decode()
        assert "CFS rose by 2 or more" in page, path
        assert ack_url(alert) not in page and "acknowledged by the patient's clinicians" in page


def test_the_timeline_says_who_acknowledged_and_when(client_a, clinician_a, alert):
    assert client_a.post(ack_url(alert)).status_code == 302
    alert.refresh_from_db()
    page = client_a.get(f"/timeline/{alert.patient.study_id}/").content.decode()
    assert "CFS 3 → 6" in page  # acknowledged alerts stay listed on the timeline
    assert f"Acknowledged by alice on <time datetime=\"{alert.acknowledged_at:%Y-%m-%dT}" in page
    assert undo_url(alert) in page and ack_url(alert) not in page


def test_withdrawing_needs_a_reason(client_a, alert):
    client_a.post(ack_url(alert))
    response = client_a.post(undo_url(alert), {"reason": "  "})
    assert response.status_code == 400
    assert "Reason for withdrawing the acknowledgement" in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).acknowledged_at is not None


def test_withdrawing_opens_the_alert_again_and_history_keeps_both(
    client, client_a, clinician_a, admin_user, alert
):
    client_a.post(ack_url(alert))
    timeline = f"/timeline/{alert.patient.study_id}/"
    response = client_a.post(undo_url(alert), {"reason": "Wrong alert", "next": timeline})
    assert response.status_code == 302 and response.url == timeline
    alert.refresh_from_db()
    assert (alert.acknowledged_at, alert.acknowledged_by) == (None, None)
    assert ack_url(alert) in client_a.get(timeline).content.decode()
    client.force_login(admin_user)
    history = client.get(f"/patients/{alert.patient.study_id}/history/").content.decode()
    assert "<strong>alice</strong> acknowledged <em>alert “CFS rose by 2 or more" in history
    assert "<strong>alice</strong> withdrew the acknowledgement of <em>alert" in history
    assert "(Wrong alert)" in history


def test_a_coordinator_cannot_withdraw_an_acknowledgement(client, coordinator, clinician_a, alert):
    alert_acknowledge(user=clinician_a, alert=alert)
    client.force_login(coordinator)
    assert client.post(undo_url(alert), {"reason": "No"}).status_code == 403
    with pytest.raises(PermissionDenied):
        alert_acknowledgement_withdraw(user=coordinator, alert=alert, reason="No")
    assert Alert.objects.get(pk=alert.pk).acknowledged_by == clinician_a


def test_withdrawing_an_open_alert_is_refused_with_a_message(client_a, clinician_a, alert):
    with pytest.raises(ValidationError, match="not acknowledged"):
        alert_acknowledgement_withdraw(user=clinician_a, alert=alert, reason="x")
    response = client_a.post(undo_url(alert), {"reason": "x"})
    assert response.status_code == 400 and "nothing to withdraw" in response.content.decode()


def test_an_outside_next_address_is_not_followed(client_a, alert):
    response = client_a.post(ack_url(alert), {"next": "/\\evil.example.org/"})
    assert response.url == f"/patients/{alert.patient.study_id}/"
