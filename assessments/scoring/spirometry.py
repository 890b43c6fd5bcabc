"""Spirometry: FEV1 and FVC as measured (litres).

No scoring rule (docs/instruments.md §12); stored like an instrument so it charts and exports
alike. Reported per Graham BL, Steenbruggen I, Miller MR, et al. Standardization of
spirometry 2019 update (ATS/ERS). Am J Respir Crit Care Med 2019;200:e70-e88.
FEV1 cannot exceed FVC, so such input is rejected rather than stored.
"""

from __future__ import annotations

from typing import Any

from .base import Field, Instrument, ScoreResult, ScoringError, register
from .exact import ratio, rounded, to_decimal

CODE = "spirometry"
VERSION = "spirometry-1"
CITATION = "Graham BL, et al. Standardization of spirometry 2019 update. AJRCCM 2019;200:e70."

# The FEV1/FVC ratio is reported to 3 decimals; no category is derived from it here.
RATIO_PLACES = 3

FIELDS = (
    Field("fev1_l", "number", unit="L", min=0, max=10, min_exclusive=True, required=True,
          help_text="Forced expiratory volume in 1 second."),
    Field("fvc_l", "number", unit="L", min=0, max=12, min_exclusive=True, required=True,
          help_text="Forced vital capacity."),
)


def score(values: dict[str, Any]) -> ScoreResult:
    fev1, fvc = to_decimal(values["fev1_l"]), to_decimal(values["fvc_l"])
    if fev1 > fvc:
        raise ScoringError.for_field("fev1_l", "fev1_l cannot be greater than fvc_l.")
    return ScoreResult(
        instrument=CODE,
        version=VERSION,
        score=values["fev1_l"],
        max_score=None,
        category=None,
        label=None,
        components={"fev1_l": values["fev1_l"], "fvc_l": values["fvc_l"]},
        derived={"fev1_fvc_ratio": rounded(ratio(fev1, fvc), RATIO_PLACES)},
    )


INSTRUMENT = register(
    Instrument(
        code=CODE, name="Spirometry", version=VERSION, citation=CITATION,
        fields=FIELDS, scorer=score, max_score=None,
    )
)
