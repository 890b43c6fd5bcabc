"""Study endpoints: shape, permissions, bad input as 4xx envelopes, blinding."""

import datetime as dt

import pytest

from registry.models import Allocation, Enrollment
from registry.studies import services as study_services
from tests.registry.conftest import INFUSION_DAY, grant_unblinded

pytestmark = pytest.mark.django_db

SAE = {
    "onset_date": "2025-02-13", "description": "Pneumonia", "severity": "severe",
    "serious": True, "criterion_hospitalisation": True, "relatedness": "unlikely",
    "outcome": "recovered",
}


def _as(client, user):
    client.force_login(user)
    return client


def test_enrolments_read_blinded_for_blinded_people(client, clinician_a, enrolled_a):
    body = _as(client, clinician_a).get(
        f"/api/v1/patients/{enrolled_a.patient.study_id}/enrolments/"
    ).json()
    assert body["results"][0] | {"id": 0} == {
        "id": 0, "study": "MSC-DF", "arm": "blinded", "arm_code": "blinded",
        "enrolled_on": "2025-01-20", "allocation": "blinded",
    }


def test_enrolments_show_the_arm_to_the_unblinded(client, unblinded_coordinator, enrolled_a):
    body = _as(client, unblinded_coordinator).get(
        f"/api/v1/patients/{enrolled_a.patient.study_id}/enrolments/"
    ).json()
    assert (body["results"][0]["arm"], body["results"][0]["arm_code"]) == (
        "100 million cells", "D100"
    )


def test_infusion_doses_read_blinded_for_blinded_people(
    client, clinician_a, enrolled_a, infusion_a
):
    item = _as(client, clinician_a).get(
        f"/api/v1/patients/{enrolled_a.patient.study_id}/interventions/"
    ).json()["results"][0]
    assert item["dose"] == item["dose_unit"] == item["product"] == "blinded"
    # Volume and rate are masked too (issue 9): only kind, route and dates stay.
    assert (item["volume_ml"], item["rate_ml_min"], item["study"]) == (
        "blinded", "blinded", "MSC-DF"
    )


def test_arm_counts_are_hidden_from_blinded_people(
    client, coordinator, admin_user, enrolled_a
):
    arms = _as(client, coordinator).get("/api/v1/studies/MSC-DF/arms/").json()
    assert {a["code"]: a["enrolled"] for a in arms} == {
        "PBO": None, "D20": None, "D100": None, "D200": None
    }
    arms = _as(client, admin_user).get("/api/v1/studies/MSC-DF/arms/").json()
    assert {a["code"]: a["enrolled"] for a in arms}["D100"] == 1


def test_the_safety_api_is_pooled_for_blinded_people(
    client, coordinator, enrolled_a, infusion_a
):
    study_services.adverse_event_create(
        actor=enrolled_a.entered_by, patient=enrolled_a.patient,
        **{**SAE, "onset_date": INFUSION_DAY + dt.timedelta(days=12)},
    )
    body = _as(client, coordinator).get("/api/v1/studies/MSC-DF/safety/").json()
    assert body["pooled"] is True and body["arms"] == []
    assert body["total"]["counts"]["te_sae_1m"] == 1
    assert body["total"]["patients"]["te_sae_1m"] == [enrolled_a.patient.study_id]
    assert "100 million" not in str(body)


def test_the_safety_api_is_per_arm_for_the_unblinded(client, admin_user, enrolled_a):
    study_id = enrolled_a.study_id
    body = _as(client, admin_user).get(f"/api/v1/studies/{study_id}/safety/").json()
    assert [a["arm"] for a in body["arms"]] == ["D100", "D20", "D200", "PBO"]
    assert body["arms"][0]["counts"]["patients"] == 1


def test_adverse_events_carry_the_derived_flags(client, clinician_a, enrolled_a, infusion_a):
    url = f"/api/v1/patients/{enrolled_a.patient.study_id}/adverse-events/"
    created = _as(client, clinician_a).post(
        url, {**SAE, "treatment_emergent": False}, content_type="application/json"
    )
    assert created.status_code == 201
    body = created.json()
    # Derived from the infusion on day 0; a client-sent flag is ignored.
    assert (body["study_day"], body["treatment_emergent"], body["te_sae_1m"]) == (12, True, True)


def test_an_adverse_event_ending_before_it_starts_is_a_400(client, clinician_a, patient_a):
    response = _as(client, clinician_a).post(
        f"/api/v1/patients/{patient_a.study_id}/adverse-events/",
        {**SAE, "resolved_on": "2025-02-01"}, content_type="application/json",
    )
    assert response.status_code == 400
    assert "cannot end before it starts" in response.json()["errors"]["resolved_on"][0]


def test_an_intervention_before_enrolment_is_a_400(client, clinician_a, enrolled_a):
    response = _as(client, clinician_a).post(
        f"/api/v1/patients/{enrolled_a.patient.study_id}/interventions/",
        {"study": "MSC-DF", "kind": "cell_therapy_infusion", "product": "MSC",
         "start_date": "2025-01-19"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "before enrolment" in response.json()["errors"]["start_date"][0]


def test_an_arm_of_another_study_is_a_400(client, admin_user, study, open_study, patient_a):
    response = _as(client, grant_unblinded(admin_user)).post(
        f"/api/v1/patients/{patient_a.study_id}/enrolments/",
        {"study": "OPEN-1", "arm": "NOPE", "enrolled_on": "2025-01-20"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "has no arm" in response.json()["errors"]["arm"][0]
    assert not Enrollment.objects.exists()


def test_enrolment_from_the_allocation_list_over_the_api(
    client, clinician_a, unblinded_coordinator, study, patient_a
):
    study_services.allocations_upload(
        actor=unblinded_coordinator, study=study, text="site,sequence,arm\nA,1,D20\n"
    )
    url = f"/api/v1/patients/{patient_a.study_id}/enrolments/"
    body = {"study": "MSC-DF", "enrolled_on": "2025-01-20", "use_allocation": True}
    created = _as(client, clinician_a).post(url, body, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["arm"] == created.json()["allocation"] == "blinded"
    assert Allocation.objects.get().enrollment.patient == patient_a


def test_clinicians_cannot_create_studies_over_the_api(client, clinician_a, coordinator):
    body = {"code": "API-1", "name": "Via API", "blinded": False}
    denied = _as(client, clinician_a).post("/api/v1/studies/", body,
                                           content_type="application/json")
    assert denied.status_code == 403
    created = _as(client, coordinator).post("/api/v1/studies/", body,
                                            content_type="application/json")
    assert created.status_code == 201 and len(created.json()["schedule"]) == 5
    by_id = client.get(f"/api/v1/studies/{created.json()['id']}/")
    assert by_id.json()["code"] == "API-1"


def test_an_unknown_study_is_a_404(client, clinician_a):
    assert _as(client, clinician_a).get("/api/v1/studies/nope/safety/").status_code == 404


def test_a_study_key_of_non_ascii_digits_is_a_404(client, clinician_a):
    # "²".isdigit() is true but int("²") fails: this was a 500 (found by schemathesis).
    for url in ("/api/v1/studies/²/arms/", "/patients/studies/²/"):
        assert _as(client, clinician_a).get(url).status_code == 404, url


def test_notification_ids_of_non_ascii_digits_are_ignored(client, clinician_a):
    response = _as(client, clinician_a).post("/patients/notifications/read/", {"id": "²"})
    assert response.status_code == 302


def test_the_patient_lists_run_a_fixed_number_of_queries(
    client, clinician_a, enrolled_a, infusion_a, django_assert_max_num_queries
):
    for day in (3, 40, 90):
        study_services.adverse_event_create(
            actor=enrolled_a.entered_by, patient=enrolled_a.patient,
            **{**SAE, "onset_date": INFUSION_DAY + dt.timedelta(days=day)},
        )
    _as(client, clinician_a)
    with django_assert_max_num_queries(14):
        client.get(f"/api/v1/patients/{enrolled_a.patient.study_id}/adverse-events/")
