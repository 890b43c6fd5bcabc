"""Unit normalisation and conversion, censored values, plausibility and flags."""

from decimal import Decimal

import pytest

from biomarkers.catalogue import all_analytes, analyte_by_code
from biomarkers.units import (
    PlausibilityError,
    UnitError,
    ValueParseError,
    check_plausible,
    flags_for,
    is_molar,
    normalise_unit,
    parse_reported_value,
    split_value_and_unit,
    to_canonical,
)

D = Decimal

EVERY_UNIT = [
    pytest.param(analyte, unit, id=f"{analyte.code}-{unit.symbol}")
    for analyte in all_analytes()
    for unit in analyte.units
]
EVERY_VARIANT = [
    pytest.param(analyte, unit, variant, id=f"{analyte.code}-{variant}")
    for analyte in all_analytes()
    for unit in analyte.units
    for variant in unit.variants
]


# --- conversion factors ------------------------------------------------------------------


@pytest.mark.parametrize(("analyte", "unit"), EVERY_UNIT)
def test_every_accepted_unit_converts_with_its_catalogue_factor(analyte, unit):
    assert to_canonical(analyte, D("2.5"), unit.symbol) == D("2.5") * unit.factor


@pytest.mark.parametrize(("analyte", "unit", "variant"), EVERY_VARIANT)
def test_every_spelling_variant_converts_like_its_symbol(analyte, unit, variant):
    assert normalise_unit(variant) == unit.symbol
    assert to_canonical(analyte, D("2.5"), variant) == D("2.5") * unit.factor


# Worked by hand from the factors of biomarkers.md §1 (not from the catalogue).
HAND_CONVERSIONS = [
    ("IL6", "ng/mL", "0.0035", "3.5"),
    ("IL6", "ng/L", "1.8", "1.8"),
    ("TNFA", "ng/mL", "0.00143", "1.43"),
    ("CRP", "mg/dL", "1.2", "12"),
    ("CRP", "g/L", "0.01", "10"),
    ("CRP", "ug/mL", "3", "3"),
    ("HSCRP", "mg/dL", "0.25", "2.5"),
    ("FIB", "g/L", "3.5", "350"),
    ("FIB", "mg/L", "3500", "350"),
    ("DDIMER_FEU", "mg/L", "0.5", "500"),
    ("DDIMER_FEU", "ug/mL", "0.72", "720"),
    ("DDIMER_FEU", "ug/L", "480", "480"),
    ("DDIMER_DDU", "mg/L", "0.25", "250"),
    ("IL1B", "ng/mL", "0.002", "2"),
    ("IL10", "ng/L", "4", "4"),
    ("TGFB1", "ng/mL", "25", "25000"),
    ("HGB", "g/L", "125", "12.5"),
    ("WBC", "{cells}/uL", "105600", "105.6"),
    ("WBC", "/uL", "7300", "7.3"),
    ("WBC", "10*9/L", "7.3", "7.3"),
    ("VITD25", "nmol/L", "75", "30.045"),
    ("F8", "[IU]/mL", "0.85", "85"),
    ("F8", "[IU]/dL", "85", "85"),
]


@pytest.mark.parametrize(("code", "unit", "value", "expected"), HAND_CONVERSIONS)
def test_conversions_match_hand_worked_values(code, unit, value, expected):
    assert to_canonical(analyte_by_code(code), D(value), unit) == D(expected)


def test_hand_worked_values_cover_every_analyte():
    assert {row[0] for row in HAND_CONVERSIONS} == {a.code for a in all_analytes()}


def test_conversion_is_exact_decimal_arithmetic():
    assert to_canonical(analyte_by_code("CRP"), D("0.1"), "mg/dL") == D("1.0")
    assert to_canonical(analyte_by_code("IL6"), 3, "pg/mL") == D(3)


def test_floats_are_refused_to_keep_binary_rounding_out():
    with pytest.raises(TypeError, match="Decimal"):
        to_canonical(analyte_by_code("CRP"), 0.1, "mg/L")  # type: ignore[arg-type]


def test_non_finite_values_are_refused():
    with pytest.raises(ValueParseError, match="finite"):
        to_canonical(analyte_by_code("CRP"), D("NaN"), "mg/L")


# --- spelling ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("µg/mL", "ug/mL"),  # micro sign U+00B5
        ("μg/mL", "ug/mL"),  # Greek mu U+03BC
        ("mcg/mL", "ug/mL"),
        ("MCG/ML", "ug/mL"),
        ("mg/dl", "mg/dL"),
        ("MG/DL", "mg/dL"),
        ("  mg / dL ", "mg/dL"),
        ("ng/ml", "ng/mL"),
        ("mg/L FEU", "mg/L{FEU}"),
        ("ng/mL(DDU)", "ng/mL{DDU}"),
        ("ug/mL {feu}", "ug/mL{FEU}"),
        ("x10^9/L", "10*9/L"),
        ("K/uL", "10*3/uL"),
        ("cells/µL", "{cells}/uL"),
        ("IU/dL", "[IU]/dL"),
        ("nmol/l", "nmol/L"),
        ("furlongs/fortnight", "furlongs/fortnight"),
    ],
)
def test_it_normalises_lab_spellings_to_ucum(written, expected):
    assert normalise_unit(written) == expected


def test_spelling_variants_convert_the_same_value():
    crp = analyte_by_code("CRP")
    values = {to_canonical(crp, D(5), unit) for unit in ("ug/mL", "µg/mL", "mcg/mL", "UG/ML")}
    assert values == {D(5)}
    assert to_canonical(analyte_by_code("FIB"), D(350), "MG/DL") == D(350)


# --- D-dimer: FEU and DDU ----------------------------------------------------------------


def test_feu_annotation_matching_the_loinc_is_accepted():
    feu = analyte_by_code("DDIMER_FEU")
    assert to_canonical(feu, D("0.5"), "mg/L FEU") == D(500)
    assert to_canonical(feu, D(500), "ng/mL{FEU}") == D(500)  # the canonical unit itself


@pytest.mark.parametrize(
    ("code", "unit"),
    [("DDIMER_FEU", "ng/mL DDU"), ("DDIMER_FEU", "mg/L{DDU}"), ("DDIMER_DDU", "mg/L FEU")],
)
def test_feu_and_ddu_are_never_converted_into_each_other(code, unit):
    with pytest.raises(UnitError, match="never converted into each other"):
        to_canonical(analyte_by_code(code), D(500), unit)


def test_feu_and_ddu_share_units_but_no_cross_factor():
    feu, ddu = analyte_by_code("DDIMER_FEU"), analyte_by_code("DDIMER_DDU")
    assert feu.units == ddu.units  # same mass units, each "within" its own measurand
    assert all(unit.factor not in (D(2), D("0.5")) for unit in feu.units)
    assert to_canonical(feu, D(500), "ng/mL") == to_canonical(ddu, D(500), "ng/mL") == D(500)


def test_a_d_dimer_annotation_on_another_analyte_is_an_unknown_unit():
    with pytest.raises(UnitError, match="Accepted units: mg/L, mg/dL, ug/mL, g/L"):
        to_canonical(analyte_by_code("CRP"), D(5), "mg/L FEU")


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "unit"), [("CRP", "nmol/L"), ("HGB", "mmol/L"), ("IL6", "pmol/L")]
)
def test_molar_units_are_refused_with_a_clear_message(code, unit):
    analyte = analyte_by_code(code)
    with pytest.raises(UnitError) as caught:
        to_canonical(analyte, D(1), unit)
    message = str(caught.value)
    assert f"Molar unit '{unit}'" in message
    assert "no exact mass conversion factor" in message
    assert ", ".join(analyte.accepted_unit_symbols()) in message


def test_vitamin_d_nmol_is_the_documented_molar_exception():
    assert is_molar("nmol/L")
    assert to_canonical(analyte_by_code("VITD25"), D(50), "nmol/l") == D("20.0300")


def test_an_unknown_unit_lists_the_accepted_ones():
    with pytest.raises(UnitError) as caught:
        to_canonical(analyte_by_code("HGB"), D("12.5"), "g/mL")  # the NIST sample's unit
    assert str(caught.value) == (
        "Unit 'g/mL' is not accepted for HGB (Hemoglobin, blood). Accepted units: g/dL, g/L."
    )
    assert caught.value.accepted == ("g/dL", "g/L")


@pytest.mark.parametrize("unit", [None, "", "   "])
def test_a_missing_unit_is_refused_with_the_accepted_ones(unit):
    with pytest.raises(
        UnitError, match="No unit given for TNFA; accepted units: pg/mL, ng/L, ng/mL"
    ):
        to_canonical(analyte_by_code("TNFA"), D(2), unit)


def test_a_unit_of_another_analyte_is_not_borrowed():
    # g/L is accepted for CRP and FIB, but not for IL-6.
    with pytest.raises(UnitError, match="Accepted units: pg/mL, ng/L, ng/mL"):
        to_canonical(analyte_by_code("IL6"), D(2), "g/L")


# --- reported values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<0.5", ("<", D("0.5"))),
        ("<=2.8", ("<=", D("2.8"))),
        (">20", (">", D("20"))),
        (">=3", (">=", D("3"))),
        (" < 0.5 ", ("<", D("0.5"))),
        ("≤2.8", ("<=", D("2.8"))),
        ("≥10", (">=", D("10"))),
        ("12.50", (None, D("12.50"))),
        (".5", (None, D("0.5"))),
        ("1.5e3", (None, D("1500"))),
        ("-1", (None, D("-1"))),
    ],
)
def test_it_reads_comparator_and_number(text, expected):
    assert parse_reported_value(text) == expected


def test_it_keeps_the_number_as_sent():
    assert str(parse_reported_value("12.50")[1]) == "12.50"


@pytest.mark.parametrize("text", ["", "<", "abc", "0,5", "1.2.3", "<<1", "5 mg/L", "=5"])
def test_unreadable_values_are_refused(text):
    with pytest.raises(ValueParseError, match="Cannot read a number"):
        parse_reported_value(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<0.5 mg/L", ("<", D("0.5"), "mg/L")),
        ("0.5mg/L", (None, D("0.5"), "mg/L")),
        ("7.3 10*9/L", (None, D("7.3"), "10*9/L")),
        ("12.5", (None, D("12.5"), None)),
    ],
)
def test_it_splits_a_free_text_result_into_value_and_unit(text, expected):
    assert split_value_and_unit(text) == expected


# --- plausibility --------------------------------------------------------------------------


@pytest.mark.parametrize("analyte", all_analytes(), ids=lambda a: a.code)
def test_plausibility_bounds_are_inclusive(analyte):
    check_plausible(analyte, analyte.plausible_min)
    check_plausible(analyte, analyte.plausible_max)
    for outside in (analyte.plausible_min - D("0.01"), analyte.plausible_max + D("0.01")):
        with pytest.raises(PlausibilityError):
            check_plausible(analyte, outside)


@pytest.mark.parametrize(
    ("code", "value", "bounds"),
    [
        ("TNFA", "10000.1", "0–10000 pg/mL"),  # biomarkers.md: TNF-α above 10,000 pg/mL
        ("CRP", "1000.5", "0–1000 mg/L"),  # CRP above 1,000 mg/L
        ("FIB", "200000", "0–2000 mg/dL"),  # a fibrinogen of 2,000 g/L
    ],
)
def test_the_spec_examples_are_implausible_and_the_message_names_the_bounds(code, value, bounds):
    with pytest.raises(PlausibilityError, match=f"plausible range {bounds}; probably a unit error"):
        check_plausible(analyte_by_code(code), D(value))


def test_the_spec_bounds_themselves_are_plausible():
    check_plausible(analyte_by_code("TNFA"), D(10000))
    check_plausible(analyte_by_code("CRP"), D(1000))


def test_nist_hemoglobin_in_g_per_ml_is_caught_whichever_way_it_is_read():
    hgb = analyte_by_code("HGB")
    with pytest.raises(UnitError):
        to_canonical(hgb, D("12.5"), "g/mL")
    with pytest.raises(PlausibilityError):  # 12.5 g/mL taken literally = 1250 g/dL
        check_plausible(hgb, D("1250"))
    with pytest.raises(PlausibilityError):  # 12.5 g/dL mislabelled g/L = 1.25 g/dL
        check_plausible(hgb, to_canonical(hgb, D("12.5"), "g/L"))


def test_nist_leukocytes_in_cells_per_ul_are_plausible():
    wbc = analyte_by_code("WBC")
    check_plausible(wbc, to_canonical(wbc, D(105600), "{cells}/uL"))


def test_non_finite_values_are_implausible():
    with pytest.raises(PlausibilityError):
        check_plausible(analyte_by_code("CRP"), D("Infinity"))


# --- threshold flags -----------------------------------------------------------------------


def codes(code, value, **kwargs):
    return [flag.code for flag in flags_for(analyte_by_code(code), D(value), **kwargs)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", ["HSCRP_RISK_LOW"]),
        ("0.99", ["HSCRP_RISK_LOW"]),
        ("1", ["HSCRP_RISK_AVERAGE"]),
        ("3", ["HSCRP_RISK_AVERAGE"]),
        ("3.01", ["HSCRP_RISK_HIGH"]),
        ("9.99", ["HSCRP_RISK_HIGH"]),
        ("10", ["ACUTE_INFLAMMATION"]),  # excluded from risk bands (Mayo HSCRP)
        ("55", ["ACUTE_INFLAMMATION"]),
    ],
)
def test_hs_crp_cardiovascular_bands_at_their_boundaries(value, expected):
    assert codes("HSCRP", value) == expected


@pytest.mark.parametrize(("value", "expected"), [("9.99", []), ("10", ["ACUTE_INFLAMMATION"])])
def test_routine_crp_flags_acute_inflammation_from_10_mg_per_l(value, expected):
    assert codes("CRP", value) == expected


def test_routine_crp_has_no_cardiovascular_bands():
    assert codes("CRP", "2") == []


@pytest.mark.parametrize(
    ("value", "comparator", "expected"),
    [
        ("1", "<", ["HSCRP_RISK_LOW"]),
        ("0.3", "<=", ["HSCRP_RISK_LOW"]),
        ("1", "<=", []),  # could be exactly 1: average
        ("5", "<", []),  # could be low, average or high
        ("10", ">=", ["ACUTE_INFLAMMATION"]),
        ("10", ">", ["ACUTE_INFLAMMATION"]),
        ("9.99", ">", []),  # could be 9.995 (high band) or acute
        ("3", ">", []),
    ],
)
def test_censored_values_flag_only_bands_they_certainly_fall_in(value, comparator, expected):
    assert codes("HSCRP", value, comparator=comparator) == expected


def test_an_unknown_comparator_is_refused():
    with pytest.raises(ValueParseError, match="Unknown comparator"):
        codes("CRP", "5", comparator="~")


@pytest.mark.parametrize(
    ("value", "age", "expected"),
    [
        ("499", None, []),
        ("500", None, ["DDIMER_AT_OR_ABOVE_CUTOFF"]),
        ("499", 50, []),  # age-adjustment only above 50
        ("500", 50, ["DDIMER_AT_OR_ABOVE_CUTOFF"]),
        ("509", 51, []),
        ("510", 51, ["DDIMER_AT_OR_ABOVE_CUTOFF"]),
        ("799", 80, []),
        ("800", 80, ["DDIMER_AT_OR_ABOVE_CUTOFF"]),
        ("450", 30, []),
    ],
)
def test_d_dimer_feu_cutoff_is_age_adjusted_above_50(value, age, expected):
    assert codes("DDIMER_FEU", value, age_years=age) == expected


def test_the_age_adjusted_flag_names_its_cutoff():
    (flag,) = flags_for(analyte_by_code("DDIMER_FEU"), D(900), age_years=72)
    assert flag.label.endswith("age-adjusted cut-off 720")
    assert flag.source == "ACP best-practice advice (2015), ADJUST-PE"


@pytest.mark.parametrize(
    ("value", "age", "expected"),
    [
        ("249", None, []),
        ("250", None, ["DDIMER_AT_OR_ABOVE_CUTOFF"]),
        ("260", 80, ["DDIMER_AT_OR_ABOVE_CUTOFF"]),
    ],
)
def test_d_dimer_ddu_cutoff_is_250_and_not_age_adjusted(value, age, expected):
    assert codes("DDIMER_DDU", value, age_years=age) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("99.9", ["FIB_CRITICAL_LOW", "FIB_LOW"]),
        ("100", ["FIB_LOW"]),
        ("149.9", ["FIB_LOW"]),
        ("150", []),
        ("450", []),
        ("450.1", ["FIB_HIGH"]),
    ],
)
def test_fibrinogen_interval_and_alert(value, expected):
    assert codes("FIB", value) == expected


@pytest.mark.parametrize(
    ("code", "value", "expected"),
    [
        ("IL6", "13", []),
        ("IL6", "13.01", ["IL6_ABOVE_ASSAY_LIMITS"]),
        ("TNFA", "7.2", []),
        ("TNFA", "7.21", ["TNFA_ABOVE_ASSAY_LIMITS"]),
    ],
)
def test_cytokines_flag_only_above_every_cited_assay_limit(code, value, expected):
    assert codes(code, value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9.99", "VITD_SEVERE_DEFICIENCY"),
        ("10", "VITD_INSUFFICIENT"),
        ("19.99", "VITD_INSUFFICIENT"),
        ("20", "VITD_ADEQUATE"),
        ("50", "VITD_ADEQUATE"),
        ("50.01", "VITD_ABOVE_ADEQUATE"),
    ],
)
def test_vitamin_d_bands_at_their_boundaries(value, expected):
    assert codes("VITD25", value) == [expected]


@pytest.mark.parametrize("code", ["HGB", "WBC", "F8", "IL1B", "IL10", "TGFB1"])
def test_analytes_without_thresholds_raise_no_flags(code):
    assert codes(code, "5") == []


def test_flags_serialise_with_their_source():
    (flag,) = flags_for(analyte_by_code("CRP"), D(12))
    assert flag.as_dict()["source"] == "Mayo HSCRP"
