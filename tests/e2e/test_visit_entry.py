"""A clinician records a Fried phenotype and an SPPB at a new visit and sees the
categories the registry computed, live (script) and on the saved visit summary."""

import re

import pytest
from playwright.sync_api import expect

from assessments.models import Assessment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, user):
    user.set_password("frailty-demo")
    user.save()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("frailty-demo")
    page.get_by_role("button", name="Log in").click()


def test_a_clinician_records_fried_and_sppb(page, clinician_a, patient_a):
    _login(page, clinician_a)
    page.goto(f"/patients/{patient_a.study_id}/")
    page.get_by_role("link", name="Record a visit with assessments").click()

    page.get_by_label("Date").fill("2025-02-03")
    page.get_by_label("Weight (kg)").fill("55")
    page.get_by_label("Height (cm)").fill("158")

    fried = page.locator("#section-fried")
    fried.locator("summary").click()
    fried.get_by_label("Grip (kg)", exact=True).fill("16")
    fried.get_by_label("Walk 15 ft (s)", exact=True).fill("7.4")
    fried.get_by_label("Kcal per week").fill("250")
    fried.get_by_label("CES-D effort").fill("1")
    fried.get_by_label("CES-D going").fill("0")
    fried.get_by_label("Weight loss 10 lb").select_option("no")
    # The script scores the section in the background as fields change.
    expect(fried.locator(".score-result")).to_contain_text("Score 3 / 5")
    expect(fried.locator(".score-result")).to_contain_text("frail")

    sppb = page.locator("#section-sppb")
    sppb.locator("summary").click()
    sppb.get_by_label("Side by side (s)", exact=True).fill("10")
    sppb.get_by_label("Semi tandem (s)", exact=True).fill("10")
    sppb.get_by_label("Tandem (s)", exact=True).fill("2.5")
    sppb.get_by_label("Gait course").select_option("4")
    sppb.get_by_label("Gait trial1 (s)", exact=True).fill("6.1")
    sppb.get_by_label("Chair single without arms").select_option("yes")
    sppb.get_by_label("Chair 5 (s)", exact=True).fill("14.2")
    expect(sppb.locator(".score-result")).to_contain_text("Score 7 / 12")

    page.get_by_role("button", name="Save visit").click()
    expect(page.get_by_role("heading", name=re.compile("Visit of 3 Feb 2025"))).to_be_visible()
    table = page.get_by_role("table")
    expect(table.get_by_role("row", name=re.compile("^fried"))).to_contain_text("frail")
    expect(table.get_by_role("row", name=re.compile("^sppb"))).to_contain_text("impaired")
    assert {a.instrument: a.score for a in Assessment.objects.all()} == {"fried": 3, "sppb": 7}
