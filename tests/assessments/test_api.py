"""API.md "Instruments and assessments": catalogue, stateless scoring, patient records."""

import datetime as dt

import pytest
from django.utils import timezone

from assessments.models import Assessment
from registry.models import Visit
from tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

FRIED_EXAMPLE = {
    "sex": "female",
    "height_cm": 158,
    "weight_kg": 55,
    "grip_kg": 16,
    "walk_15ft_s": 7.4,
    "kcal_per_week": 250,
    "cesd_effort": 1,
    "cesd_going": 0,
    "weight_loss_10lb": False,
}


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_the_catalogue_lists_every_instrument_with_its_schema(client_a):
    body = client_a.get("/api/v1/instruments/").json()
    codes = {i["code"] for i in body}
    assert codes >= {
        "fried",
        "cfs",
        "frailty_index",
        "frail",
        "sof",
        "tfi",
        "gfi",
        "share_fi",
        "sppb",
        "six_minute_walk",
        "gait_speed",
        "grip_strength",
        "spirometry",
        "sf36",
    }
    fried = client_a.get("/api/v1/instruments/fried/").json()
    grip = next(f for f in fried["fields"] if f["name"] == "grip_kg")
    assert (grip["unit"], grip["min"], grip["max"]) == ("kg", 0, 100)
    assert fried["version"] and fried["citation"]


def test_the_frailty_index_lists_its_items(client_a):
    fi = client_a.get("/api/v1/instruments/frailty_index/").json()
    assert len(fi["definition"]["items"]) >= 30


def test_an_unknown_instrument_is_a_404(client_a):
    assert client_a.get("/api/v1/instruments/nope/").status_code == 404
    assert post(client_a, "/api/v1/instruments/nope/score/", {"inputs": {}}).status_code == 404


def test_scoring_the_published_example(client_a):
    response = post(client_a, "/api/v1/instruments/fried/score/", {"inputs": FRIED_EXAMPLE})
    assert response.status_code == 200
    assert (response.json()["score"], response.json()["category"]) == (3, "frail")
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    ("code", "inputs", "field"),
    [
        ("cfs", {"level": 4.5}, "level"),
        ("cfs", {"level": "4"}, "level"),
        ("frail", {"illnesses": ["hypertension", "hypertension"]}, "illnesses"),
        ("fried", {**FRIED_EXAMPLE, "unknown_field": 1}, "unknown_field"),
    ],
)
def test_bad_inputs_are_a_400_naming_the_field(client_a, code, inputs, field):
    response = post(client_a, f"/api/v1/instruments/{code}/score/", {"inputs": inputs})
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_inputs_must_be_an_object(client_a):
    response = post(client_a, "/api/v1/instruments/cfs/score/", {"inputs": [1, 2]})
    assert response.status_code == 400 and "inputs" in response.json()["errors"]


def test_a_clinician_posts_an_assessment_and_reads_it_back(client_a, patient_a):
    url = f"/api/v1/patients/{patient_a.study_id}/assessments/"
    VisitFactory(patient=patient_a, date=dt.date(2025, 1, 15), height_cm=158, weight_kg=55)
    inputs = {k: v for k, v in FRIED_EXAMPLE.items() if k not in ("sex", "height_cm", "weight_kg")}
    created = post(client_a, url, {"date": "2025-01-15", "instrument": "fried", "inputs": inputs})
    assert created.status_code == 201, created.json()
    assert created.json()["result"]["category"] == "frail"
    assert created.json()["context"] == {"sex": "female", "height_cm": 158, "weight_kg": 55}
    post(client_a, url, {"date": "2025-07-15", "instrument": "cfs", "inputs": {"level": 5}})
    assert len(client_a.get(url).json()["results"]) == 2
    only_cfs = client_a.get(url, {"instrument": "cfs"}).json()["results"]
    assert [a["instrument"] for a in only_cfs] == ["cfs"]
    later = client_a.get(url, {"date_from": "2025-02-01"}).json()["results"]
    assert [a["date"] for a in later] == ["2025-07-15"]


def test_an_inverted_date_range_is_a_400(client_a, patient_a):
    url = f"/api/v1/patients/{patient_a.study_id}/assessments/"
    response = client_a.get(url, {"date_from": "2025-05-01", "date_to": "2025-01-01"})
    assert response.status_code == 400 and "date_to" in response.json()["errors"]


def test_coordinators_read_but_cannot_post(client, coordinator, patient_a):
    client.force_login(coordinator)
    url = f"/api/v1/patients/{patient_a.study_id}/assessments/"
    assert client.get(url).status_code == 200
    response = post(
        client, url, {"date": "2025-01-15", "instrument": "cfs", "inputs": {"level": 3}}
    )
    assert response.status_code == 403


def test_the_list_runs_a_fixed_number_of_queries(
    client_a, patient_a, django_assert_max_num_queries
):
    url = f"/api/v1/patients/{patient_a.study_id}/assessments/"
    for month in range(1, 10):
        post(
            client_a,
            url,
            {"date": f"2024-{month:02d}-01", "instrument": "cfs", "inputs": {"level": 3}},
        )
    with django_assert_max_num_queries(12):
        assert client_a.get(url).status_code == 200


def test_a_refused_assessment_on_a_new_date_creates_no_visit(client_a, patient_a):
    url = f"/api/v1/patients/{patient_a.study_id}/assessments/"
    response = post(client_a, url, {"date": "2025-01-15", "instrument": "cfs",
                                    "inputs": {"level": 4.5}})  # fmt: skip
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Invalid input: please check level."
    assert list(body["errors"]) == ["level"]
    assert not Visit.objects.exists()


def test_a_visit_date_in_the_future_is_a_400_naming_the_date(client_a, patient_a):
    url = f"/api/v1/patients/{patient_a.study_id}/assessments/"
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = post(client_a, url, {"date": tomorrow.isoformat(), "instrument": "cfs",
                                    "inputs": {"level": 4}})  # fmt: skip
    assert response.status_code == 400
    assert response.json()["errors"] == {"date": ["The visit date cannot be in the future."]}
    assert not Visit.objects.exists()
