"""Six-minute walk test (6MWT) with the Enright–Sherrill reference equations.

Sources: ATS Committee on Proficiency Standards for Clinical Pulmonary Function
Laboratories. ATS statement: guidelines for the six-minute walk test. Am J Respir Crit
Care Med 2002;166:111-117 (test conduct, 30-m course, recording of stops, aids, oxygen);
Enright PL, Sherrill DL. Reference equations for the six-minute walk in healthy adults.
Am J Respir Crit Care Med 1998;158:1384-1387 (predicted distance and lower limit of normal).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .base import (
    Field,
    Instrument,
    ScoreResult,
    ScoringError,
    age_field,
    height_field,
    register,
    sex_field,
    weight_field,
)
from .exact import Cutoff, exact_arithmetic, ratio, rounded, to_decimal

CODE = "six_minute_walk"
VERSION = "6mwt-ats2002-enright1998.1"
CITATION = (
    "ATS statement: guidelines for the six-minute walk test. Am J Respir Crit Care Med "
    "2002;166:111-117; Enright PL, Sherrill DL. Am J Respir Crit Care Med 1998;158:1384-1387."
)

# Enright & Sherrill 1998: (height_cm, weight_kg, age coefficients, constant, LLN offset).
REFERENCE: dict[str, dict[str, Decimal]] = {
    "male": {"height": Decimal("7.57"), "weight": Decimal("-1.76"), "age": Decimal("-5.02"),
             "constant": Decimal(-309), "lln_offset": Decimal(153)},
    "female": {"height": Decimal("2.11"), "weight": Decimal("-2.29"), "age": Decimal("-5.78"),
               "constant": Decimal(667), "lln_offset": Decimal(139)},
}
ENRIGHT = "Enright & Sherrill 1998 (AJRCCM 158:1384)"
# Enright & Sherrill 1998 studied adults aged 40-80; outside that the reference extrapolates.
REFERENCE_AGES = (Cutoff(">=", 40, ENRIGHT), Cutoff("<=", 80, ENRIGHT))
# ATS 2002 records the 6MWD to the nearest metre; that distance is compared with the exact
# LLN. Predicted distance and LLN are reported to the centimetre, % predicted to 0.1 %.
SCORE_PLACES = 0
REFERENCE_PLACES = 2
PERCENT_PLACES = 1
WALKING_AIDS = ("none", "cane", "crutches", "walker", "rollator", "other")

FIELDS = (
    Field("distance_m", "number", unit="m", min=0, max=1500,
          help_text="Total distance walked; or give laps and final_partial_m instead."),
    Field("course_m", "number", unit="m", min=10, max=100, default=30,
          help_text="Length of the straight course (ATS: 30 m)."),
    Field("laps", "integer", min=0, max=50,
          help_text="Completed out-and-back laps (one lap = 2 × course)."),
    Field("final_partial_m", "number", unit="m", min=0, max=200,
          help_text="Metres walked in the last, incomplete lap."),
    Field("stopped_early", "boolean", help_text="Did the patient stop before 6 minutes?"),
    Field("stop_time_s", "number", unit="s", min=0, max=360,
          help_text="Time at which the patient stopped, if early."),
    Field("stop_reason", "text", max=500, help_text="Reason for stopping early."),
    Field("walking_aid", "choice", choices=WALKING_AIDS, help_text="Walking aid used."),
    Field("oxygen_l_min", "number", unit="L/min", min=0, max=15,
          help_text="Supplemental oxygen flow during the test."),
    sex_field(),
    age_field(),
    height_field(),
    weight_field(),
)


def walked_metres(values: dict[str, Any]) -> Decimal:
    """6MWD = laps × 2 × course + final partial lap, or the distance entered."""
    _check_distance_inputs(values)
    if "distance_m" in values:
        return to_decimal(values["distance_m"])
    course = to_decimal(values["course_m"])
    with exact_arithmetic():
        return values["laps"] * 2 * course + to_decimal(values["final_partial_m"])


def _check_distance_inputs(values: dict[str, Any]) -> None:
    has_distance, has_laps = "distance_m" in values, "laps" in values
    if has_distance and (has_laps or "final_partial_m" in values):
        raise ScoringError.for_field(
            "distance_m", "give either distance_m or laps with final_partial_m, not both.")
    if not has_distance and not has_laps:
        raise ScoringError.for_field(
            "distance_m", "distance_m is required, or laps with final_partial_m.")
    if has_laps and "final_partial_m" not in values:
        raise ScoringError.for_field(
            "final_partial_m", "final_partial_m is required with laps (0 if none).")
    if has_laps and to_decimal(values["final_partial_m"]) >= 2 * to_decimal(values["course_m"]):
        raise ScoringError.for_field(
            "final_partial_m", "final_partial_m must be less than one lap (2 × course_m).")


def predicted_metres(values: dict[str, Any]) -> Decimal | None:
    """Enright & Sherrill 1998 predicted 6MWD, or None when context is incomplete."""
    if any(values.get(k) is None for k in ("sex", "age_years", "height_cm", "weight_kg")):
        return None
    ref = REFERENCE[values["sex"]]
    with exact_arithmetic():
        return (
            ref["height"] * to_decimal(values["height_cm"])
            + ref["weight"] * to_decimal(values["weight_kg"])
            + ref["age"] * to_decimal(values["age_years"])
            + ref["constant"]
        )


def _reference_values(distance: int, predicted: Decimal | None, sex: str | None) -> dict:
    if predicted is None:
        return {"predicted_m": None, "lln_m": None, "percent_predicted": None,
                "below_lln": None}
    with exact_arithmetic():
        lln = predicted - REFERENCE[sex]["lln_offset"]
    return {
        "predicted_m": rounded(predicted, REFERENCE_PLACES),
        "lln_m": rounded(lln, REFERENCE_PLACES),
        "percent_predicted": rounded(ratio(distance, predicted) * 100, PERCENT_PLACES),
        "below_lln": Cutoff("<", lln, ENRIGHT).met_by(distance),
    }


def _flags(values: dict[str, Any]) -> tuple[str, ...]:
    flags = []
    if values.get("stopped_early"):
        flags.append("stopped_early")
    if values.get("walking_aid") not in (None, "none"):
        flags.append("walking_aid")
    if values.get("oxygen_l_min"):
        flags.append("supplemental_oxygen")
    age = values.get("age_years")
    if age is not None and not all(c.met_by(to_decimal(age)) for c in REFERENCE_AGES):
        flags.append("outside_reference_age")
    return tuple(flags)


def score(values: dict[str, Any]) -> ScoreResult:
    distance = rounded(walked_metres(values), SCORE_PLACES)
    predicted = predicted_metres(values)
    flags = _flags(values)
    if predicted is not None and predicted <= 0:
        # Far outside the reference sample the equation goes negative: report nothing.
        predicted, flags = None, (*flags, "reference_not_applicable")
    return ScoreResult(
        instrument=CODE,
        version=VERSION,
        score=distance,
        max_score=None,
        category=None,  # no frailty category is published for the 6MWD
        label=None,
        components={"distance_m": distance},
        flags=flags,
        derived=_reference_values(distance, predicted, values.get("sex")),
    )


INSTRUMENT = register(
    Instrument(
        code=CODE,
        name="Six-minute walk test",
        version=VERSION,
        citation=CITATION,
        fields=FIELDS,
        scorer=score,
        max_score=None,
    )
)
