"""Frailty instrument scoring: pure Python, no Django.

Importing this package registers every instrument of docs/instruments.md:

    from assessments.scoring import get, all_instruments
    result = get("fried").score({"sex": "female", ...})
    result.as_dict()
"""

from __future__ import annotations

from typing import Any

from . import (  # noqa: F401  (imported for their registration side effect)
    cfs,
    frail,
    frailty_index,
    fried,
    gait_speed,
    gfi,
    grip_strength,
    sf36,
    share_fi,
    six_minute_walk,
    sof,
    spirometry,
    sppb,
    tfi,
)
from .base import (
    Field,
    Instrument,
    ScoreResult,
    ScoringError,
    UnknownInstrument,
    all_instruments,
    get,
    register,
)


def score(code: str, inputs: Any) -> ScoreResult:
    """Validate and score raw inputs for the instrument `code`."""
    return get(code).score(inputs)


__all__ = [
    "Field",
    "Instrument",
    "ScoreResult",
    "ScoringError",
    "UnknownInstrument",
    "all_instruments",
    "get",
    "register",
    "score",
]
