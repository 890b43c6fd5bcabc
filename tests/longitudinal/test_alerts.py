"""Alert rules, shown on the home page and the patient page, acknowledged once."""

import datetime as dt

import pytest

from longitudinal.alerts import alerts_evaluate
from longitudinal.models import Alert
from tests.factories import VisitFactory
from tests.longitudinal.conftest import cfs

pytestmark = pytest.mark.django_db


def kinds(patient):
    return sorted(Alert.objects.filter(patient=patient).values_list("kind", flat=True))


def test_each_rule_fires_once_per_record(patient_a, history_a):
    alerts_evaluate(patient_ids=[patient_a.pk])
    alerts_evaluate(patient_ids=[patient_a.pk])  # idempotent
    # CFS 3 → 6: category robust → frail and a rise of 3; SPPB 12 → 10: a drop of 2;
    # CRP 12 mg/L: above the acute-inflammation threshold.
    assert kinds(patient_a) == ["biomarker_high", "cfs_rise", "frailty_worse", "sppb_drop"]


def test_a_rise_of_one_does_not_fire(clinician_a, patient_a):
    first = VisitFactory(patient=patient_a, date=dt.date(2025, 1, 1))
    later = VisitFactory(patient=patient_a, date=dt.date(2025, 6, 1), kind="follow_up")
    cfs(clinician_a, first, 1)
    cfs(clinician_a, later, 2)
    alerts_evaluate(patient_ids=[patient_a.pk])
    assert kinds(patient_a) == []


def test_clinicians_see_and_acknowledge_alerts(client_a, clinician_a, patient_a, history_a):
    page = client_a.get(f"/patients/{patient_a.study_id}/")
    assert "CFS rose by 2 or more" in page.text
    alert = Alert.objects.get(kind="cfs_rise")
    response = client_a.post(
        f"/timeline/{patient_a.study_id}/alerts/{alert.pk}/acknowledge/",
        {"next": f"/patients/{patient_a.study_id}/"},
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == clinician_a and alert.acknowledged_at
    home = client_a.get("/")
    assert "SPPB fell by 2 or more" in home.text and "CFS rose by 2" not in home.text


def test_other_sites_cannot_acknowledge(client, clinician_b, patient_a, history_a):
    alerts_evaluate(patient_ids=[patient_a.pk])
    alert = Alert.objects.first()
    client.force_login(clinician_b)
    url = f"/timeline/{patient_a.study_id}/alerts/{alert.pk}/acknowledge/"
    assert client.post(url).status_code == 404
    assert Alert.objects.get(pk=alert.pk).acknowledged_at is None
