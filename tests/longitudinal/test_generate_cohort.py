"""generate_cohort: a small synthetic cohort has the shape the benchmark relies on, and
every stored score is what the registry's own scoring would give."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from assessments import services as assessment_services
from assessments.models import Assessment
from assessments.records import assessment_fields
from biomarkers import catalogue, units
from biomarkers.models import LabResult
from core.dates import age_on
from longitudinal.models import PatientSnapshot
from registry.models import Enrollment, Intervention, Patient, Visit
from synthetic.cohort import STUDY_CODE

N = 30

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort():
    out = StringIO()
    call_command(
        "generate_cohort", patients=N, seed=7, sites=3, batch=12, jobs=1, force=True, stdout=out
    )
    return out.getvalue()


def test_it_creates_the_requested_patients_with_study_ids(cohort):
    patients = list(Patient.objects.all())
    assert len(patients) == N
    for p in patients:
        assert p.study_id == f"FR-{p.pk:06d}"
        assert re.fullmatch(r"FR-\d{6,}", p.study_id)


def test_ages_stay_between_65_and_100_at_every_visit(cohort):
    for visit in Visit.objects.select_related("patient"):
        age = age_on(visit.patient.date_of_birth, visit.date)
        assert 65 <= age <= 100


def test_each_patient_has_3_to_6_visits_and_one_baseline(cohort):
    for p in Patient.objects.all():
        kinds = list(p.visits.values_list("kind", flat=True))
        assert 3 <= len(kinds) <= 6
        assert kinds.count("baseline") == 1


def test_assessments_are_scored_exactly_as_the_scoring_modules_would(cohort):
    assessments = Assessment.objects.select_related("visit__patient")
    assert assessments.count() > N * 3 * 3
    for a in assessments:
        context, result = assessment_services.assessment_score(
            visit=a.visit, code=a.instrument, inputs=a.inputs
        )
        expected = assessment_fields(result)
        assert a.context == context
        for name, value in expected.items():
            assert getattr(a, name) == value, (a.instrument, name)


def test_lab_results_are_in_canonical_units_and_linked_to_their_visit(cohort):
    results = LabResult.objects.select_related("visit")
    assert results.count() > N * 3
    for r in results:
        analyte = catalogue.analyte_by_code(r.analyte_id)
        assert r.unit == analyte.canonical_unit
        comparator, number = units.parse_reported_value(r.reported_value)
        assert (comparator or "") == r.comparator
        assert units.to_canonical(analyte, number, r.reported_unit) == r.value
        assert r.visit.patient_id == r.patient_id
        assert r.collected_at.date() == r.visit.date


def test_study_patients_have_one_infusion_and_a_baseline_in_the_window(cohort):
    enrollments = Enrollment.objects.filter(study__code=STUDY_CODE)
    assert enrollments.exists()
    for e in enrollments:
        infusions = Intervention.objects.filter(enrollment=e)
        assert infusions.count() == 1
        baseline = e.patient.visits.get(kind="baseline")
        assert 0 <= (infusions.get().start_date - baseline.date).days <= 14


def test_snapshots_are_current_and_report_rows_per_second(cohort):
    assert PatientSnapshot.objects.count() == N
    assert PatientSnapshot.objects.exclude(fried_latest="").count() == N
    assert "rows/s" in cohort
    assert "assessment" in cohort


@override_settings(DEBUG=False)
def test_it_refuses_to_run_with_debug_off():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("generate_cohort", patients=1, stdout=StringIO())
    assert not Patient.objects.exists()
