"""The catalogue holds biomarkers.md §1 exactly (codes checked by hand, not from data)."""

import json
from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest

from biomarkers.catalogue import (
    CORE_ANALYTE_CODES,
    RejectedLoincError,
    UnknownAnalyteError,
    all_analytes,
    analyte_by_code,
    analyte_by_loinc,
    catalogue_as_dict,
    core_analytes,
)

# Copied by hand from the table of biomarkers.md §1, so a data slip makes a test fail.
EXPECTED = {
    "IL6": (("26881-3",), "pg/mL"),
    "TNFA": (("3074-2",), "pg/mL"),
    "CRP": (("1988-5",), "mg/L"),
    "HSCRP": (("30522-7",), "mg/L"),
    "FIB": (("3255-7",), "mg/dL"),
    "DDIMER_FEU": (("48065-7",), "ng/mL{FEU}"),
    "DDIMER_DDU": (("48066-5",), "ng/mL{DDU}"),
    "IL1B": (("13629-1",), "pg/mL"),
    "IL10": (("26848-2",), "pg/mL"),
    "TGFB1": (("49853-5",), "pg/mL"),
    "HGB": (("718-7",), "g/dL"),
    "WBC": (("6690-2", "26464-8"), "10*3/uL"),
    "VITD25": (("62292-8", "1989-3"), "ng/mL"),
    "F8": (("3209-4",), "%"),
}


def test_it_catalogues_every_analyte_of_the_spec_in_order():
    assert [a.code for a in all_analytes()] == list(EXPECTED)


@pytest.mark.parametrize("code", EXPECTED)
def test_each_analyte_has_the_spec_loinc_codes_and_canonical_unit(code):
    analyte = analyte_by_code(code)
    assert (analyte.loinc_codes, analyte.canonical_unit) == EXPECTED[code]


def test_core_analytes_are_the_five_inflammatory_markers():
    assert CORE_ANALYTE_CODES == ("IL6", "TNFA", "CRP", "FIB", "DDIMER_FEU")
    assert [a.code for a in core_analytes()] == list(CORE_ANALYTE_CODES)
    assert {a.code for a in all_analytes() if a.is_core} == set(CORE_ANALYTE_CODES)


def test_it_does_not_repeat_the_wrong_codes_of_public_tables():
    # biomarkers.md: 48065-7 is not CRP and 30522-7 is not BNP.
    assert analyte_by_loinc("48065-7").code == "DDIMER_FEU"
    assert analyte_by_loinc("30522-7").code == "HSCRP"


def test_every_loinc_belongs_to_exactly_one_analyte():
    loincs = [loinc for a in all_analytes() for loinc in a.loinc_codes]
    assert len(loincs) == len(set(loincs))
    for analyte in all_analytes():
        for loinc in analyte.loinc_codes:
            assert analyte_by_loinc(loinc) is analyte


def test_crp_and_hs_crp_stay_separate_analytes():
    assert analyte_by_loinc("1988-5").code == "CRP"
    assert analyte_by_loinc("30522-7").code == "HSCRP"


def test_lookup_by_code_ignores_case_and_whitespace():
    assert analyte_by_code(" ddimer_feu ").code == "DDIMER_FEU"


def test_unknown_code_lists_the_known_ones():
    with pytest.raises(UnknownAnalyteError, match="Known codes: IL6, TNFA"):
        analyte_by_code("BNP")


def test_unknown_loinc_is_refused():
    with pytest.raises(UnknownAnalyteError, match="26453-1"):
        analyte_by_loinc("26453-1")


@pytest.mark.parametrize(
    ("loinc", "reason"),
    [("48664-7", "PT-derived"), ("3256-5", "antigen"), ("76485-2", "molar")],
)
def test_non_clauss_fibrinogen_and_molar_crp_are_refused_with_their_reason(loinc, reason):
    with pytest.raises(RejectedLoincError, match=reason):
        analyte_by_loinc(loinc)


@pytest.mark.parametrize("analyte", all_analytes(), ids=lambda a: a.code)
def test_the_first_unit_is_the_canonical_one_with_factor_one(analyte):
    first = analyte.units[0]
    assert first.factor == Decimal(1)
    assert analyte.canonical_unit.startswith(first.symbol)


@pytest.mark.parametrize("analyte", all_analytes(), ids=lambda a: a.code)
def test_bounds_are_ordered_and_thresholds_cite_a_source(analyte):
    assert Decimal(0) <= analyte.plausible_min < analyte.plausible_max
    assert analyte.plausibility_source
    assert all(t.source for t in analyte.thresholds)


def test_analytes_are_immutable():
    with pytest.raises(FrozenInstanceError):
        analyte_by_code("CRP").plausible_max = Decimal(1)  # type: ignore[misc]


def test_the_catalogue_serialises_to_plain_json_without_losing_decimals():
    data = json.loads(json.dumps(catalogue_as_dict()))
    vitd = next(a for a in data["analytes"] if a["code"] == "VITD25")
    assert vitd["units"][1] == {
        "symbol": "nmol/L",
        "factor": "0.4006",
        "variants": ["nmol/l", "NMOL/L"],
    }
    assert data["core_analyte_codes"] == list(CORE_ANALYTE_CODES)
    assert "48664-7" in data["rejected_loinc"]


def test_as_dict_keeps_threshold_sources():
    hscrp = analyte_by_code("HSCRP").as_dict()
    assert [t["flag"] for t in hscrp["thresholds"]] == [
        "HSCRP_RISK_LOW",
        "HSCRP_RISK_AVERAGE",
        "HSCRP_RISK_HIGH",
        "ACUTE_INFLAMMATION",
    ]
    assert hscrp["thresholds"][0]["source"] == "BJH LAB150"
