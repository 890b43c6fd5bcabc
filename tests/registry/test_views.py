"""Patient and visit pages as a clinician uses them."""

import datetime as dt

import pytest
from django.urls import reverse

from registry.models import AccessLog, Patient, Visit
from tests.factories import PatientFactory, VisitFactory

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "mrn": "A-500", "given_name": "Nora", "family_name": "Quill",
    "date_of_birth": "1944-02-10", "sex": "female", "enrolled_on": "2025-04-01",
    "status": "active",
}


def test_the_list_shows_only_my_sites_patients(client_a, patient_a, patient_b):
    response = client_a.get(reverse("registry:patient_list"))
    assert patient_a.study_id in response.text
    assert patient_b.study_id not in response.text


@pytest.mark.parametrize(
    "query", ["Alma", "archer", "A-1", "{study_id}", "alma archer"]
)
def test_it_searches_by_name_study_id_and_mrn(client_a, patient_a, site_a, query):
    PatientFactory(site=site_a, given_name="Zed", family_name="Zulu", mrn="Z-9")
    response = client_a.get(
        reverse("registry:patient_list"), {"q": query.format(study_id=patient_a.study_id)}
    )
    assert patient_a.study_id in response.text
    assert "Zulu" not in response.text


def test_it_filters_by_site_and_paginates(client, coordinator, site_a, site_b):
    PatientFactory.create_batch(30, site=site_a)
    PatientFactory(site=site_b, family_name="Bsite")
    client.force_login(coordinator)
    first = client.get(reverse("registry:patient_list"), {"site": "A"})
    assert "30 patients" in first.text and "Page 1 of 2" in first.text
    assert "Bsite" not in first.text
    second = client.get(reverse("registry:patient_list"), {"site": "A", "page": 2})
    assert "Page 2 of 2" in second.text


def test_an_empty_list_tells_the_clinician_what_to_do(client_a):
    response = client_a.get(reverse("registry:patient_list"))
    assert "Register the first patient" in response.text


def test_a_clinician_registers_a_patient(client_a, site_a):
    response = client_a.post(reverse("registry:patient_create"), {**NEW_PATIENT, "site": site_a.pk})
    patient = Patient.objects.get(mrn="A-500")
    assert response.url == reverse("registry:patient_detail", args=[patient.study_id])


def test_a_duplicate_mrn_rerenders_the_form_with_a_message(client_a, site_a, patient_a):
    response = client_a.post(
        reverse("registry:patient_create"), {**NEW_PATIENT, "mrn": "A-1", "site": site_a.pk}
    )
    assert response.status_code == 400
    assert "A patient with this MRN already exists at this site." in response.text
    assert Patient.objects.count() == 1


def test_an_impossible_date_is_named_next_to_the_field(client_a, site_a):
    response = client_a.post(
        reverse("registry:patient_create"),
        {**NEW_PATIENT, "date_of_birth": "1944-02-30", "site": site_a.pk},
    )
    assert response.status_code == 400
    assert "Enter a valid date." in response.text
    assert not Patient.objects.exists()


def test_a_second_baseline_visit_is_refused(client_a, patient_a):
    VisitFactory(patient=patient_a, kind="baseline", date=dt.date(2025, 1, 15))
    response = client_a.post(
        reverse("registry:visit_create", args=[patient_a.study_id]),
        {"date": "2025-04-01", "kind": "baseline", "weight_kg": "61", "height_cm": "159"},
    )
    assert response.status_code == 400
    assert "This patient already has a baseline visit." in response.text
    assert Visit.objects.count() == 1


def test_a_visit_appears_on_the_patient_page_with_bmi(client_a, patient_a):
    client_a.post(
        reverse("registry:visit_create", args=[patient_a.study_id]),
        {"date": "2025-01-15", "kind": "baseline", "weight_kg": "64.0", "height_cm": "160.0"},
    )
    page = client_a.get(reverse("registry:patient_detail", args=[patient_a.study_id]))
    assert "2025-01-15" in page.text and "25.0" in page.text


def test_opening_a_patient_is_logged(client_a, clinician_a, patient_a):
    client_a.get(reverse("registry:patient_detail", args=[patient_a.study_id]))
    entry = AccessLog.objects.get()
    assert (entry.user, entry.patient) == (clinician_a, patient_a)


def test_the_history_page_shows_who_changed_what(client_a, clinician_a, patient_a):
    data = {**NEW_PATIENT, "mrn": patient_a.mrn, "site": patient_a.site.pk, "family_name": "Arden"}
    client_a.post(reverse("registry:patient_edit", args=[patient_a.study_id]), data)
    page = client_a.get(reverse("registry:patient_history", args=[patient_a.study_id]))
    assert "alice" in page.text and "Archer" in page.text and "Arden" in page.text


def test_conditions_are_added_and_removed_with_history(client_a, patient_a):
    from registry.models import Condition, PatientCondition

    hypertension = Condition.objects.get(code="hypertension")
    client_a.post(
        reverse("registry:condition_add", args=[patient_a.study_id]),
        {"condition": hypertension.pk, "onset_date": "2010-01-01"},
    )
    record = PatientCondition.objects.get(patient=patient_a)
    client_a.post(reverse("registry:condition_remove", args=[patient_a.study_id, record.pk]))
    assert not PatientCondition.objects.exists()
    assert [h.history_type for h in PatientCondition.history.all()] == ["-", "+"]


def test_coordinators_cannot_open_edit_forms(client, coordinator, patient_a):
    client.force_login(coordinator)
    response = client.get(reverse("registry:patient_edit", args=[patient_a.study_id]))
    assert response.status_code == 403
    assert "can read this patient" in response.text
