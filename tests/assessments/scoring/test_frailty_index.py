"""Frailty index and its deficit definition (instruments.md §3; Searle 2008)."""

import pytest

from assessments.scoring import ScoringError, get
from assessments.scoring.fi_definition import (
    DEFINITION,
    DefinitionError,
    FIDefinition,
    bmi_deficit,
    grip_deficit,
    prefill_from_context,
    validate_definition,
)
from assessments.scoring.frailty_index import score_deficits

CONDITION_CODES = {
    "hypertension", "diabetes", "cancer", "chronic_lung_disease", "heart_attack",
    "congestive_heart_failure", "angina", "asthma", "arthritis", "stroke", "kidney_disease",
    "cognitive_impairment", "depression", "copd", "atrial_fibrillation", "osteoporosis",
    "peripheral_vascular_disease",
}
CODES = DEFINITION.codes()
BINARY_CODES = [i.code for i in DEFINITION.items if i.kind == "binary"]
ORDINAL_CODES = [i.code for i in DEFINITION.items if i.kind == "ordinal"]


def deficits(ones=0, half=False, present=None):
    """`present` items answered, `ones` binary items at 1, optionally one ordinal at 0.5."""
    present = len(CODES) if present is None else present
    values = dict.fromkeys(CODES[:present], 0)
    values.update(dict.fromkeys(CODES[present:]))
    chosen = [c for c in BINARY_CODES if values[c] is not None][:ones]
    assert len(chosen) == ones
    values.update(dict.fromkeys(chosen, 1))
    if half:
        values[next(c for c in ORDINAL_CODES if values[c] is not None)] = 0.5
    return values


def fi(**kwargs):
    return get("frailty_index").score({"deficits": deficits(**kwargs)})


def test_the_definition_has_fifty_versioned_items_across_systems():
    assert DEFINITION.version == "fi-registry-1" and len(CODES) == 50 >= 36
    systems = {item.system for item in DEFINITION.items}
    assert {"comorbidity", "adl", "iadl", "symptoms", "self_rated_health", "mobility", "mood",
            "anthropometry", "physical_performance"} <= systems


def test_every_registry_condition_has_a_comorbidity_item():
    linked = {item.condition_code for item in DEFINITION.items if item.condition_code}
    assert linked == CONDITION_CODES


def test_required_adl_and_iadl_items_are_present():
    for code in ("adl_bathing", "adl_dressing", "adl_eating", "adl_toileting",
                 "adl_transferring", "iadl_shopping", "iadl_housework", "iadl_managing_money",
                 "iadl_medications", "iadl_telephone", "self_rated_health", "bmi",
                 "grip_strength"):
        assert code in CODES


def test_self_rated_health_is_ordinal_in_three_equal_steps():
    item = DEFINITION.item("self_rated_health")
    assert (item.kind, item.allowed_values) == ("ordinal", (0, 0.5, 1))


def test_the_schema_lists_item_codes_and_allowed_values():
    items = get("frailty_index").schema()["definition"]["items"]
    assert [i["code"] for i in items] == list(CODES)
    assert all(i["allowed_values"] for i in items)


@pytest.mark.parametrize(
    ("ones", "half", "expected", "category"),
    [
        (3, True, 0.07, "robust"),
        (4, False, 0.08, "robust"),  # FI ≤ 0.08 is robust
        (4, True, 0.09, "prefrail"),
        (12, False, 0.24, "prefrail"),
        (12, True, 0.25, "frail"),  # FI ≥ 0.25 is frail
        (13, False, 0.26, "frail"),
        (0, False, 0.0, "robust"),
    ],
)
def test_song_2010_category_boundaries(ones, half, expected, category):
    result = fi(ones=ones, half=half)
    assert result.score == pytest.approx(expected, abs=1e-12)
    assert result.category == category
    assert result.max_score == 1 and result.version == "fi-registry-1"


@pytest.mark.parametrize(
    ("ones", "half", "flagged"), [(34, True, False), (35, False, False), (35, True, True)]
)
def test_an_index_above_0_7_is_flagged_not_rejected(ones, half, flagged):
    result = fi(ones=ones, half=half)
    assert ("fi_above_submaximal_limit" in result.flags) is flagged
    assert result.category == "frail"


def test_the_index_divides_by_items_present_only():
    result = fi(ones=10, present=40)
    assert result.score == 0.25
    assert len(result.missing) == 10 and result.derived["items_present"] == 40


def test_fewer_than_80_percent_of_items_present_is_indeterminate():
    assert fi(present=40).category == "robust"  # exactly 80 %
    result = fi(present=39)
    assert (result.category, result.score) == ("indeterminate", None)
    assert len(result.missing) == 11


def test_absent_and_null_items_are_both_missing():
    values = deficits()
    del values[CODES[0]]
    values[CODES[1]] = None
    result = get("frailty_index").score({"deficits": values})
    assert result.missing == (CODES[0], CODES[1])


def test_unknown_item_codes_are_a_validation_error():
    values = {**deficits(), "gout": 1}
    with pytest.raises(ScoringError) as excinfo:
        get("frailty_index").score({"deficits": values})
    assert "gout" in excinfo.value.errors["deficits"][0]


@pytest.mark.parametrize(
    ("code", "value"),
    [("hypertension", 0.5), ("hypertension", 2), ("hypertension", True),
     ("self_rated_health", 0.25), ("bmi", "1"), ("grip_strength", -1)],
)
def test_values_outside_the_items_allowed_values_are_rejected(code, value):
    with pytest.raises(ScoringError) as excinfo:
        get("frailty_index").score({"deficits": {**deficits(), code: value}})
    assert f"deficits.{code}" in excinfo.value.errors[f"deficits.{code}"][0]


def test_the_deficits_object_is_required():
    with pytest.raises(ScoringError) as excinfo:
        get("frailty_index").score({})
    assert excinfo.value.errors == {"deficits": ["deficits is required."]}


@pytest.mark.parametrize(
    ("bmi", "deficit"),
    [(18.49, 1), (18.5, 0), (22, 0), (24.99, 0), (25, 0.5), (29.99, 0.5), (30, 1), (40, 1)],
)
def test_bmi_deficit_cut_points(bmi, deficit):
    assert bmi_deficit(bmi) == deficit


@pytest.mark.parametrize(
    ("sex", "bmi", "grip", "deficit"),
    [("male", 24, 29, 1), ("male", 24, 29.1, 0), ("male", 30, 32, 1), ("male", 30, 32.1, 0),
     ("female", 23, 17, 1), ("female", 23, 17.1, 0), ("female", 27, 18, 1),
     ("female", 27, 18.1, 0), ("female", 27, "unable", 1)],
)
def test_grip_deficit_uses_the_fried_cutoffs(sex, bmi, grip, deficit):
    assert grip_deficit(sex, bmi, grip) == deficit


def test_prefill_marks_recorded_conditions_and_measured_items():
    values = prefill_from_context({"diabetes", "copd", "glaucoma"}, bmi=31, sex="male", grip_kg=25)
    assert values["diabetes"] == 1 and values["copd"] == 1 and values["hypertension"] == 0
    assert values["bmi"] == 1 and values["grip_strength"] == 1
    assert "glaucoma" not in values and "adl_bathing" not in values
    assert set(values) <= set(CODES)


def test_prefill_leaves_out_what_the_context_cannot_answer():
    values = prefill_from_context(set(), bmi=None, sex="female", grip_kg=20)
    assert "bmi" not in values and "grip_strength" not in values
    assert prefill_from_context(set(), grip_kg="unable")["grip_strength"] == 1


def test_a_prefilled_form_is_accepted_by_the_instrument():
    values = prefill_from_context({"stroke"}, bmi=22, sex="female", grip_kg=25)
    result = get("frailty_index").score({"deficits": values})
    assert result.category == "indeterminate"  # 19 of 50 answered: the rest is for the clinician


def test_a_definition_with_fewer_than_30_items_is_rejected():
    short = FIDefinition("fi-short", DEFINITION.items[:29])
    with pytest.raises(DefinitionError, match="at least 30"):
        validate_definition(short)


def test_a_definition_with_30_items_over_several_systems_is_accepted():
    items = DEFINITION.items[:20] + DEFINITION.items[-10:]
    assert validate_definition(FIDefinition("fi-30", items)).version == "fi-30"


def test_duplicate_codes_and_single_system_definitions_are_rejected():
    with pytest.raises(DefinitionError, match="duplicate"):
        validate_definition(FIDefinition("dup", DEFINITION.items + DEFINITION.items[:1]))
    comorbidities = tuple(i for i in DEFINITION.items if i.system == "comorbidity")
    with pytest.raises(DefinitionError, match="systems"):
        validate_definition(FIDefinition("one-system", comorbidities * 2))


def test_scoring_works_against_any_valid_definition():
    items = DEFINITION.items[:20] + DEFINITION.items[-10:]
    definition = FIDefinition("fi-30", items)
    values = {item.code: 0 for item in items}
    values[items[0].code] = 1
    result = score_deficits(values, definition)
    assert result.version == "fi-30" and result.score == pytest.approx(1 / 30)
