"""A coordinator drills from the cohort dashboard into a patient's timeline; a clinician
acknowledges an alert on the patient page."""

import re

import pytest
from playwright.sync_api import expect

from longitudinal.models import Alert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, user):
    user.set_password("frailty-demo")
    user.save()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("frailty-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()


def test_dashboard_drill_down_and_timeline(page, coordinator, patient_a, history_a):
    _login(page, coordinator)
    page.goto("/cohort/")
    distribution = page.get_by_role("region", name="Latest category per instrument")
    cfs_row = distribution.get_by_role("row", name=re.compile("^cfs"))
    cfs_row.get_by_role("link").nth(2).click()  # robust, pre-frail, frail: the frail count
    expect(page.get_by_role("heading", name="Patients behind this figure")).to_be_visible()
    page.get_by_role("link", name=f"Timeline of {patient_a.study_id}").click()

    expect(page.get_by_role("heading", name=f"Timeline of {patient_a.study_id}")).to_be_visible()
    expect(page.get_by_role("img", name="Clinical Frailty Scale")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("C-reactive protein"))).to_be_visible()
    table = page.get_by_role("region", name="Table view")
    expect(table.get_by_role("cell", name="<0.5", exact=True)).to_be_visible()


def test_a_clinician_acknowledges_an_alert(page, clinician_a, patient_a, history_a):
    _login(page, clinician_a)
    page.goto(f"/patients/{patient_a.study_id}/")
    panel = page.get_by_role("region", name="Alerts and timeline")
    expect(panel).to_contain_text("CFS rose by 2 or more")
    panel.get_by_role("button", name=re.compile("Acknowledge alert: CFS 3")).click()
    expect(page.get_by_role("status")).to_contain_text("Alert acknowledged")
    assert Alert.objects.get(kind="cfs_rise").acknowledged_by == clinician_a
