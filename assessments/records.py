"""What an assessment stores, built from its instrument, inputs and context: plain Python.

The building blocks of every stored assessment, shared by `assessments.services` (a
visit entered on the page or posted to the API) and by the synthetic cohort generator,
which writes its rows in bulk but builds each one with these same functions:

- `visit_facts`: what the registry knows about the patient at a visit (sex, age on the
  visit date, height, weight), numbers made JSON-friendly.
- `assessment_context`: the facts the instrument asks for and the inputs do not give
  (a value entered by the clinician wins over the registry's).
- `assessment_result` / `assessment_stored_fields`: the scoring result of inputs plus
  context, and the Assessment columns it is stored in.

No Django and no database: `assessments.scoring.ScoringError` is raised as is, and the
caller decides how a refusal is shown.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from assessments.scoring import Instrument
from core.dates import age_on
from core.numbers import json_number

# Result keys stored in their own columns; every other key of an instrument's result
# (gait speed's m/s, 6MWT's predicted distance...) is kept together in `derived`.
RESULT_COLUMNS = ("score", "max_score", "category", "label", "components", "missing", "flags")


def visit_facts(
    *, sex: str, date_of_birth: dt.date, date: dt.date,
    height_cm: Decimal | None, weight_kg: Decimal | None,
) -> dict[str, Any]:
    """What the registry knows at a visit, under the input names instruments use."""
    weight = json_number(weight_kg)
    return {
        "sex": sex,
        "age_years": age_on(date_of_birth, date),
        "height_cm": json_number(height_cm),
        "weight_kg": weight,
        "weight_now_kg": weight,  # FRAIL and SOF call the current weight weight_now_kg
    }


def assessment_context(
    *, instrument: Instrument, inputs: Mapping[str, Any], facts: Mapping[str, Any]
) -> dict[str, Any]:
    """The known facts the instrument asks for and the inputs leave out (stored as is)."""
    wanted = instrument.input_names
    return {
        k: v for k, v in facts.items() if k in wanted and v is not None and k not in inputs
    }


def assessment_result(
    *, instrument: Instrument, inputs: Mapping[str, Any], context: Mapping[str, Any]
) -> dict[str, Any]:
    """The scoring result of the inputs with the context added; raises ScoringError."""
    return instrument.score({**inputs, **context}).as_dict()


def assessment_fields(result: Mapping[str, Any]) -> dict[str, Any]:
    """The Assessment columns of a scoring result."""
    return {
        "version": result["version"],
        **{k: result[k] for k in RESULT_COLUMNS},
        "category": result["category"] or "",
        "label": result["label"] or "",
        "derived": {
            k: v for k, v in result.items()
            if k not in (*RESULT_COLUMNS, "version", "instrument")
        },
    }


def assessment_stored_fields(
    *, instrument: Instrument, inputs: Mapping[str, Any], context: Mapping[str, Any]
) -> dict[str, Any]:
    """(instrument, inputs, context) → the Assessment columns; raises ScoringError."""
    return assessment_fields(
        assessment_result(instrument=instrument, inputs=inputs, context=context)
    )
