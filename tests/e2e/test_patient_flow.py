"""A clinician logs in, registers a patient, adds a visit and sees it on the patient page."""

import re

import pytest
from playwright.sync_api import expect

from registry.models import Patient, Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinician_registers_a_patient_and_records_a_visit(page, clinician_a):
    clinician_a.set_password("frailty-demo")
    clinician_a.save()

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("frailty-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()

    page.get_by_role("link", name="Register a new patient").click()
    page.get_by_label("MRN").fill("A-4242")
    page.get_by_label("Given name").fill("Winifred")
    page.get_by_label("Family name").fill("Ashdown")
    page.get_by_label("Date of birth").fill("1941-05-17")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Enrolment date").fill("2025-03-03")
    page.get_by_role("button", name="Register patient").click()
    expect(page.get_by_role("heading", name=re.compile("Winifred Ashdown"))).to_be_visible()

    page.get_by_role("link", name="Add a visit").click()
    page.get_by_label("Date").fill("2025-03-03")
    page.get_by_label("Kind").select_option("baseline")
    page.get_by_label("Weight (kg)").fill("58.2")
    page.get_by_label("Height (cm)").fill("157.5")
    # Keyboard only: submit with Enter from the last field, as a ward clinician might.
    page.get_by_label("Notes").press("Tab")
    page.keyboard.press("Enter")

    visits = page.get_by_role("region", name="Visits")
    expect(visits.get_by_role("cell", name="2025-03-03", exact=True)).to_be_visible()
    expect(visits.get_by_role("cell", name="23.5", exact=True)).to_be_visible()  # BMI 58.2 / 1.575²
    patient = Patient.objects.get(mrn="A-4242")
    assert Visit.objects.get(patient=patient).entered_by == clinician_a
