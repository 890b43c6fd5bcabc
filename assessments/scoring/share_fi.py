"""SHARE Frailty Instrument (SHARE-FI).

Source: Romero-Ortuno R, Walsh CD, Lawlor BA, Kenny RA. A frailty instrument for primary
care: findings from the Survey of Health, Ageing and Retirement in Europe (SHARE). BMC
Geriatr 2010;10:57. The sex-specific discriminant-function coefficients and class
cut-offs below are those of that paper (its on-line calculators), as given in
docs/instruments.md §8. Each bracket is a z-score; grip loads negatively (stronger = less frail).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .base import FRAIL, PREFRAIL, ROBUST, Field, Instrument, ScoreResult, register, sex_field
from .exact import Bands, Cutoff, exact_arithmetic, rounded, to_decimal

CODE = "share_fi"
# .2 (issue 16): DF computed and classified in exact decimal arithmetic, reported to 10
# decimals; .1 used binary floats and put the profiles that land exactly on a bound on
# the wrong side of it.
VERSION = "share_fi-2010.2"
CITATION = (
    "Romero-Ortuno R, Walsh CD, Lawlor BA, Kenny RA. A frailty instrument for primary "
    "care: findings from SHARE. BMC Geriatr 2010;10:57."
)
SOURCE = "Romero-Ortuno 2010 (BMC Geriatr 10:57)"

# (slope, intercept, loading) per input: DF = Σ (slope·x + intercept)·loading, with the
# published figures as decimal strings so DF is exact.
Coefficients = tuple[Decimal, Decimal, Decimal]


def _published(slope: str, intercept: str, loading: str) -> Coefficients:
    return Decimal(slope), Decimal(intercept), Decimal(loading)


COEFFICIENTS: dict[str, dict[str, Coefficients]] = {
    "female": {
        "fatigue": _published("2.077707", "-0.757295", "0.4088"),
        "appetite_loss": _published("3.341539", "-0.332289", "0.3325"),
        "grip_kg": _published("0.132827", "-3.534515", "-0.4910"),
        "functional_difficulties": _published("2.627085", "-0.461808", "0.6012"),
        "activity": _published("0.918866", "-1.523633", "0.4818"),
    },
    "male": {
        "fatigue": _published("2.280336", "-0.592393", "0.3762"),
        "appetite_loss": _published("4.058274", "-0.263501", "0.3130"),
        "grip_kg": _published("0.092326", "-3.986646", "-0.4653"),
        "functional_difficulties": _published("3.098226", "-0.365971", "0.6146"),
        "activity": _published("1.005942", "-1.571803", "0.4680"),
    },
}
# Romero-Ortuno 2010: DF below the first cut-off non-frail, below the second pre-frail,
# otherwise frail. Each cut-off is the exact DF of a whole-number profile.
CATEGORIES: dict[str, Bands] = {
    "female": Bands(((Cutoff("<", "0.3151361243", SOURCE), ROBUST),
                     (Cutoff("<", "2.1301121973", SOURCE), PREFRAIL)), otherwise=FRAIL),
    "male": Bands(((Cutoff("<", "1.211878526", SOURCE), ROBUST),
                   (Cutoff("<", "3.0052612772", SOURCE), PREFRAIL)), otherwise=FRAIL),
}
# Slopes have 6 decimals and loadings 4, so whole-number profiles score DF with at most
# 10 decimals, the precision of the published cut-offs: DF is reported to 10 decimals
# (screens show 4, docs/instruments.md §8). The category is decided on the exact DF.
SCORE_PLACES = 10

LABELS = {ROBUST: "non-frail", PREFRAIL: "pre-frail", FRAIL: "frail"}

FIELDS = (
    sex_field(required=True),
    Field("fatigue", "boolean", required=True,
          help_text="In the last month, have you had too little energy to do things?"),
    Field("appetite_loss", "boolean", required=True,
          help_text="Diminished desire for food, or eating less than usual."),
    Field("grip_kg", "number", unit="kg", min=0, max=100, required=True,
          help_text="Maximum of four measurements (two per hand)."),
    Field("functional_difficulties", "boolean", required=True,
          help_text="Difficulty walking 100 m or climbing one flight of stairs without "
                    "resting."),
    Field("activity", "integer", min=1, max=4, required=True,
          help_text="Vigorous or moderate activity: 1 more than once a week, 2 once a "
                    "week, 3 one to three times a month, 4 hardly ever or never."),
)


def discriminant(sex: str, values: dict[str, Any]) -> Decimal:
    """The sex-specific discriminant function score (DF), exact."""
    with exact_arithmetic():
        return sum(
            (
                (slope * to_decimal(values[name]) + intercept) * loading
                for name, (slope, intercept, loading) in COEFFICIENTS[sex].items()
            ),
            Decimal(0),
        )


def categorize(sex: str, df: Decimal) -> str:
    return CATEGORIES[sex](df)


def score(values: dict[str, Any]) -> ScoreResult:
    sex = values["sex"]
    df = discriminant(sex, values)
    category = categorize(sex, df)
    return ScoreResult(
        instrument=CODE,
        version=VERSION,
        score=rounded(df, SCORE_PLACES),
        max_score=None,  # a discriminant score has no upper bound
        category=category,
        label=LABELS[category],
        components={name: values[name] for name in COEFFICIENTS[sex]},
    )


INSTRUMENT = register(
    Instrument(
        code=CODE,
        name="SHARE Frailty Instrument",
        version=VERSION,
        citation=CITATION,
        fields=FIELDS,
        scorer=score,
        max_score=None,
    )
)
