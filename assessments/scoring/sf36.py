"""SF-36 physical and mental component summaries, as entered.

Norm-based summary scores (mean 50, SD 10 in the reference population) are computed by
the licensed scorer (Ware JE, Kosinski M. SF-36 Physical and Mental Health Summary
Scales: A Manual for Users of Version 1. QualityMetric, 2001) and entered here, not
computed (docs/instruments.md §12). `score` is the PCS, the efficacy endpoint of the MSC
frailty trials; the MCS is kept in `components`.
"""

from __future__ import annotations

from typing import Any

from .base import Field, Instrument, ScoreResult, register

CODE = "sf36"
VERSION = "sf36-norm-based-1"
CITATION = "Ware JE, Kosinski M. SF-36 Physical and Mental Health Summary Scales. 2001."

FIELDS = (
    Field("pcs", "number", min=0, max=100, required=True,
          help_text="Physical component summary (norm-based), from the licensed scorer."),
    Field("mcs", "number", min=0, max=100, required=True,
          help_text="Mental component summary (norm-based), from the licensed scorer."),
)


def score(values: dict[str, Any]) -> ScoreResult:
    return ScoreResult(
        instrument=CODE,
        version=VERSION,
        score=values["pcs"],
        max_score=100,
        category=None,
        label=None,
        components={"pcs": values["pcs"], "mcs": values["mcs"]},
    )


INSTRUMENT = register(
    Instrument(
        code=CODE, name="SF-36 component summaries", version=VERSION, citation=CITATION,
        fields=FIELDS, scorer=score, max_score=100,
    )
)
