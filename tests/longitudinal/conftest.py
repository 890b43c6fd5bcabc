"""A small, fully known history for the longitudinal views."""

import datetime as dt
from decimal import Decimal

import pytest

from assessments.services import assessment_submit
from biomarkers.parsing.jsonitem import json_record
from biomarkers.patient_scope import patient_scope_for_user
from biomarkers.services import lab_results_ingest, lab_source_manual
from tests.factories import VisitFactory

D = dt.date


def cfs(actor, visit, level):
    return assessment_submit(actor=actor, visit=visit, instrument="cfs", inputs={"level": level})


def sppb(actor, visit, chair_s):
    """Balance 4 + gait 4 (4 m in 4.0 s) + chair points from the five-stand time."""
    inputs = {
        "side_by_side_s": 10, "semi_tandem_s": 10, "tandem_s": 10, "gait_course_m": 4,
        "gait_trial1_s": 4.0, "chair_single_without_arms": True, "chair_5_s": chair_s,
    }
    return assessment_submit(actor=actor, visit=visit, instrument="sppb", inputs=inputs)


def lab(actor, patient, analyte, value, unit, when: dt.date, external_id, status="final"):
    item = {
        "patient": {"study_id": patient.study_id}, "analyte": analyte, "value": value,
        "unit": unit, "collected_at": f"{when.isoformat()}T08:00:00+00:00",
        "external_id": external_id, "status": status,
    }
    report = lab_results_ingest(
        source=lab_source_manual(), records=[json_record(0, item)], actor=actor,
        scope=patient_scope_for_user(actor),
    )
    assert report.items[0].outcome in ("created", "updated"), report.items[0]
    return report


@pytest.fixture
def history_a(clinician_a, patient_a):
    """Patient A (woman, born 1945-06-01): CFS 3 → 3 → 6; SPPB 12 → 10; CRP 2, <0.5, 12."""
    visits = [
        VisitFactory(patient=patient_a, date=D(2025, 1, 15), kind="baseline",
                     weight_kg=Decimal(60), height_cm=Decimal(160)),
        VisitFactory(patient=patient_a, date=D(2025, 4, 15), kind="follow_up"),
        VisitFactory(patient=patient_a, date=D(2025, 7, 15), kind="follow_up"),
    ]
    for visit, level in zip(visits, (3, 3, 6), strict=True):
        cfs(clinician_a, visit, level)
    sppb(clinician_a, visits[0], 10.0)  # chair 4 points: total 12
    sppb(clinician_a, visits[2], 14.0)  # chair 2 points: total 10
    lab(clinician_a, patient_a, "CRP", 2.0, "mg/L", D(2025, 1, 15), "crp-1")
    lab(clinician_a, patient_a, "CRP", "<0.5", "mg/L", D(2025, 4, 15), "crp-2")
    lab(clinician_a, patient_a, "CRP", 12, "mg/L", D(2025, 7, 15), "crp-3")
    return visits
