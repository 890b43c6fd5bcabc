"""JSON decoding with a cap on nesting depth, shared by every JSON reader of the project.

Python's json module decodes nested arrays and objects recursively: 100,000 nested
arrays (200 KB) raise RecursionError, which surfaces as a 500. The depth is therefore
measured first, by a scan that does not recurse (strings removed, then brackets
counted), and text nested deeper than the cap is refused before json.loads sees it.

Plain Python with no Django import: the FHIR parser (biomarkers.parsing) uses it too.
The cap in force is settings.JSON_MAX_DEPTH; callers pass it in.
"""

import json
import re
from typing import Any

DEFAULT_MAX_DEPTH = 64

# A JSON string with its escapes ("a\"b"), matched without backtracking per character.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


class JsonTooDeepError(ValueError):
    """The text nests arrays/objects deeper than the cap."""

    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth
        super().__init__(
            f"JSON nested more than {max_depth} levels deep (arrays or objects inside one "
            "another) is not accepted."
        )


def nesting_depth(text: str, *, stop_above: int | None = None) -> int:
    """Deepest nesting of arrays/objects in ``text``, counted iteratively.

    Valid JSON is measured exactly. Malformed text gets a figure that may be off, which
    is harmless: json.loads refuses it afterwards. ``stop_above`` ends the count as soon
    as that depth is passed.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    depth = deepest = 0
    for bracket in brackets:
        if bracket in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    break
        else:
            depth -= 1
    return deepest


def check_depth(text: str, max_depth: int = DEFAULT_MAX_DEPTH) -> None:
    if nesting_depth(text, stop_above=max_depth) > max_depth:
        raise JsonTooDeepError(max_depth)


def loads(text: str | bytes, *, max_depth: int = DEFAULT_MAX_DEPTH, **options: Any) -> Any:
    """json.loads after the depth check; raises ValueError (JsonTooDeepError, or
    json.JSONDecodeError) or UnicodeDecodeError for bytes that are not JSON text."""
    if isinstance(text, bytes | bytearray):
        # As json.loads does: UTF-8, -16 or -32, detected from the first bytes.
        text = bytes(text).decode(json.detect_encoding(text), "surrogatepass")
    check_depth(text, max_depth)
    return json.loads(text, **options)
