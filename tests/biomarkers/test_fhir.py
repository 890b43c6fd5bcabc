"""FHIR R4 Observation and Bundle parsing (biomarkers.md §4, API.md "Laboratory results")."""

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from biomarkers.parsing import FhirParseError, PatientRef, parse_fhir
from biomarkers.parsing.fhir import parse_if_none_exist

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
LAB = "https://lab.example.org/results"


def observation(**overrides):
    resource = {
        "resourceType": "Observation",
        "identifier": [{"system": LAB, "value": "R-1"}],
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "1988-5", "display": "CRP"}]},
        "subject": {"identifier": {"system": "urn:frailty-registry:study-id", "value": "FR-0001"}},
        "effectiveDateTime": "2024-03-01T08:15:00+01:00",
        "issued": "2024-03-01T12:00:00Z",
        "valueQuantity": {"value": 12.50, "unit": "mg/L", "system": UCUM, "code": "mg/L"},
    }
    resource.update(overrides)
    return {key: value for key, value in resource.items() if value is not None}


def parse_one(resource):
    (record,) = parse_fhir(json.dumps(resource)).records
    return record


def error_text(record):
    return " | ".join(record.error_messages())


# --- one Observation -----------------------------------------------------------------------


def test_it_reads_a_single_observation():
    result = parse_fhir(json.dumps(observation()))
    assert result.bundle_type is None
    (record,) = result.records
    assert record.ok
    assert record.patient == PatientRef(
        study_id="FR-0001", system="urn:frailty-registry:study-id", value="FR-0001"
    )
    assert (record.analyte, record.loinc, record.status) == ("CRP", "1988-5", "final")
    assert (record.external_id, record.external_id_system) == ("R-1", LAB)
    assert record.collected_at == datetime(2024, 3, 1, 7, 15, tzinfo=UTC)
    assert record.collected_at.utcoffset() == timedelta(hours=1)  # offset kept as sent
    assert record.resulted_at == datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def test_the_value_is_kept_exactly_as_sent():
    raw = json.dumps(observation()).replace("12.5", "12.50")
    (exact,) = parse_fhir(raw).records
    assert str(exact.value) == "12.50"
    assert exact.reported_value == "12.50"
    assert exact.unit == "mg/L"


def test_it_accepts_bytes_and_decoded_mappings_without_float_rounding():
    assert parse_fhir(json.dumps(observation()).encode()).records[0].ok
    mapped = observation(valueQuantity={"value": 0.1, "system": UCUM, "code": "mg/dL"})
    assert parse_fhir(mapped).records[0].value == Decimal("0.1")


def test_site_and_mrn_identifier_system():
    subject = {"identifier": {"system": "urn:frailty-registry:site:LYON:mrn", "value": "123"}}
    record = parse_one(observation(subject=subject))
    assert (record.patient.site, record.patient.mrn, record.patient.study_id) == (
        "LYON",
        "123",
        None,
    )
    assert record.patient.is_resolvable


def test_an_unknown_identifier_system_is_kept_for_parking_not_refused():
    subject = {"identifier": {"system": "urn:oid:1.2.3", "value": "X9"}}
    record = parse_one(observation(subject=subject))
    assert record.ok
    assert record.patient == PatientRef(system="urn:oid:1.2.3", value="X9")
    assert not record.patient.is_resolvable


def test_a_subject_by_reference_alone_is_refused_never_matched_by_name():
    record = parse_one(observation(subject={"reference": "Patient/42", "display": "Jane Doe"}))
    assert "never matched by name" in error_text(record)


def test_a_censored_value_quantity_keeps_its_comparator():
    quantity = {"value": 0.5, "comparator": "<", "system": UCUM, "code": "mg/L"}
    record = parse_one(observation(valueQuantity=quantity))
    assert (record.comparator, record.value, record.reported_value) == ("<", Decimal("0.5"), "<0.5")


def test_the_ad_comparator_is_refused():
    quantity = {"value": 5, "comparator": "ad", "system": UCUM, "code": "mg/L"}
    assert "comparator 'ad' is not accepted" in error_text(
        parse_one(observation(valueQuantity=quantity))
    )


def test_the_ucum_code_is_preferred_to_the_display_unit():
    quantity = {"value": 3, "unit": "µg/mL", "system": UCUM, "code": "ug/mL"}
    assert parse_one(observation(valueQuantity=quantity)).unit == "ug/mL"
    assert parse_one(observation(valueQuantity={"value": 3, "unit": "mg/dl"})).unit == "mg/dl"


def test_a_numeric_value_string_is_tolerated():
    record = parse_one(observation(valueQuantity=None, valueString="<0.5 mg/L"))
    assert (record.comparator, record.value, record.unit) == ("<", Decimal("0.5"), "mg/L")
    assert record.reported_value == "<0.5 mg/L"
    assert record.ok


def test_a_non_numeric_value_string_is_an_error():
    record = parse_one(observation(valueQuantity=None, valueString="haemolysed"))
    assert "Cannot read a number from 'haemolysed'" in error_text(record)


def test_a_coded_value_carries_no_number():
    concept = {"coding": [{"system": "http://snomed.info/sct", "code": "260385009"}]}
    record = parse_one(observation(valueQuantity=None, valueCodeableConcept=concept))
    assert "valueCodeableConcept carries no number" in error_text(record)


@pytest.mark.parametrize(
    "status", ["preliminary", "final", "amended", "corrected", "entered-in-error"]
)
def test_api_statuses_are_accepted(status):
    assert parse_one(observation(status=status)).status == status


def test_a_cancelled_observation_needs_no_value():
    record = parse_one(observation(status="cancelled", valueQuantity=None))
    assert record.ok and record.value is None


@pytest.mark.parametrize("status", ["registered", "unknown", "bogus"])
def test_other_statuses_are_refused(status):
    assert f"status '{status}' is not accepted" in error_text(parse_one(observation(status=status)))


def test_a_final_observation_without_value_is_refused():
    reason = {"coding": [{"code": "not-performed"}]}
    record = parse_one(observation(valueQuantity=None, dataAbsentReason=reason))
    assert "a numeric result is required (not-performed)" in error_text(record)


def test_a_loinc_coding_is_required():
    code = {"coding": [{"system": "http://acme.lab/codes", "code": "CRP"}]}
    assert "system http://loinc.org is required" in error_text(parse_one(observation(code=code)))


def test_a_loinc_outside_the_catalogue_is_refused():
    code = {"coding": [{"system": LOINC, "code": "2160-0"}]}
    record = parse_one(observation(code=code))
    assert record.loinc == "2160-0" and record.analyte is None
    assert "not in the registry's biomarker catalogue" in error_text(record)


def test_pt_derived_fibrinogen_is_refused_with_the_reason():
    code = {"coding": [{"system": LOINC, "code": "48664-7"}]}
    assert "not Clauss fibrinogen" in error_text(parse_one(observation(code=code)))


def test_the_catalogued_coding_wins_among_several():
    code = {
        "coding": [
            {"system": "http://acme.lab/codes", "code": "HSCRP"},
            {"system": LOINC, "code": "30522-7"},
        ]
    }
    assert parse_one(observation(code=code)).analyte == "HSCRP"


@pytest.mark.parametrize("effective", ["2024-03-01", None])
def test_a_collection_time_with_time_of_day_is_required(effective):
    record = parse_one(observation(effectiveDateTime=effective))
    assert "specimen collection time" in error_text(record)


def test_a_collection_time_without_offset_is_a_structure_error():
    record = parse_one(observation(effectiveDateTime="2024-03-01T08:15:00"))
    assert "Observation.effectiveDateTime" in error_text(record)


def test_an_identifier_is_required_as_idempotency_key():
    assert "idempotency key" in error_text(parse_one(observation(identifier=None)))


def test_details_are_kept_as_sent():
    record = parse_one(
        observation(
            referenceRange=[
                {"low": {"value": 0, "unit": "mg/L"}, "high": {"value": 5, "unit": "mg/L"}}
            ],
            interpretation=[
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                            "code": "H",
                        }
                    ]
                }
            ],
            method={"text": "immunoturbidimetry"},
            device={"display": "Cobas c503"},
            specimen={"display": "serum"},
        )
    )
    assert record.reference_range == "0-5 mg/L"
    assert (record.interpretation, record.method) == ("H", "immunoturbidimetry")
    assert (record.device, record.specimen) == ("Cobas c503", "serum")


def test_a_reference_range_text_wins():
    record = parse_one(observation(referenceRange=[{"text": "<5 mg/L"}]))
    assert record.reference_range == "<5 mg/L"


def test_a_structurally_invalid_observation_is_a_record_error_with_its_path():
    record = parse_one(observation(color="red"))
    assert not record.ok
    assert record.errors[0].location == "Observation.color"


# --- whole-payload errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('{"resourceType": "Observation",', "Malformed JSON"),
        (b"\xff\xfe\x00", "Malformed JSON"),
        ("[1, 2]", "Expected a JSON object"),
        ('{"resourceType": "Patient"}', "resourceType 'Patient' is not accepted"),
        ('{"status": "final"}', "resourceType 'None' is not accepted"),
        ('{"resourceType": "Bundle", "type": "collection"}', "Bundle.type 'collection'"),
        ('{"resourceType": "Bundle", "type": "batch", "entry": [1]}', "list of objects"),
    ],
)
def test_unusable_payloads_raise_one_clear_error(payload, message):
    with pytest.raises(FhirParseError, match=message):
        parse_fhir(payload)


def test_an_invalid_bundle_envelope_names_the_field():
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [{"request": {"method": "POST"}}]}
    with pytest.raises(FhirParseError) as caught:
        parse_fhir(json.dumps(bundle))
    assert caught.value.issues[0].location == "Bundle.entry.0.request.url"


# --- Bundles -------------------------------------------------------------------------------


PATIENT_URL = "urn:uuid:8f9c6c2e-5d8c-4b4e-9a55-0a7c1f2d3e4f"


def patient_entry():
    return {
        "fullUrl": PATIENT_URL,
        "resource": {
            "resourceType": "Patient",
            "identifier": [
                {"system": "urn:oid:9.9", "value": "other"},
                {"system": "urn:frailty-registry:site:GVA:mrn", "value": "M-77"},
            ],
        },
        "request": {
            "method": "POST",
            "url": "Patient",
            "ifNoneExist": "identifier=urn:frailty-registry:site:GVA:mrn|M-77",
        },
    }


def observation_entry(resource, if_none_exist=f"Observation?identifier={LAB}|R-1"):
    request = {"method": "POST", "url": "Observation"}
    if if_none_exist:
        request["ifNoneExist"] = if_none_exist
    return {"fullUrl": "urn:uuid:obs", "resource": resource, "request": request}


def bundle(kind, *entries):
    return json.dumps({"resourceType": "Bundle", "type": kind, "entry": list(entries)})


def test_a_transaction_resolves_the_subject_through_a_patient_entry():
    resource = observation(subject={"reference": PATIENT_URL})
    result = parse_fhir(bundle("transaction", patient_entry(), observation_entry(resource)))
    assert (result.bundle_type, result.entry_count) == ("transaction", 2)
    (record,) = result.records
    assert record.ok, error_text(record)
    assert (record.patient.site, record.patient.mrn) == ("GVA", "M-77")
    assert record.index == 1
    assert record.if_none_exist == f"Observation?identifier={LAB}|R-1"
    (patient,) = result.skipped
    assert (patient.index, patient.code, patient.is_error) == (0, "Patient", False)
    assert not result.has_errors


def test_a_reference_to_a_missing_patient_entry_is_an_error():
    resource = observation(subject={"reference": "urn:uuid:nobody"})
    (record,) = parse_fhir(bundle("transaction", observation_entry(resource))).records
    assert "'urn:uuid:nobody' must carry an identifier" in error_text(record)


def test_a_batch_answers_per_entry():
    good = observation_entry(observation())
    bad = observation_entry(
        observation(status="registered", identifier=[{"system": LAB, "value": "R-2"}]), None
    )
    result = parse_fhir(bundle("batch", good, bad))
    assert [r.ok for r in result.records] == [True, False]
    assert [r.index for r in result.records] == [0, 1]
    assert result.has_errors


def test_an_invalid_resource_in_a_batch_fails_only_its_entry():
    broken = copy.deepcopy(observation())
    del broken["code"]
    result = parse_fhir(
        bundle("batch", observation_entry(observation()), observation_entry(broken, None))
    )
    assert [r.ok for r in result.records] == [True, False]
    assert result.records[1].errors[0].location == "Observation.code"


def test_if_none_exist_must_match_the_observation_identifier():
    entry = observation_entry(observation(), f"Observation?identifier={LAB}|R-999")
    (record,) = parse_fhir(bundle("batch", entry)).records
    assert "does not match Observation.identifier" in error_text(record)


def test_only_identifier_conditional_creates_are_supported():
    entry = observation_entry(observation(), "Observation?code=1988-5")
    (record,) = parse_fhir(bundle("batch", entry)).records
    assert "only 'Observation?identifier=system|value' is supported" in error_text(record)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Observation?identifier=http://lab|R-1", ("http://lab", "R-1")),
        ("identifier=http%3A%2F%2Flab%7CR-1", ("http://lab", "R-1")),
        ("Observation?identifier=R-1", (None, "R-1")),
        ("Observation?identifier=|R-1", (None, "R-1")),
        ("Observation?identifier=a|b&code=x", None),
        ("Observation?", None),
    ],
)
def test_if_none_exist_queries(query, expected):
    assert parse_if_none_exist(query) == expected


def test_only_post_observation_is_accepted_in_bundles():
    entry = observation_entry(observation(), None)
    entry["request"] = {"method": "PUT", "url": "Observation/1"}
    (record,) = parse_fhir(bundle("transaction", entry)).records
    assert "only 'POST Observation' (create) is accepted" in error_text(record)


def test_other_resource_types_in_a_bundle_are_refused_per_entry():
    entry = {
        "resource": {"resourceType": "Condition"},
        "request": {"method": "POST", "url": "Condition"},
    }
    result = parse_fhir(bundle("batch", entry))
    assert result.records == ()
    (skipped,) = result.skipped
    assert skipped.is_error and skipped.code == "Condition"
    assert result.has_errors


def test_an_invalid_patient_entry_is_reported():
    entry = patient_entry()
    entry["resource"]["gender"] = 7
    result = parse_fhir(bundle("batch", entry))
    assert result.skipped[0].is_error


def test_collected_at_is_timezone_aware_in_every_record():
    offsets = ["+01:00", "-05:00", "Z"]
    entries = [
        observation_entry(
            observation(
                identifier=[{"system": LAB, "value": f"R-{i}"}],
                effectiveDateTime=f"2024-03-01T08:15:00{offset}",
            ),
            None,
        )
        for i, offset in enumerate(offsets)
    ]
    records = parse_fhir(bundle("batch", *entries)).records
    assert [r.collected_at.utcoffset() for r in records] == [
        timedelta(hours=1),
        timedelta(hours=-5),
        timedelta(0),
    ]
    assert all(isinstance(r.collected_at.tzinfo, timezone) for r in records)
