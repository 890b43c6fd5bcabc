"""Change from baseline at months 3 and 6, by arm for the unblinded, pooled otherwise."""

import datetime as dt

import pytest

from longitudinal import selectors
from longitudinal.filters import CohortFilterForm
from longitudinal.snapshots import snapshots_refresh_changed
from registry.studies import services as study_services
from tests.factories import PatientFactory, VisitFactory
from tests.longitudinal.conftest import sppb
from tests.registry.conftest import grant_unblinded, infuse, make_study

pytestmark = pytest.mark.django_db


@pytest.fixture
def trial(admin_user, clinician_a, site_a):
    """Three patients in arm D100 and one in placebo; SPPB at baseline and month 3."""
    study = make_study(admin_user)
    unblinded = grant_unblinded(admin_user)
    chair = {"D100": [(10.0, 10.0), (14.0, 10.0), (17.0, 12.0)], "PBO": [(10.0, 17.0)]}
    for arm_code, pairs in chair.items():
        for base_s, m3_s in pairs:
            patient = PatientFactory(site=site_a)
            enrollment = study_services.enrollment_create(
                actor=unblinded, patient=patient, study=study,
                arm=study.arms.get(code=arm_code), enrolled_on=dt.date(2025, 1, 20),
            )
            infusion = infuse(admin_user, enrollment)
            day0 = infusion.start_date
            base = VisitFactory(patient=patient, date=day0, kind="baseline")
            m3 = VisitFactory(patient=patient, date=day0 + dt.timedelta(days=90),
                              kind="follow_up")
            sppb(clinician_a, base, base_s)
            sppb(clinician_a, m3, m3_s)
    snapshots_refresh_changed()
    return study


def _change(user, study):
    form = CohortFilterForm({"study": study.code}, user=user)
    assert form.is_valid(), form.errors
    return selectors.cohort_summary(user=user, form=form)["change_from_baseline"]


def test_unblinded_users_see_n_mean_sd_and_ci_per_arm(admin_user, trial):
    change = _change(grant_unblinded(admin_user), trial)
    groups = {g["arm"]: g["cells"]["sppb|m3"] for g in change["groups"]}
    # D100: SPPB 12→12, 10→12, 9→11: changes 0, +2, +2.
    d100 = groups["D100"]
    assert (d100["n"], d100["mean"]) == (3, pytest.approx(4 / 3))
    assert d100["sd"] == pytest.approx(1.1547, abs=1e-4)
    half = 4.303 * d100["sd"] / 3**0.5
    assert d100["ci95"] == pytest.approx([4 / 3 - half, 4 / 3 + half])
    assert groups["PBO"]["n"] == 1 and groups["PBO"]["ci95"] is None  # 12 → 9


def test_blinded_users_get_pooled_figures(coordinator, trial):
    change = _change(coordinator, trial)
    assert not change["by_arm"]
    assert [g["arm"] for g in change["groups"]] == ["all"]
    assert change["groups"][0]["cells"]["sppb|m3"]["n"] == 4


def test_blinded_users_cannot_filter_by_arm(client, coordinator, trial):
    client.force_login(coordinator)
    response = client.get("/api/v1/cohort/summary/", {"study": trial.code, "arm": "D100"})
    assert response.status_code == 403


def test_blinded_users_cannot_drill_into_an_arm(client, coordinator, trial):
    client.force_login(coordinator)
    response = client.get(
        "/cohort/patients/", {"study": trial.code, "cell": "change:sppb:m3:D100"}
    )
    assert response.status_code == 400
