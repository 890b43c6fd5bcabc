"""Hand-grip strength, recorded as the maximum of the trials.

No scoring rule: the value is stored like an instrument so it charts and exports alike
(docs/instruments.md §12). Taking the maximum follows the Southampton protocol: Roberts HC,
Denison HJ, Martin HJ, et al. A review of the measurement of grip strength in clinical
and epidemiological studies. Age Ageing 2011;40:423-429.
"""

from __future__ import annotations

from typing import Any

from .base import Field, Instrument, ScoreResult, ScoringError, register

CODE = "grip_strength"
VERSION = "grip_strength-1"
CITATION = "Roberts HC, et al. Measurement of grip strength. Age Ageing 2011;40:423-429."

FIELDS = (
    Field("trials_kg", "list", unit="kg", min=0, max=100, required=True,
          help_text="Every valid trial, in kg."),
    Field("hand", "choice", choices=("left", "right", "both"),
          help_text="Hand(s) tested."),
    Field("dynamometer", "text", max=100, help_text="Dynamometer make and model."),
)


def score(values: dict[str, Any]) -> ScoreResult:
    trials = values["trials_kg"]
    if not trials:
        raise ScoringError.for_field("trials_kg", "trials_kg must list at least one trial.")
    best = max(trials)
    return ScoreResult(
        instrument=CODE,
        version=VERSION,
        score=best,
        max_score=None,
        category=None,
        label=None,
        components={"trials_kg": list(trials)},
        derived={"hand": values.get("hand"), "dynamometer": values.get("dynamometer")},
    )


INSTRUMENT = register(
    Instrument(
        code=CODE, name="Grip strength", version=VERSION, citation=CITATION,
        fields=FIELDS, scorer=score, max_score=None,
    )
)
