"""HL7 v2.5.1 ORU^R01 parsing and ACKs (biomarkers.md §4, API.md "Laboratory results")."""

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import hl7
import pytest

from biomarkers.catalogue import analyte_by_code
from biomarkers.parsing import AckIssue, Hl7ParseError, build_ack, parse_oru, skipped_ack_issues
from biomarkers.units import UnitError, check_plausible, to_canonical

NIST = (Path(__file__).parent / "data" / "nist-lri-cbc-oru.hl7").read_text()

MSH = "MSH|^~\\&|LAB|HUG||FRAILTY|20240301120000+0100||ORU^R01^ORU_R01|CTRL-1|P|2.5.1"
PID = "PID|1||M-77^^^GVA^MR||Doe^Jane"
OBR = "OBR|1|PL-1^HIS|FL-9^LIS||||20240301081500+0100|||||||||||||||20240301113000+0100|||F"


def obx(
    value_type="NM",
    code="1988-5^CRP^LN",
    value="12.5",
    unit="mg/L^^UCUM",
    status="F",
    observed="20240301081500+0100",
    extra="",
):
    fields = [
        "OBX",
        "1",
        value_type,
        code,
        "",
        value,
        unit,
        "0-5",
        "H",
        "",
        "",
        status,
        "",
        "",
        observed,
    ]
    return "|".join(fields) + extra


def message(*obxs, pid=PID, obr=OBR, sep="\r"):
    return sep.join([MSH, pid, obr, *obxs]) + sep


def parse_one(*obxs, pid=PID, **kwargs):
    result = parse_oru(message(*obxs, pid=pid), **kwargs)
    (record,) = result.records
    return record


def error_text(record):
    return " | ".join(record.error_messages())


# --- the NIST sample -----------------------------------------------------------------------


def test_the_nist_sample_parses():
    result = parse_oru(NIST)
    assert result.control_id == "NIST-LRI-NG-002.00"
    assert (result.sending_application, result.sending_facility) == (
        "NIST Test Lab APP",
        "NIST Lab Facility",
    )
    assert [r.analyte for r in result.records] == ["HGB", "WBC"]
    assert all(r.ok for r in result.records)
    assert len(result.skipped) == 26


def test_nist_pid3_authority_is_passed_on_as_the_site_for_the_service_to_check():
    patient = parse_oru(NIST).records[0].patient
    # "NIST MPI" is no registry site: the service will park these results.
    assert (patient.site, patient.mrn, patient.system) == ("NIST MPI", "PATID1234", "NIST MPI")


def test_nist_hemoglobin_arrives_in_g_per_ml_and_is_refused_at_conversion():
    hgb = parse_oru(NIST).records[0]
    assert (hgb.loinc, hgb.value, hgb.unit) == ("718-7", Decimal("12.5"), "g/mL")
    assert (hgb.reference_range, hgb.interpretation, hgb.status) == ("13 to 18", "L", "final")
    with pytest.raises(UnitError, match="Accepted units: g/dL, g/L"):
        to_canonical(analyte_by_code("HGB"), hgb.value, hgb.unit)


def test_nist_leukocytes_convert_from_cells_per_ul():
    wbc = parse_oru(NIST).records[1]
    assert (wbc.loinc, wbc.value, wbc.unit) == ("26464-8", Decimal("105600"), "{cells}/uL")
    canonical = to_canonical(analyte_by_code("WBC"), wbc.value, wbc.unit)
    assert canonical == Decimal("105.6")
    check_plausible(analyte_by_code("WBC"), canonical)


def test_nist_times_identifiers_and_specimen():
    wbc = parse_oru(NIST).records[1]
    pst = timezone(timedelta(hours=-8))
    assert wbc.collected_at == datetime(2011, 1, 3, 14, 34, 28, tzinfo=pst)
    assert wbc.resulted_at == datetime(2011, 1, 4, 17, 0, 28, tzinfo=pst)
    assert (wbc.external_id, wbc.external_id_system) == ("R-991133/26464-8", "NIST Lab Filler")
    assert wbc.specimen == "Blood"  # from SPM-4, which follows the OBX


def test_nist_codes_outside_the_catalogue_are_skipped_not_failed():
    skipped = {s.code: s for s in parse_oru(NIST).skipped}
    platelets = skipped["26515-7"]
    assert (
        platelets.reason
        == "26515-7 (Platelets [#/volume] in Blood) is outside the registry catalogue"
    )
    assert not platelets.is_error


@pytest.mark.parametrize(("code", "value_type"), [("38892-6", "CWE"), ("6742-1", "TX")])
def test_nist_coded_and_text_results_carry_no_number(code, value_type):
    skipped = {s.code: s for s in parse_oru(NIST).skipped}
    assert skipped[code].reason == f"OBX-2 value type '{value_type}' carries no number"


def test_nist_skip_counts_by_reason():
    reasons = [s.reason for s in parse_oru(NIST).skipped]
    assert sum("outside the registry catalogue" in r for r in reasons) == 17
    assert sum("'CWE' carries no number" in r for r in reasons) == 6
    assert sum("'TX' carries no number" in r for r in reasons) == 3


# --- separators and framing ----------------------------------------------------------------


@pytest.mark.parametrize("separator", ["\r", "\n", "\r\n"])
def test_cr_lf_and_crlf_segment_separators_parse_alike(separator):
    text = NIST.replace("\r\n", "\n").replace("\n", separator)
    result = parse_oru(text)
    assert result == parse_oru(NIST)
    assert len(result.records) == 2


def test_mllp_framing_and_bytes_are_accepted():
    framed = b"\x0b" + message(obx()).encode() + b"\x1c\r"
    assert parse_oru(framed).records[0].value == Decimal("12.5")


# --- values --------------------------------------------------------------------------------


def test_a_numeric_result():
    record = parse_one(obx())
    assert record.ok, error_text(record)
    assert (record.analyte, record.value, record.comparator, record.unit) == (
        "CRP",
        Decimal("12.5"),
        None,
        "mg/L",
    )
    assert record.patient.site == "GVA" and record.patient.mrn == "M-77"
    assert record.collected_at == datetime(2024, 3, 1, 7, 15, tzinfo=UTC)
    assert record.resulted_at == datetime(2024, 3, 1, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "comparator", "number"),
    [
        ("<^0.5", "<", "0.5"),
        ("<=^2.8", "<=", "2.8"),
        (">^20", ">", "20"),
        (">=^10", ">=", "10"),
        ("^12.5", None, "12.5"),
        ("=^3", None, "3"),
    ],
)
def test_structured_numeric_values(value, comparator, number):
    record = parse_one(obx(value_type="SN", value=value))
    assert record.ok, error_text(record)
    assert (record.comparator, record.value, record.reported_value) == (
        comparator,
        Decimal(number),
        value,
    )


@pytest.mark.parametrize("value", ["^1^:^128", "^1^-^5", "<>^3", "<^abc"])
def test_structured_ranges_ratios_and_junk_are_record_errors(value):
    record = parse_one(obx(value_type="SN", value=value))
    assert not record.ok
    assert record.errors[0].location == "OBX-5"


def test_a_censored_nm_value_is_tolerated():
    record = parse_one(obx(value="<0.5"))
    assert (record.comparator, record.value) == ("<", Decimal("0.5"))


def test_a_numeric_st_value_is_tolerated_with_its_unit():
    record = parse_one(obx(value_type="ST", value="<0.5 mg/L", unit=""))
    assert (record.comparator, record.value, record.unit) == ("<", Decimal("0.5"), "mg/L")
    assert "unit read from the OBX-5 text" in record.notes


def test_a_non_numeric_nm_value_is_a_record_error():
    record = parse_one(obx(value="pending"))
    assert "Cannot read a number from 'pending'" in error_text(record)


def test_the_unit_text_is_used_when_the_code_is_empty():
    assert parse_one(obx(unit="^mg/dl")).unit == "mg/dl"


def test_escaped_delimiters_are_unescaped():
    assert parse_one(obx(code="1988-5^CRP \\T\\ co^LN")).loinc == "1988-5"


# --- statuses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "status"),
    [
        ("F", "final"),
        ("P", "preliminary"),
        ("C", "corrected"),
        ("A", "amended"),
        ("D", "entered-in-error"),
        ("W", "entered-in-error"),
        ("X", "cancelled"),
    ],
)
def test_obx11_result_status_maps_to_the_api_vocabulary(sent, status):
    assert parse_one(obx(status=sent)).status == status


@pytest.mark.parametrize("sent", ["D", "W", "X"])
def test_retractions_and_cancellations_need_no_value(sent):
    record = parse_one(obx(status=sent, value=""))
    assert record.ok and record.value is None


def test_a_final_result_needs_a_value():
    assert "a numeric result is required" in error_text(parse_one(obx(value="")))


@pytest.mark.parametrize("sent", ["R", "I", ""])
def test_other_statuses_are_record_errors(sent):
    assert "OBX-11" in error_text(parse_one(obx(status=sent)))


# --- codes ---------------------------------------------------------------------------------


def test_a_loinc_in_the_alternate_triplet_is_found():
    record = parse_one(obx(code="CRP01^C-reactive protein^99LAB^1988-5^CRP^LN"))
    assert (record.analyte, record.loinc, record.local_code) == ("CRP", "1988-5", None)


def test_a_local_code_is_skipped_without_a_mapping():
    result = parse_oru(message(obx(code="CRP01^C-reactive protein^99LAB")))
    assert result.records == ()
    assert (
        result.skipped[0].reason == "CRP01 (C-reactive protein) is outside the registry catalogue"
    )


def test_a_local_code_is_mapped_by_the_service_resolver():
    def resolve(system, code):
        return {("99LAB", "CRP01"): "CRP"}.get((system, code))

    record = parse_one(obx(code="CRP01^C-reactive protein^99LAB"), resolve_local_code=resolve)
    assert (record.analyte, record.loinc, record.local_code) == ("CRP", None, "CRP01")
    assert record.external_id == "FL-9/CRP01"


def test_a_refused_loinc_is_a_record_error_not_a_skip():
    record = parse_one(obx(code="48664-7^Fibrinogen PT-derived^LN", unit="mg/dL"))
    assert "not Clauss fibrinogen" in error_text(record)


# --- identifiers and times -----------------------------------------------------------------


def test_obx21_is_the_result_identifier_when_present():
    record = parse_one(obx(extra="|||||||R-55^LIS"))
    assert (record.external_id, record.external_id_system) == ("R-55", "LIS")


def test_the_derived_identifier_includes_the_sub_id():
    line = obx().split("|")
    line[4] = "2"
    assert parse_one("|".join(line)).external_id == "FL-9/1988-5/2"


def test_obr7_is_the_collection_time_fallback():
    record = parse_one(obx(observed=""))
    assert record.collected_at == datetime(2024, 3, 1, 7, 15, tzinfo=UTC)
    assert "collection time taken from OBR-7" in record.notes


def test_a_timestamp_without_offset_is_an_error_unless_a_default_zone_is_given():
    record = parse_one(obx(observed="20240301081500"))
    assert "'20240301081500' has no UTC offset" in error_text(record)
    cet = timezone(timedelta(hours=1))
    record = parse_one(obx(observed="20240301081500"), default_tz=cet)
    assert record.collected_at == datetime(2024, 3, 1, 8, 15, tzinfo=cet)


@pytest.mark.parametrize("observed", ["20240301", "2024030108", "yesterday", "20241301081500+0100"])
def test_collection_needs_a_valid_time_of_day(observed):
    assert "OBX-14" in error_text(parse_one(obx(observed=observed)))


def test_negative_half_hour_offsets_keep_their_sign():
    record = parse_one(obx(observed="20240301081500-0330"))
    assert record.collected_at.utcoffset() == -timedelta(hours=3, minutes=30)


def test_an_obx_without_pid_is_a_record_error():
    text = "\r".join([MSH, OBR, obx()])
    (record,) = parse_oru(text).records
    assert "no PID segment precedes this OBX" in error_text(record)


def test_pid3_prefers_the_mr_identifier():
    pid = "PID|1||999^^^SSN^SS~M-88^^^LYON^MR"
    patient = parse_one(obx(), pid=pid).patient
    assert (patient.site, patient.mrn) == ("LYON", "M-88")


# --- message-level refusals ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "does not start with an MSH segment"),
        ("PID|1||X", "does not start with an MSH segment"),
        (MSH.replace("ORU^R01^ORU_R01", "ADT^A01"), "Message type 'ADT^A01' is not accepted"),
        (MSH.replace("CTRL-1", ""), "MSH-10 message control id is required"),
    ],
)
def test_unusable_messages_raise(text, message):
    with pytest.raises(Hl7ParseError, match=re.escape(message)):
        parse_oru(text)


# --- ACK -----------------------------------------------------------------------------------


def segments(ack):
    return {str(segment[0]): segment for segment in hl7.parse(ack)}


def test_an_accepting_ack_echoes_the_control_id():
    ack = build_ack(NIST, "AA")
    assert ack.endswith("\r") and "\n" not in ack
    parsed = hl7.parse(ack)
    assert str(parsed.segment("MSA")) == "MSA|AA|NIST-LRI-NG-002.00"
    assert parsed.extract_field("MSH", 1, 9, 1, 1) == "ACK"


def test_an_error_ack_carries_escaped_text_and_err_segments():
    result = parse_oru(NIST)
    ack = build_ack(
        NIST, "AE", "HGB | unit g/mL not accepted", [AckIssue("bad^unit", location="OBX^2^6")]
    )
    msa = hl7.parse(ack).segment("MSA")
    assert str(msa) == "MSA|AE|NIST-LRI-NG-002.00|HGB \\F\\ unit g/mL not accepted"
    assert "ERR||OBX^2^6|207^Application internal error^HL70357|E||||bad\\S\\unit" in ack
    info = build_ack(NIST, "AA", "2 results", skipped_ack_issues(result))
    assert info.count("\rERR|") == 26
    assert "ERR||OBX^5|0^Message accepted^HL70357|I||||not taken: 26515-7" in info


def test_an_unparseable_message_is_still_answered_with_ar():
    ack = build_ack(b"garbage", "AR", "not an HL7 v2 message")
    assert str(hl7.parse(ack).segment("MSA")) == "MSA|AR||not an HL7 v2 message"


def test_an_ack_code_outside_aa_ae_ar_is_refused():
    with pytest.raises(ValueError, match="ACK code 'CA'"):
        build_ack(NIST, "CA")
