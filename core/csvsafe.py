"""The one CSV writer of the registry: no cell can start a spreadsheet formula.

Every export, report and download that writes CSV goes through `writer()` (a drop-in for
`csv.writer`), so a name, MRN or laboratory text such as `=HYPERLINK("http://…")` or
`@SUM(A1:A9)` opens in Excel or LibreOffice as text, never as a formula (OWASP "CSV
Injection": https://owasp.org/www-community/attacks/CSV_Injection).

The rule, cell by cell:

- Numbers the registry writes (int, float, Decimal) and dates are written as they are:
  `-1.5` (a change from baseline, days before baseline) stays a number.
- Text (any str: names, MRNs, identifiers and values as a laboratory sent them, messages)
  that starts with `=`, `+`, `-`, `@`, TAB, CR or LF — after any leading spaces, which some
  spreadsheets skip — gets a single quote in front (`'=HYPERLINK(…)`), the OWASP
  recommendation: the spreadsheet shows the text and the quote says it was neutralised.
- Except text that is entirely a plain number (`-1.5`, `+2`, `1e-3`): no spreadsheet can
  evaluate it as a formula, so a canonical value the registry formatted as text stays a
  number too.

Why not the `defusedcsv` package: it leaves cells starting with TAB or CR alone (both in
the OWASP list) and rewrites `|` inside values, which changes the data exported.
"""

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

# OWASP's list (= + - @ TAB CR) plus LF, which some spreadsheets treat like CR.
FORMULA_STARTS = frozenset("=+-@\t\r\n")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
# First characters worth a closer look; every other cell is written untouched at once
# (exports write millions of cells).
_SUSPECT = FORMULA_STARTS | {" "}


def cell(value: Any) -> Any:
    """One cell as written: text that would start a formula gets a leading quote."""
    if not isinstance(value, str) or not value:
        return value
    first = value.lstrip(" ")[:1]
    if first not in FORMULA_STARTS or _PLAIN_NUMBER.fullmatch(value.strip(" ")):
        return value
    return "'" + value


class SafeWriter:
    """`csv.writer` with every cell passed through `cell()`."""

    def __init__(self, out: TextIO, **fmtparams) -> None:
        self._writer = csv.writer(out, **fmtparams)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(_safe(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        self._writer.writerows(_safe(row) for row in rows)


def _safe(row: Iterable[Any]) -> list:
    return [cell(v) if isinstance(v, str) and v[:1] in _SUSPECT else v for v in row]


def writer(out: TextIO, **fmtparams) -> SafeWriter:
    """The registry's CSV writer; same arguments as `csv.writer`."""
    return SafeWriter(out, **fmtparams)
