"""Property-based checks over every instrument, with inputs drawn from its own schema."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.scoring import ScoringError, all_instruments, get
from assessments.scoring.base import PERFORMANCE_STATUSES
from assessments.scoring.fi_definition import DEFINITION

SETTINGS = settings(max_examples=150, deadline=None)


def numbers(field):
    return st.floats(
        min_value=field.min, max_value=field.max, exclude_min=field.min_exclusive,
        allow_nan=False, allow_infinity=False,
    )


def value_strategy(field):
    if field.type == "number":
        return numbers(field)
    if field.type == "integer":
        return st.integers(int(field.min), int(field.max))
    if field.type == "boolean":
        return st.booleans()
    if field.type == "choice":
        return st.sampled_from(field.choices)
    if field.type == "performance":
        return st.one_of(numbers(field), st.sampled_from(PERFORMANCE_STATUSES))
    if field.type == "list" and field.choices:
        return st.lists(st.sampled_from(field.choices), unique=True)
    if field.type == "list":
        return st.lists(numbers(field), min_size=1, max_size=6)
    if field.type == "text":
        return st.text(max_size=20)
    raise AssertionError(f"no strategy for {field.type}")


def schema_inputs(code):
    """Any subset of the optional fields, every required one, values within their range."""
    fields = get(code).fields
    required = {f.name: value_strategy(f) for f in fields if f.required}
    optional = {f.name: value_strategy(f) for f in fields if not f.required}
    return st.fixed_dictionaries(required, optional=optional)


# Null about one time in seven, so most indexes have the 80 % of items they need.
fi_inputs = st.fixed_dictionaries(
    {i.code: st.sampled_from((None, *i.allowed_values * 3)) for i in DEFINITION.items}
).map(lambda deficits: {"deficits": deficits})


@st.composite
def cfs_inputs(draw):
    version = draw(st.sampled_from(("cfs_v2_2020", "cfs9_2007", "csha7_2005")))
    top = 7 if version == "csha7_2005" else 9
    return {"version": version, "level": draw(st.integers(1, top))}


@st.composite
def walk_inputs(draw):
    inputs = draw(schema_inputs("six_minute_walk"))
    for key in ("distance_m", "laps", "final_partial_m"):
        inputs.pop(key, None)
    if draw(st.booleans()):
        inputs["distance_m"] = draw(st.floats(0, 1500))
    else:
        course = inputs.get("course_m", 30)
        inputs["laps"] = draw(st.integers(0, 20))
        inputs["final_partial_m"] = draw(st.floats(0, 2 * course, exclude_max=True))
    return inputs


@st.composite
def spirometry_inputs(draw):
    fvc = draw(st.floats(0.5, 12))
    return {"fvc_l": fvc, "fev1_l": draw(st.floats(0.1, min(fvc, 10)))}


SPECIAL = {
    "frailty_index": fi_inputs,
    "cfs": cfs_inputs(),
    "six_minute_walk": walk_inputs(),
    "spirometry": spirometry_inputs(),
}


def inputs_for(code):
    return SPECIAL[code] if code in SPECIAL else schema_inputs(code)


CODES = [i.code for i in all_instruments()]

# Category order from least to most frail, for instruments whose category is monotone.
ORDER = {
    "fried": ["robust", "prefrail", "frail"],
    "frail": ["robust", "prefrail", "frail"],
    "sof": ["robust", "prefrail", "frail"],
    "tfi": ["robust", "frail"],
    "gfi": ["robust", "frail"],
    "frailty_index": ["robust", "prefrail", "frail"],
    "cfs": ["robust", "prefrail", "frail", "terminally_ill"],
    "sppb": ["impaired", "robust"],  # higher SPPB = better function
}


@st.composite
def instrument_and_inputs(draw):
    code = draw(st.sampled_from(CODES))
    return code, draw(inputs_for(code))


@SETTINGS
@given(instrument_and_inputs())
def test_valid_inputs_score_within_zero_and_the_maximum(case):
    code, inputs = case
    result = get(code).score(inputs)
    assert result.instrument == code and result.version
    if result.score is not None and result.max_score is not None:
        assert 0 <= result.score <= result.max_score
    json.dumps(result.as_dict())  # the API stores and returns this as JSON


@SETTINGS
@given(instrument_and_inputs())
def test_missing_items_and_null_scores_agree(case):
    code, inputs = case
    result = get(code).score(inputs)
    assert set(result.missing) <= set(result.components)
    if result.category == "indeterminate":
        assert result.score is None


def monotone_case(code):
    return st.lists(inputs_for(code), min_size=2, max_size=8).map(lambda xs: (code, xs))


@SETTINGS
@given(st.sampled_from(sorted(ORDER)).flatmap(monotone_case))
def test_categories_are_monotone_in_the_score(case):
    code, many = case
    results = [get(code).score(inputs) for inputs in many]
    scored = sorted((r.score, ORDER[code].index(r.category)) for r in results
                    if r.score is not None)
    ranks = [rank for _, rank in scored]
    assert ranks == sorted(ranks)


@SETTINGS
@given(st.sampled_from(CODES), st.text(min_size=1, max_size=12))
def test_unknown_fields_are_always_rejected_by_name(code, name):
    if name in {f.name for f in get(code).fields}:
        return
    try:
        get(code).score({name: 1})
    except ScoringError as exc:
        assert name in exc.errors
    else:
        raise AssertionError("an unknown field was accepted")


def out_of_range(field):
    return st.one_of(
        st.floats(max_value=field.min, exclude_max=not field.min_exclusive, allow_nan=False,
                  allow_infinity=False),
        st.floats(min_value=field.max, exclude_min=True, allow_nan=False),
    )


BOUNDED = [(i.code, f) for i in all_instruments() for f in i.fields
           if f.type in ("number", "integer", "performance") and f.min is not None]


@SETTINGS
@given(st.sampled_from(BOUNDED).flatmap(lambda cf: out_of_range(cf[1]).map(lambda v: (*cf, v))))
def test_out_of_range_numbers_are_rejected_naming_the_field(case):
    code, field, value = case
    try:
        get(code).score({field.name: value})
    except ScoringError as exc:
        assert field.name in exc.errors
        assert exc.errors[field.name][0].startswith(field.name)
    else:
        raise AssertionError(f"{field.name}={value!r} was accepted")
