"""One-time form tokens (core/idempotency.py): a submission is recorded once.

Double click, back + resubmit of the same page: the second POST carries the same token
and is answered "already recorded" with a redirect to where the first one went.
"""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.test import override_settings
from django.urls import reverse

from core.idempotency import ALREADY_RECORDED, FIELD, form_submissions_purge, form_token_new
from core.models import FormSubmission
from registry.models import AdverseEvent, Patient, Visit
from registry.services import visit_create
from tests.html_forms import page_form

pytestmark = pytest.mark.django_db

AE_FORM = {
    "onset_date": "2025-02-10", "resolved_on": "", "description": "Fall",
    "severity": "moderate", "ctcae_grade": "", "relatedness": "unrelated",
    "action_taken": "none", "outcome": "recovered",
}
NEW_PATIENT = {
    "mrn": "A-500", "given_name": "Nora", "family_name": "Quill",
    "date_of_birth": "1944-02-10", "sex": "female", "enrolled_on": "2025-04-01",
    "status": "active",
}


def _ae_url(patient):
    return reverse("registry:adverse_event_create", args=[patient.study_id])


def test_every_post_form_renders_a_fresh_token(client_a, patient_a):
    url = _ae_url(patient_a)
    first = page_form(client_a.get(url).text, url).submission()[FIELD]
    second = page_form(client_a.get(url).text, url).submission()[FIELD]
    assert first != second


def test_a_double_submitted_adverse_event_is_stored_once(client_a, patient_a):
    data = {**AE_FORM, FIELD: form_token_new()}

    first = client_a.post(_ae_url(patient_a), data)
    second = client_a.post(_ae_url(patient_a), data)

    assert AdverseEvent.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert second.url == first.url


def test_the_repeat_says_it_was_already_recorded(client_a, site_a):
    data = {**NEW_PATIENT, "site": site_a.pk, FIELD: form_token_new()}
    client_a.post(reverse("registry:patient_create"), data)

    repeat = client_a.post(reverse("registry:patient_create"), data, follow=True)

    patient = Patient.objects.get()
    assert repeat.redirect_chain[-1][0] == reverse("registry:patient_detail",
                                                   args=[patient.study_id])
    assert ALREADY_RECORDED in [str(m) for m in get_messages(repeat.wsgi_request)]
    assert ALREADY_RECORDED in repeat.text


def test_a_form_refused_for_its_errors_can_be_corrected_and_sent_with_its_token(
    client_a, patient_a
):
    token = form_token_new()
    refused = client_a.post(_ae_url(patient_a), {**AE_FORM, "description": "", FIELD: token})
    assert refused.status_code == 400
    assert not FormSubmission.objects.exists()

    saved = client_a.post(_ae_url(patient_a), {**AE_FORM, FIELD: token})

    assert saved.status_code == 302
    assert AdverseEvent.objects.count() == 1


def test_calculating_scores_does_not_use_up_the_token(client_a, patient_a):
    url = reverse("assessments:visit_entry", args=[patient_a.study_id])
    data = {"visit-date": "2025-03-01", "visit-kind": "baseline", "cfs-level": "4",
            FIELD: form_token_new()}
    assert client_a.post(url, {**data, "action": "calculate"}).status_code == 200

    saved = client_a.post(url, {**data, "action": "save"})
    repeat = client_a.post(url, {**data, "action": "save"})

    assert saved.status_code == repeat.status_code == 302
    assert repeat.url == saved.url
    assert Visit.objects.count() == 1


def test_a_refused_action_does_not_use_up_the_token(client, coordinator, site_a):
    client.force_login(coordinator)
    data = {**NEW_PATIENT, "site": site_a.pk, FIELD: form_token_new()}
    assert client.post(reverse("registry:patient_create"), data).status_code == 403
    assert not FormSubmission.objects.exists()


def test_another_accounts_token_is_refused_without_saying_where_it_went(
    client, clinician_a, admin_user, patient_a
):
    token = form_token_new()
    client.force_login(clinician_a)
    client.post(_ae_url(patient_a), {**AE_FORM, FIELD: token})
    client.force_login(admin_user)

    response = client.post(_ae_url(patient_a), {**AE_FORM, FIELD: token})

    assert response.status_code == 400
    assert "another account" in response.text
    assert patient_a.study_id not in response.text
    assert AdverseEvent.objects.count() == 1


def test_a_damaged_token_is_refused_with_a_message(client_a, patient_a):
    response = client_a.post(_ae_url(patient_a), {**AE_FORM, FIELD: "not-a-token"})
    assert response.status_code == 400
    assert "Open the page again" in response.text
    assert not AdverseEvent.objects.exists()


def test_a_token_older_than_its_lifetime_is_refused(client_a, patient_a):
    token = form_token_new()
    with override_settings(FORM_TOKEN_MAX_AGE=-1):
        response = client_a.post(_ae_url(patient_a), {**AE_FORM, FIELD: token})
    assert response.status_code == 400
    assert "opened too long ago" in response.text
    assert not AdverseEvent.objects.exists()


def test_a_post_without_a_token_still_works(client_a, patient_a):
    # API clients and scripts send no token: they are not guarded, and not refused.
    response = client_a.post(_ae_url(patient_a), AE_FORM)
    assert response.status_code == 302
    assert not FormSubmission.objects.exists()


def test_tokens_past_their_lifetime_are_forgotten(client_a, patient_a):
    client_a.post(_ae_url(patient_a), {**AE_FORM, FIELD: form_token_new()})
    later = FormSubmission.objects.get().submitted_at + dt.timedelta(days=2)
    assert form_submissions_purge(now=later - dt.timedelta(days=1, minutes=1)) == 0
    assert form_submissions_purge(now=later) == 1


def test_an_edit_saved_twice_writes_one_history_row(client_a, clinician_a, patient_a):
    visit = visit_create(
        actor=clinician_a, patient=patient_a, date=dt.date(2025, 1, 15), kind="baseline"
    )
    url = reverse("registry:visit_edit", args=[patient_a.study_id, visit.pk])
    data = page_form(client_a.get(url).text, url).submission()
    data["notes"] = ["Seen with her son."]
    before = Visit.history.count()

    client_a.post(url, data)
    client_a.post(url, data)

    assert Visit.history.count() == before + 1
