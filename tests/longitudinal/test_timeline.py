"""The patient timeline: page, API, censored/acute points, scoping, fixed query count."""

import datetime as dt

import pytest

from tests.factories import VisitFactory
from tests.longitudinal.conftest import cfs, lab

pytestmark = pytest.mark.django_db


def api(client, patient):
    return client.get(f"/api/v1/patients/{patient.study_id}/timeline/")


def test_the_api_returns_every_series_on_one_axis(client_a, patient_a, history_a):
    body = api(client_a, patient_a).json()
    codes = {s["code"]: s for s in body["series"]}
    assert set(codes) == {"cfs", "sppb", "CRP"}
    assert (body["start"], body["end"]) == ("2025-01-15", "2025-07-15")
    assert [p["value"] for p in codes["cfs"]["points"]] == [3, 3, 6]
    assert codes["cfs"]["change_from_baseline"]["absolute"] == 3


def test_censored_and_acute_crp_are_marked_and_acute_is_left_out_of_change(
    client_a, patient_a, history_a
):
    crp = next(s for s in api(client_a, patient_a).json()["series"] if s["code"] == "CRP")
    censored, acute = crp["points"][1], crp["points"][2]
    assert (censored["comparator"], censored["value"]) == ("<", 0.5)
    assert acute["acute"] and not censored["acute"]
    # Baseline 2.0, latest usable <0.5 (the acute 12 mg/L sample is excluded).
    assert crp["change_from_baseline"]["latest"] == 0.5
    assert any(t["low"] == 10 for t in crp["thresholds"])


def test_a_preliminary_result_is_marked(client_a, clinician_a, patient_a):
    lab(clinician_a, patient_a, "IL6", 3.1, "pg/mL", dt.date(2025, 2, 1), "il6-p", "preliminary")
    il6 = next(s for s in api(client_a, patient_a).json()["series"] if s["code"] == "IL6")
    assert il6["points"][0]["preliminary"] is True


def test_the_page_draws_charts_and_the_table_view(client_a, patient_a, history_a):
    page = client_a.get(f"/timeline/{patient_a.study_id}/")
    assert page.status_code == 200
    assert page.text.count('<svg class="chart"') == 3
    assert "Table view" in page.text and "&lt;0.5" in page.text
    assert "acute inflammation" in page.text


def test_another_sites_clinician_gets_a_404(client, clinician_b, patient_a, history_a):
    client.force_login(clinician_b)
    assert api(client, patient_a).status_code == 404
    assert client.get(f"/timeline/{patient_a.study_id}/").status_code == 404


def test_a_lab_key_cannot_read_a_timeline(client, lab_key, patient_a):
    response = client.get(
        f"/api/v1/patients/{patient_a.study_id}/timeline/",
        HTTP_AUTHORIZATION=f"Api-Key {lab_key}",
    )
    assert response.status_code in (401, 403)


def test_the_query_count_does_not_grow_with_history(
    client_a, clinician_a, patient_a, django_assert_max_num_queries
):
    def visit_with_data(n):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=30 * n)
        visit = VisitFactory(
            patient=patient_a, date=day, kind="baseline" if n == 0 else "follow_up"
        )
        cfs(clinician_a, visit, 3 + n % 3)
        lab(clinician_a, patient_a, "TNFA", 1.5 + n / 10, "pg/mL", day, f"tnf-{n}")

    visit_with_data(0)
    with django_assert_max_num_queries(40) as short:
        api(client_a, patient_a)
    budget = len(short.captured_queries)  # read now: each request resets the query log
    for n in range(1, 15):
        visit_with_data(n)
    with django_assert_max_num_queries(budget):
        body = api(client_a, patient_a).json()
    assert len(body["series"][0]["points"]) == 15
