"""Cohort dashboard and GET /api/v1/cohort/summary/: figures, filters, drill-down,
scoping, blinding and bad input."""

import datetime as dt

import pytest
from django.utils import timezone

from longitudinal.models import PatientSnapshot
from longitudinal.snapshots import snapshots_refresh_changed
from tests.factories import PatientFactory, VisitFactory
from tests.longitudinal.conftest import cfs

pytestmark = pytest.mark.django_db
SUMMARY = "/api/v1/cohort/summary/"


@pytest.fixture
def coord_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def cohort(clinician_a, clinician_b, patient_a, patient_b, site_a):
    """A: CFS 3 → 6 (robust → frail); B: CFS 5 (frail); C at site A: CFS 4 (prefrail)."""
    patient_c = PatientFactory(site=site_a, sex="male", date_of_birth=dt.date(1938, 1, 1))
    plan = [(patient_a, clinician_a, (3, 6)), (patient_b, clinician_b, (5,)),
            (patient_c, clinician_a, (4,))]
    for patient, actor, levels in plan:
        for n, level in enumerate(levels):
            visit = VisitFactory(patient=patient, date=dt.date(2025, 1 + 3 * n, 15),
                                 kind="baseline" if n == 0 else "follow_up")
            cfs(actor, visit, level)
    return {"a": patient_a, "b": patient_b, "c": patient_c}


def test_the_summary_counts_latest_categories_and_transitions(coord_client, cohort):
    body = coord_client.get(SUMMARY).json()
    assert body["patients"] == 3
    assert body["latest_categories"]["cfs"] == {"robust": 0, "prefrail": 1, "frail": 2}
    assert body["transitions"]["instrument"] == "fried"


def test_filters_narrow_the_cohort(coord_client, cohort):
    assert coord_client.get(SUMMARY, {"site": "B"}).json()["patients"] == 1
    assert coord_client.get(SUMMARY, {"sex": "male"}).json()["patients"] == 1
    # patient C was born in 1938: 85+ today.
    assert coord_client.get(SUMMARY, {"age_band": "85+"}).json()["patients"] == 1


def test_every_number_links_to_the_patients_behind_it(coord_client, cohort):
    page = coord_client.get("/cohort/patients/", {"cell": "latest:cfs:frail"})
    assert cohort["a"].study_id in page.text and cohort["b"].study_id in page.text
    assert cohort["c"].study_id not in page.text
    dashboard = coord_client.get("/cohort/")
    assert "cell=latest:cfs:frail" in dashboard.text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"site": "ZZ"}, "site"),
        ({"sex": "other"}, "sex"),
        ({"condition": "gout"}, "condition"),
        ({"enrolled_from": "2025-06-01", "enrolled_to": "2025-01-01"}, "enrolled_to"),
        ({"age_min": 90, "age_max": 70}, "age_max"),
        ({"study": "NOPE"}, "study"),
    ],
)
def test_bad_filters_are_a_400_naming_the_field(coord_client, params, field):
    response = coord_client.get(SUMMARY, params)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert coord_client.get("/cohort/", params).status_code == 400


def test_an_unknown_drill_down_is_a_400(coord_client):
    assert coord_client.get("/cohort/patients/", {"cell": "latest:nope:frail"}).status_code == 400


def test_clinicians_and_lab_keys_cannot_see_the_cohort(client, clinician_a, lab_key):
    assert client.get(SUMMARY, HTTP_AUTHORIZATION=f"Api-Key {lab_key}").status_code == 403
    client.force_login(clinician_a)
    assert client.get(SUMMARY).status_code == 403
    assert client.get("/cohort/").status_code == 403


def test_coordinators_see_only_their_sites(client, site_a, cohort):
    from registry.models import Role
    from tests.factories import staff

    only_a = staff("ann", Role.COORDINATOR, [site_a])
    client.force_login(only_a)
    assert client.get(SUMMARY).json()["patients"] == 2
    assert client.get(SUMMARY, {"site": "B"}).status_code == 400


def test_snapshots_refresh_only_what_changed(clinician_a, cohort):
    from assessments.models import Assessment
    from longitudinal.models import SnapshotState
    from registry.models import Patient, Visit

    snapshots_refresh_changed()
    assert PatientSnapshot.objects.get(pk=cohort["c"].pk).cfs_latest == "prefrail"
    # Pretend the last refresh was an hour ago and nothing changed since.
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    for model in (Patient, Visit, Assessment):
        model.objects.update(modified_at=hour_ago - dt.timedelta(minutes=30))
    SnapshotState.objects.update(refreshed_through=hour_ago)
    visit = VisitFactory(patient=cohort["c"], date=dt.date(2025, 9, 1), kind="follow_up")
    cfs(clinician_a, visit, 7)
    assert snapshots_refresh_changed() == 1
    assert PatientSnapshot.objects.get(pk=cohort["c"].pk).cfs_latest == "frail"


def _settle() -> None:
    """Refresh, then age every record so the next request has nothing to refresh."""
    from assessments.models import Assessment
    from longitudinal.models import SnapshotState
    from registry.models import Patient, Visit

    snapshots_refresh_changed()
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    for model in (Patient, Visit, Assessment):
        model.objects.update(modified_at=hour_ago)
    SnapshotState.objects.update(refreshed_through=timezone.now())


def test_the_dashboard_runs_a_fixed_number_of_queries(
    coord_client, cohort, site_a, django_assert_max_num_queries
):
    _settle()
    with django_assert_max_num_queries(60) as few:
        coord_client.get(SUMMARY)
    budget = len(few.captured_queries)  # read now: each request resets the query log
    PatientFactory.create_batch(20, site=site_a)
    _settle()
    with django_assert_max_num_queries(budget):
        assert coord_client.get(SUMMARY).json()["patients"] == 23


def test_biomarker_quartiles_match_the_reference_computation(coord_client, cohort):
    """On PostgreSQL percentile_cont runs in the database; elsewhere Python computes it:
    both must give the inclusive quartiles of the latest values."""
    from longitudinal.stats import quartiles

    _settle()  # then nothing changes before the request: the rows below stay as set
    values = {"a": 1.0, "b": 2.0, "c": 4.5}
    for key, value in values.items():
        PatientSnapshot.objects.filter(pk=cohort[key].pk).update(
            fried_latest="frail", crp_latest=value
        )
    crp = coord_client.get(SUMMARY).json()["biomarkers_by_category"]["analytes"]["CRP"]
    expected = quartiles(sorted(values.values())).as_dict()
    assert crp["frail"] == pytest.approx(expected)
    assert crp["robust"]["n"] == 0
