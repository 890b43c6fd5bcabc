"""core.jsonlimits: nesting depth measured without recursion, exactly for valid JSON."""

import json
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.jsonlimits import JsonTooDeepError, loads, nesting_depth


def _depth(value) -> int:
    """The reference: a recursive walk of the decoded value (fine for small values)."""
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:\n\u00e9'),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(alphabet='[]{}"\\k'), children, max_size=4)
    ),
    max_leaves=30,
)


@given(JSON_VALUES)
def test_the_depth_of_valid_json_is_exact_whatever_the_strings_hold(value):
    for text in (json.dumps(value), json.dumps(value, indent=1, ensure_ascii=False)):
        assert nesting_depth(text) == _depth(value)


def test_a_hundred_thousand_nested_arrays_are_refused_without_recursion():
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(JsonTooDeepError, match="nested more than 64 levels"):
        loads(deep)
    assert nesting_depth(deep) == 100_000 > sys.getrecursionlimit()


def test_unclosed_brackets_are_refused_too():
    with pytest.raises(JsonTooDeepError):
        loads(b"[" * 10_000)


def test_json_within_the_cap_is_decoded_with_the_options_given():
    assert loads(b'{"a": [1.50]}', max_depth=2, parse_float=str) == {"a": ["1.50"]}
    assert _depth(loads("[" * 64 + "]" * 64)) == 64  # the cap itself is accepted
    with pytest.raises(JsonTooDeepError):
        loads('{"a": [1]}', max_depth=1)


def test_malformed_json_is_still_a_value_error():
    with pytest.raises(json.JSONDecodeError):
        loads('{"a": "unterminated}')
    with pytest.raises(UnicodeDecodeError):
        loads(b'"\xff"')
