"""Blinding on study-wide routes (study pages, safety table, cohort dashboard, due visits):
what a blinded person reads does not change when patients change arms.

The two patients of tests/registry/test_blinding.py (one placebo, one active) are built;
every route in `STUDY_ROUTES` is read; then the arms are reassigned (swapped, both
active, both placebo: enrolment, allocation, dose and product) and every route is read
again. For a blinded person each answer must be the same text, so neither who is in
which arm nor how many are in each shows; for an unblinded person the per-arm figures
do change, so the comparison is of real answers.
"""

import json
import re

import pytest
from django.utils import timezone

from longitudinal.snapshots import snapshots_refresh_changed
from registry.models import Allocation, Enrollment, Intervention
from tests.registry.test_blinding import (  # noqa: F401 (fixtures)
    ACTIVE,
    CSRF,
    PLACEBO,
    cases,
    media,
)

pytestmark = pytest.mark.django_db

STUDY_ROUTES = {
    "study list": "/patients/studies/",
    "study page": "/patients/studies/MSC-DF/",
    "safety table": "/patients/studies/MSC-DF/safety/",
    "safety drill-down": "/patients/studies/MSC-DF/safety/any_ae/",
    "safety drill-down by arm": "/patients/studies/MSC-DF/safety/patients/?arm=PBO",
    "visits due": "/patients/visits-due/",
    "patient list": "/patients/",
    "studies API": "/api/v1/studies/",
    "study API": "/api/v1/studies/MSC-DF/",
    "arms API": "/api/v1/studies/MSC-DF/arms/",
    "safety API": "/api/v1/studies/MSC-DF/safety/",
    "cohort dashboard": "/cohort/?study=MSC-DF",
    "cohort patients": "/cohort/patients/?study=MSC-DF&cell=all",
    "cohort summary API": "/api/v1/cohort/summary/?study=MSC-DF",
}
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


def _read_all(client) -> dict[str, str]:
    answers = {}
    for name, url in STUDY_ROUTES.items():
        response = client.get(url)
        if response["Content-Type"].startswith("application/json"):
            text = json.dumps(response.json(), sort_keys=True, indent=1)
        else:
            text = CSRF.sub("<CSRF>", response.content.decode())
        answers[name] = f"{response.status_code}\n" + TIMESTAMP.sub("<TIMESTAMP>", text)
    return answers


ASSIGNMENTS = {"swapped": (ACTIVE, PLACEBO), "both active": (ACTIVE, ACTIVE),
               "both placebo": (PLACEBO, PLACEBO)}


def _reassign(pair, arms) -> None:
    """Put each patient in another arm: enrolment, allocation entry, dose and product."""
    now = timezone.now()
    by_code = {arm.code: arm for arm in pair[0].enrollment.study.arms.all()}
    for case, arm in zip(pair, arms, strict=True):
        Enrollment.objects.filter(pk=case.enrollment.pk).update(
            arm=by_code[arm["arm"]], modified_at=now
        )
        Allocation.objects.filter(pk=case.enrollment.allocation_id).update(
            arm=by_code[arm["arm"]], modified_at=now
        )
        Intervention.objects.filter(pk=case.intervention.pk).update(
            product=arm["product"] + ", lot 2", dose=arm["dose"], dose_unit=arm["dose_unit"],
            modified_at=now,
        )
    snapshots_refresh_changed()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("reader", ["clinician_a", "coordinator"])
def test_study_wide_routes_do_not_change_when_patients_change_arms(
    client, request, cases, reader, assignment  # noqa: F811
):
    client.force_login(request.getfixturevalue(reader))
    before = _read_all(client)
    _reassign(cases, ASSIGNMENTS[assignment])
    after = _read_all(client)
    for name in STUDY_ROUTES:
        assert before[name].split("\n", 1)[0] in ("200", "403", "404"), name
        assert before[name] == after[name], f"{name} tells the arms apart"


@pytest.mark.parametrize(("assignment", "expected"), [
    ("swapped", {"safety API", "safety drill-down by arm"}),
    ("both active", {"safety table", "safety API", "study page", "cohort summary API"}),
])
def test_the_unblinded_see_the_change(
    client, cases, unblinded_coordinator, assignment, expected  # noqa: F811
):
    """The reassignment changes what the unblinded read: the test above is not vacuous."""
    client.force_login(unblinded_coordinator)
    before = _read_all(client)
    _reassign(cases, ASSIGNMENTS[assignment])
    after = _read_all(client)
    assert expected <= {name for name in STUDY_ROUTES if before[name] != after[name]}
