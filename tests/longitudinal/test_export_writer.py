"""The export files themselves: tidy, wide, dictionary, de-identification, blinding.

Round trips: each file is parsed back and compared with the database.
"""

import csv
import datetime as dt
import io
import itertools
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from assessments.models import Assessment
from bench.naive_export import export_write_naive
from biomarkers.models import LabResult
from biomarkers.services import lab_source_manual
from longitudinal.exports import dictionary, formats, writers
from longitudinal.snapshots import snapshots_refresh_changed
from registry.models import Arm, Enrollment, Study, Timepoint
from registry.studies import schedule
from tests.factories import PatientFactory, VisitFactory

pytestmark = pytest.mark.django_db

BASE = dt.date(2025, 1, 15)
MONTH_3 = BASE + dt.timedelta(days=90)


def _collected(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 30), tzinfo=dt.UTC)


_IDS = itertools.count(1)
PRELIMINARY = {"code": "PRELIMINARY", "label": "preliminary", "source": "biomarkers.md"}


def _lab(patient, visit, analyte, value, *, comparator="", reported="", status="final"):
    return LabResult.objects.create(
        patient=patient, visit=visit, analyte_id=analyte, value=Decimal(value),
        unit={"IL6": "pg/mL", "TNFA": "pg/mL", "CRP": "mg/L"}[analyte], comparator=comparator,
        reported_value=reported or f"{comparator}{value}", reported_unit="pg/mL",
        collected_at=_collected(visit.date), status=status, source=lab_source_manual(),
        external_id=f"x{next(_IDS)}", flags=[PRELIMINARY] if status == "preliminary" else [],
    )


@pytest.fixture
def study(db):
    study = Study.objects.create(code="MSC", name="MSC trial", blinded=True)
    for w in schedule.DEFAULT_SCHEDULE:
        Timepoint.objects.create(study=study, code=w.code, name=w.name, target_day=w.target_day,
                                 window_before=w.before, window_after=w.after)
    return study


@pytest.fixture
def cohort(patient_a, patient_b, site_a, study):
    """patient_a in a blinded study with two visits; a 95-year-old; patient_b at site B."""
    arm = Arm.objects.create(study=study, code="D100", name="100 million cells")
    Enrollment.objects.create(patient=patient_a, study=study, arm=arm, enrolled_on=BASE)
    base = VisitFactory(patient=patient_a, date=BASE, kind="baseline")
    m3 = VisitFactory(patient=patient_a, date=MONTH_3, kind="follow_up")
    for visit, code, score, category in (
        (base, "cfs", 4, "prefrail"), (m3, "cfs", 5, "frail"), (m3, "six_minute_walk", 312.5, ""),
    ):
        Assessment.objects.create(visit=visit, instrument=code, version=f"{code}-v1",
                                  inputs={}, score=score, category=category)
    _lab(patient_a, base, "IL6", "0.5", comparator="<")
    _lab(patient_a, m3, "CRP", "3.2", status="preliminary")
    _lab(patient_a, m3, "TNFA", "9.9", status="entered-in-error")
    old = PatientFactory(site=site_a, given_name="Olga", family_name="Oldest", mrn="A-OLD",
                         date_of_birth=dt.date(1930, 1, 1))
    v = VisitFactory(patient=old, date=BASE, kind="baseline")
    Assessment.objects.create(visit=v, instrument="frail", version="frail-v1", inputs={},
                              score=3, category="frail")
    VisitFactory(patient=patient_b, date=BASE, kind="baseline")
    snapshots_refresh_changed()
    return {"old": old}


def _write(user, kind="tidy", filters=None, deidentified=False, date_mode="date", **kw):
    out = io.StringIO()
    n = writers.export_write(kind=kind, user=user, form_or_filters=filters or {},
                             deidentified=deidentified, date_mode=date_mode, out=out, **kw)
    out.seek(0)
    rows = list(csv.DictReader(out))
    assert len(rows) == n
    return rows, out.getvalue()


def _of(rows, study_id, measure=None):
    """The rows of one patient: by study id (identified) or pseudonym (de-identified)."""
    return [r for r in rows if study_id in (r.get("study_id"), r.get("pseudonym"))
            and measure in (None, r.get("measure"))]


def _ps(patient) -> str:
    return writers.pseudonym(patient_pk=patient.pk)


def test_the_tidy_file_round_trips_to_the_database(coordinator, patient_a, cohort):
    rows, _ = _write(coordinator)
    mine = _of(rows, patient_a.study_id)
    assert [(r["date"], r["measure"]) for r in mine] == [
        ("2025-01-15", "cfs"), ("2025-01-15", "IL6"),
        ("2025-04-15", "cfs"), ("2025-04-15", "six_minute_walk"), ("2025-04-15", "CRP"),
    ]
    il6 = _of(rows, patient_a.study_id, "IL6")[0]
    assert (il6["score_or_value"], il6["comparator"], il6["reported_value"]) == ("0.5", "<", "<0.5")
    assert (il6["unit"], il6["measure_type"], il6["status"]) == ("pg/mL", "analyte", "final")
    assert il6["visit_timepoint"] == "baseline"
    crp = _of(rows, patient_a.study_id, "CRP")[0]
    assert (crp["status"], crp["flags"], crp["visit_timepoint"]) == (
        "preliminary", "PRELIMINARY", "month_3")
    walk = _of(rows, patient_a.study_id, "six_minute_walk")[0]
    assert (walk["score_or_value"], walk["unit"], walk["version"]) == (
        "312.5", "m", "six_minute_walk-v1")
    cfs = _of(rows, patient_a.study_id, "cfs")[1]
    assert (cfs["category"], cfs["score_or_value"], cfs["visit_timepoint"]) == (
        "frail", "5.0", "month_3")
    assert (cfs["mrn"], cfs["site"], cfs["family_name"], cfs["age_at_measure"]) == (
        "A-1", "A", "Archer", "79")


def test_a_retracted_result_is_never_exported(coordinator, patient_a, cohort):
    rows, text = _write(coordinator)
    assert not _of(rows, patient_a.study_id, "TNFA")
    assert "9.9" not in text


def test_a_blinded_reader_sees_blinded_for_the_arm(coordinator, patient_a, cohort):
    rows, text = _write(coordinator)
    assert {r["arm"] for r in _of(rows, patient_a.study_id)} == {"blinded"}
    assert "D100" not in text
    wide, text = _write(coordinator, kind="wide")
    assert {r["arm"] for r in _of(wide, patient_a.study_id)} == {"blinded"}
    assert "D100" not in text


def test_an_unblinded_reader_sees_the_arm(coordinator, patient_a, cohort):
    coordinator.user_permissions.add(Permission.objects.get(codename="unblinded"))
    coordinator = type(coordinator).objects.get(pk=coordinator.pk)  # drop the perm cache
    rows, _ = _write(coordinator)
    assert {(r["study"], r["arm"]) for r in _of(rows, patient_a.study_id)} == {("MSC", "D100")}


def test_the_deidentified_file_has_no_identifiers_and_caps_ages(
    coordinator, patient_a, patient_b, cohort
):
    rows, text = _write(coordinator, deidentified=True, date_mode="shifted")
    assert set(rows[0]) >= {"pseudonym", "sex", "date"}
    assert not set(rows[0]) & set(formats.IDENTIFIERS)
    for p in (patient_a, patient_b, cohort["old"]):
        for secret in (p.family_name, p.given_name, p.mrn, p.date_of_birth.isoformat()):
            assert secret not in text
    assert {r["age_at_measure"] for r in _of(rows, _ps(cohort["old"]))} == {"90+"}
    assert {r["age_at_measure"] for r in _of(rows, _ps(patient_a))} == {"79"}


def test_shifted_dates_keep_every_interval_of_a_patient(coordinator, patient_a, cohort):
    rows, _ = _write(coordinator, deidentified=True, date_mode="shifted")
    dates = sorted({dt.date.fromisoformat(r["date"]) for r in _of(rows, _ps(patient_a))})
    assert len(dates) == 2 and dates[1] - dates[0] == MONTH_3 - BASE
    shift = (dates[0] - BASE).days
    assert shift == writers.date_offset(patient_pk=patient_a.pk) and 1 <= abs(shift) <= 180


def test_days_from_baseline_count_from_the_study_anchor(coordinator, patient_a, cohort):
    rows, _ = _write(coordinator, deidentified=True, date_mode="days_from_baseline")
    assert "date" not in rows[0]
    days = [r["days_from_baseline"] for r in _of(rows, _ps(patient_a))]
    assert days == ["0", "0", "90", "90", "90"]


def test_the_wide_file_has_one_row_per_timepoint(coordinator, patient_a, cohort):
    rows, _ = _write(coordinator, kind="wide")
    mine = _of(rows, patient_a.study_id)
    assert [(r["visit_timepoint"], r["date"]) for r in mine] == [
        ("baseline", "2025-01-15"), ("month_3", "2025-04-15")]
    base, m3 = mine
    assert (base["cfs"], base["cfs_category"], base["IL6"], base["IL6_comparator"]) == (
        "4.0", "prefrail", "0.5", "<")
    assert (m3["cfs_category"], m3["six_minute_walk"], m3["CRP"], m3["TNFA"]) == (
        "frail", "312.5", "3.2", "")
    old = _of(rows, cohort["old"].study_id)
    assert [(r["visit_timepoint"], r["frail_category"]) for r in old] == [("baseline", "frail")]


def test_filters_narrow_the_cohort(coordinator, patient_a, patient_b, cohort):
    rows, _ = _write(coordinator, kind="wide", filters={"site": "B"})
    assert {r["study_id"] for r in rows} == {patient_b.study_id}


def test_a_person_exports_only_their_sites(clinician_b, patient_a, patient_b, cohort):
    rows, _ = _write(clinician_b, kind="wide")
    assert {r["study_id"] for r in rows} == {patient_b.study_id}


@pytest.mark.parametrize("filters, field", [
    ({"enrolled_from": "2025-02-01", "enrolled_to": "2025-01-01"}, "enrolled_to"),
    ({"site": "ZZ"}, "site"),
    ({"age_min": "90", "age_max": "70"}, "age_max"),
])
def test_bad_filters_are_refused_with_the_field(coordinator, filters, field):
    with pytest.raises(ValidationError) as exc:
        _write(coordinator, filters=filters)
    assert field in exc.value.message_dict


def test_a_deidentified_export_cannot_carry_actual_dates():
    with pytest.raises(ValidationError) as exc:
        formats.check_options(kind="tidy", deidentified=True, date_mode="date")
    assert "date_mode" in exc.value.message_dict


def test_the_dictionary_describes_every_column(coordinator, cohort):
    out = io.StringIO()
    dictionary.dictionary_write(out=out, fmt="csv")
    out.seek(0)
    described = {r["column"] for r in csv.DictReader(out)}
    for deid in (True, False):
        for mode in ("date", "days_from_baseline"):
            columns = formats.tidy_columns(deidentified=deid, date_mode=mode)
            columns += formats.wide_columns(deidentified=deid, date_mode=mode)
            assert set(columns) - described == set()
    assert "score_or_value [measure=sppb]" in described
    md = io.StringIO()
    dictionary.dictionary_write(out=md, fmt="md")
    assert "| wide | IL6 | number | pg/mL |" in md.getvalue()
    assert "Guralnik" in md.getvalue()  # instrument citations are the source


def test_the_date_offset_is_secret_stable_and_bounded(settings):
    offsets = [writers.date_offset(patient_pk=pk, key="k1") for pk in range(2000)]
    assert all(1 <= abs(o) <= 180 for o in offsets)
    assert min(offsets) < -170 and max(offsets) > 170
    assert offsets == [writers.date_offset(patient_pk=pk, key="k1") for pk in range(2000)]
    assert offsets != [writers.date_offset(patient_pk=pk, key="k2") for pk in range(2000)]
    settings.EXPORT_DATE_SHIFT_KEY = "k1"
    assert writers.date_offset(patient_pk=7) == offsets[7]


def test_progress_is_reported_while_writing(coordinator, cohort, monkeypatch):
    monkeypatch.setattr(writers, "PROGRESS_EVERY", 2)
    seen = []
    _write(coordinator, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 6 and len(seen) >= 2


def test_the_naive_benchmark_writer_writes_the_same_rows(coordinator, cohort):
    fast, _ = _write(coordinator, deidentified=True, date_mode="shifted")
    out = io.StringIO()
    n = export_write_naive(kind="tidy", user=coordinator, form_or_filters={},
                           deidentified=True, date_mode="shifted", out=out)
    assert n == len(fast)
