"""The ingestion service: outcomes, idempotency, history, parking, visits and bad input."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from biomarkers import selectors, services
from biomarkers.models import LabResult, ParkedLabResult, ParkedStatus
from biomarkers.patient_scope import patient_scope_registry
from tests.biomarkers.conftest import ingest, item, records
from tests.factories import VisitFactory

pytestmark = pytest.mark.django_db


def outcomes(report):
    return [i.outcome for i in report.items]


def test_it_stores_the_canonical_value_beside_the_value_as_reported(lab_source, patient_a):
    report = ingest(lab_source, item(patient_a, value="1.25", unit="MG/DL"))
    assert outcomes(report) == ["created"]
    result = LabResult.objects.get()
    assert (result.value, result.unit) == (Decimal("12.5"), "mg/L")
    assert (result.reported_value, result.reported_unit) == ("1.25", "MG/DL")
    assert [f["code"] for f in result.flags] == ["ACUTE_INFLAMMATION"]
    assert result.history.count() == 1


def test_a_resend_with_the_same_content_is_unchanged(lab_source, patient_a):
    first = ingest(lab_source, item(patient_a))
    again = ingest(lab_source, item(patient_a))
    assert outcomes(again) == ["unchanged"]
    assert again.items[0].id == first.items[0].id
    assert LabResult.objects.count() == 1
    assert LabResult.history.count() == 1


def test_an_amendment_updates_and_keeps_the_previous_version(lab_source, patient_a):
    ingest(lab_source, item(patient_a))
    report = ingest(lab_source, item(patient_a, value="14", status="amended"))
    assert outcomes(report) == ["updated"]
    result = LabResult.objects.get()
    assert result.value == Decimal("14") and result.status == "amended"
    values = [h.value for h in result.history.order_by("history_date", "history_id")]
    assert values == [Decimal("12.5"), Decimal("14")]


def test_a_different_final_result_with_the_same_id_is_rejected(lab_source, patient_a):
    ingest(lab_source, item(patient_a))
    report = ingest(lab_source, item(patient_a, value="99"))
    assert outcomes(report) == ["rejected"]
    assert "amended or corrected" in report.items[0].errors[0]
    assert LabResult.objects.get().value == Decimal("12.5")


def test_a_retraction_keeps_the_result_in_history_and_out_of_views(lab_source, patient_a):
    ingest(lab_source, item(patient_a))
    report = ingest(lab_source, item(patient_a, value=None, status="entered-in-error"))
    assert outcomes(report) == ["retracted"]
    result = LabResult.objects.get()
    assert result.status == "entered-in-error" and result.value == Decimal("12.5")
    assert result.history.count() == 2
    assert list(selectors.lab_results_for_patient(patient=patient_a)) == []
    assert selectors.lab_results_latest(patient=patient_a) == []
    # A plain resend of the original cannot bring it back; a correction can.
    assert outcomes(ingest(lab_source, item(patient_a))) == ["rejected"]
    assert outcomes(ingest(lab_source, item(patient_a, status="corrected"))) == ["updated"]


def test_a_retraction_of_an_unseen_result_is_a_tombstone(lab_source, patient_a):
    report = ingest(lab_source, item(patient_a, value=None, status="entered-in-error"))
    assert outcomes(report) == ["retracted"]
    assert outcomes(ingest(lab_source, item(patient_a))) == ["rejected"]


def test_a_preliminary_result_is_flagged_then_replaced_by_the_final(lab_source, patient_a):
    ingest(lab_source, item(patient_a, status="preliminary"))
    assert "PRELIMINARY" in [f["code"] for f in LabResult.objects.get().flags]
    report = ingest(lab_source, item(patient_a, value="13"))
    assert outcomes(report) == ["updated"]
    assert "PRELIMINARY" not in [f["code"] for f in LabResult.objects.get().flags]


def test_an_older_version_arriving_late_is_not_applied(lab_source, patient_a):
    ingest(lab_source, item(patient_a, status="amended", resulted_at="2025-03-02T10:00:00Z"))
    late = item(patient_a, value="11", status="amended", resulted_at="2025-03-01T10:00:00Z")
    report = ingest(lab_source, late)
    assert outcomes(report) == ["unchanged"]
    assert "older version" in report.items[0].notes[0]
    assert LabResult.objects.get().value == Decimal("12.5")


def test_a_conditional_create_leaves_an_existing_result_alone(lab_source, patient_a):
    ingest(lab_source, item(patient_a))
    (record,) = records(item(patient_a, value="50", status="amended"))
    from dataclasses import replace

    record = replace(record, if_none_exist="Observation?identifier=R-1")
    report = services.lab_results_ingest(
        source=lab_source, records=[record], scope=patient_scope_registry()
    )
    assert outcomes(report) == ["unchanged"]
    assert LabResult.objects.get().value == Decimal("12.5")


def test_repeats_within_one_batch_land_on_one_row(lab_source, patient_a):
    report = ingest(lab_source, item(patient_a), item(patient_a), item(patient_a, value="9"))
    assert outcomes(report) == ["created", "unchanged", "rejected"]
    assert LabResult.objects.count() == 1


def test_the_same_external_id_from_two_sources_is_two_results(lab_source, patient_a):
    ingest(lab_source, item(patient_a))
    ingest(services.lab_source_manual(), item(patient_a))
    assert LabResult.objects.count() == 2


def test_site_and_mrn_identify_a_patient(lab_source, patient_a):
    report = ingest(lab_source, item(patient_a, patient={"site": "A", "mrn": "A-1"}))
    assert outcomes(report) == ["created"]
    assert LabResult.objects.get().patient == patient_a


# --- visits ----------------------------------------------------------------------------------


def test_a_result_links_to_the_closest_visit_within_the_window(lab_source, patient_a):
    VisitFactory(patient=patient_a, date=dt.date(2025, 1, 15), kind="baseline")
    near = VisitFactory(patient=patient_a, date=dt.date(2025, 3, 10), kind="follow_up")
    VisitFactory(patient=patient_a, date=dt.date(2025, 3, 25), kind="follow_up")
    ingest(lab_source, item(patient_a))
    assert LabResult.objects.get().visit == near


def test_a_tie_goes_to_the_earlier_visit(lab_source, patient_a):
    before = VisitFactory(patient=patient_a, date=dt.date(2025, 2, 26), kind="baseline")
    VisitFactory(patient=patient_a, date=dt.date(2025, 3, 4), kind="follow_up")
    ingest(lab_source, item(patient_a))
    assert LabResult.objects.get().visit == before


def test_no_visit_outside_the_window(lab_source, patient_a, settings):
    VisitFactory(patient=patient_a, date=dt.date(2025, 1, 15))
    ingest(lab_source, item(patient_a))
    assert LabResult.objects.get().visit is None
    settings.LAB_RESULT_VISIT_WINDOW_DAYS = 60
    ingest(lab_source, item(patient_a, external_id="R-2"))
    assert LabResult.objects.get(external_id="R-2").visit is not None


# --- parking ---------------------------------------------------------------------------------


def test_an_unknown_patient_is_parked_once_however_often_it_is_sent(lab_source, patient_a):
    unknown = item(patient_a, patient={"study_id": "FR-999999"})
    assert outcomes(ingest(lab_source, unknown)) == ["parked"]
    assert outcomes(ingest(lab_source, unknown)) == ["parked"]
    parked = ParkedLabResult.objects.get()
    assert parked.status == ParkedStatus.OPEN and "FR-999999" in parked.reason
    assert LabResult.objects.count() == 0


def test_a_coordinator_matches_a_parked_result(lab_source, patient_a, coordinator):
    ingest(lab_source, item(patient_a, patient={"site": "A", "mrn": "WRONG"}))
    parked = ParkedLabResult.objects.get()
    result = services.parked_result_match(actor=coordinator, parked=parked, patient=patient_a)
    assert result.patient == patient_a and result.value == Decimal("12.5")
    parked.refresh_from_db()
    assert parked.status == ParkedStatus.MATCHED and parked.resolved_by == coordinator
    assert parked.history.count() == 2
    with pytest.raises(ValidationError):
        services.parked_result_match(actor=coordinator, parked=parked, patient=patient_a)


def test_a_coordinator_discards_a_parked_result_with_a_reason(lab_source, patient_a, coordinator):
    ingest(lab_source, item(patient_a, patient={"study_id": "FR-999999"}))
    parked = ParkedLabResult.objects.get()
    with pytest.raises(ValidationError):
        services.parked_result_discard(actor=coordinator, parked=parked, note=" ")
    services.parked_result_discard(actor=coordinator, parked=parked, note="Not our patient")
    parked.refresh_from_db()
    assert parked.status == ParkedStatus.DISCARDED and parked.note == "Not our patient"


def test_a_clinician_cannot_work_the_inbox(lab_source, patient_a, clinician_a):
    from django.core.exceptions import PermissionDenied

    ingest(lab_source, item(patient_a, patient={"study_id": "FR-999999"}))
    with pytest.raises(PermissionDenied):
        services.parked_result_discard(
            actor=clinician_a, parked=ParkedLabResult.objects.get(), note="x"
        )


def test_a_later_delivery_for_a_known_patient_supersedes_the_parked_one(lab_source, patient_a):
    ingest(lab_source, item(patient_a, patient={"study_id": "FR-999999"}))
    ingest(lab_source, item(patient_a))
    assert ParkedLabResult.objects.get().status == ParkedStatus.SUPERSEDED


# --- bad input: each a clear per-item error, the good items stored ----------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"analyte": "XYZ"}, "Unknown analyte code 'XYZ'"),
        ({"analyte": None, "loinc": "12345-6"}, "LOINC '12345-6' is not in the registry"),
        ({"analyte": None, "loinc": "48664-7"}, "PT-derived fibrinogen"),
        ({"unit": "furlongs"}, "Accepted units: mg/L, mg/dL, ug/mL, g/L"),
        ({"unit": "nmol/L"}, "Molar unit 'nmol/L' is not accepted"),
        ({"value": "1500"}, "outside the plausible range"),
        ({"value": "-1"}, "outside the plausible range"),
        ({"value": "abc"}, "Cannot read a number from 'abc'"),
        ({"collected_at": "2999-01-01T00:00:00Z"}, "is in the future"),
        ({"collected_at": "1940-01-01T00:00:00Z"}, "before birth"),
        ({"collected_at": "2025-03-01T08:15:00"}, "has no UTC offset"),
        ({"collected_at": None}, "collected_at: This field is required"),
        ({"external_id": None}, "external_id: This field is required"),
        ({"patient": {}}, "A patient identifier is required"),
        ({"patient": None}, "patient: This field is required"),
        ({"status": "done"}, "'done' is not one of"),
        ({"value": None}, "numeric CRP result is required"),
        ({"analyte": "DDIMER_DDU", "unit": "mg/L FEU", "value": "0.4"}, "FEU and DDU"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(lab_source, patient_a, overrides, message):
    good = item(patient_a, external_id="GOOD")
    report = ingest(lab_source, good, item(patient_a, **overrides))
    assert outcomes(report) == ["created", "rejected"]
    assert message in " ".join(report.items[1].errors)
    assert LabResult.objects.count() == 1


def test_an_atomic_payload_writes_nothing_when_one_item_fails(lab_source, patient_a):
    report = ingest(
        lab_source, item(patient_a), item(patient_a, external_id="R-2", unit="x"), atomic=True
    )
    assert not report.applied
    assert outcomes(report) == ["created", "rejected"]
    assert LabResult.objects.count() == 0
    assert LabResult.history.count() == 0


def test_a_censored_value_keeps_its_comparator(lab_source, patient_a):
    ingest(lab_source, item(patient_a, analyte="HSCRP", value="<0.5"))
    result = LabResult.objects.get()
    assert (result.comparator, result.value, result.display_value) == ("<", Decimal("0.5"), "<0.5")
    assert result.reported_value == "<0.5"


def test_the_d_dimer_cut_off_is_age_adjusted(lab_source, patient_a):
    # Born 1945: 79 at collection, so the cut-off is 790 ng/mL FEU (ADJUST-PE).
    ingest(lab_source, item(patient_a, analyte="DDIMER_FEU", value="600", unit="ng/mL"))
    assert LabResult.objects.get().flags == []


# --- manual entry ----------------------------------------------------------------------------


def test_a_clinician_enters_a_panel_for_a_visit(clinician_a, patient_a):
    visit = VisitFactory(patient=patient_a, date=dt.date(2025, 1, 15))
    entries = [
        {"analyte": "IL6", "value": "3.1", "unit": "pg/mL"},
        {"analyte": "FIB", "value": "3.5", "unit": "g/L"},
    ]
    collected = dt.datetime(2025, 1, 15, 9, 0, tzinfo=dt.UTC)
    services.lab_panel_enter(
        actor=clinician_a, visit=visit, collected_at=collected, entries=entries
    )
    fib = LabResult.objects.get(analyte="FIB")
    assert (fib.value, fib.unit, fib.visit, fib.entered_by) == (
        Decimal("350"),
        "mg/dL",
        visit,
        clinician_a,
    )


def test_a_panel_with_one_bad_value_stores_nothing(clinician_a, patient_a):
    visit = VisitFactory(patient=patient_a, date=dt.date(2025, 1, 15))
    entries = [
        {"analyte": "IL6", "value": "3.1", "unit": "pg/mL"},
        {"analyte": "TNFA", "value": "20000", "unit": "pg/mL"},
    ]
    collected = dt.datetime(2025, 1, 15, 9, 0, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as caught:
        services.lab_panel_enter(
            actor=clinician_a, visit=visit, collected_at=collected, entries=entries
        )
    assert "TNFA" in caught.value.message_dict
    assert LabResult.objects.count() == 0
