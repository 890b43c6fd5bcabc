"""Clinical Frailty Scale (CFS).

Sources: Rockwood K, Song X, MacKnight C, et al. A global clinical measure of fitness and
frailty in elderly people. CMAJ 2005;173(5):489-495 (CSHA 7-point scale and the 2007
9-point revision); Rockwood K, Theou O. Using the Clinical Frailty Scale in allocating
scarce health care resources. Can Geriatr J 2020;23(3):210-215 (CFS version 2.0 labels).

There is no algorithm: the clinician picks the level (baseline state, not the acute
illness) and the label is a lookup. The result's `version` is the scale version used.
"""

from __future__ import annotations

from typing import Any

from .base import FRAIL, PREFRAIL, ROBUST, Field, Instrument, ScoreResult, ScoringError, register
from .exact import Bands, Cutoff

CODE = "cfs"
DEFAULT_VERSION = "cfs_v2_2020"
TERMINALLY_ILL = "terminally_ill"
CITATION = (
    "Rockwood K, et al. A global clinical measure of fitness and frailty in elderly "
    "people. CMAJ 2005;173:489-495; Rockwood K, Theou O. Can Geriatr J 2020;23:210-215."
)

LABELS: dict[str, tuple[str, ...]] = {
    # Rockwood & Theou 2020, CFS v2.0.
    "cfs_v2_2020": (
        "Very fit", "Fit", "Managing well", "Living with very mild frailty",
        "Living with mild frailty", "Living with moderate frailty",
        "Living with severe frailty", "Living with very severe frailty", "Terminally ill",
    ),
    # Rockwood 2007 9-point revision of the CSHA scale.
    "cfs9_2007": (
        "Very fit", "Well", "Managing well", "Vulnerable", "Mildly frail",
        "Moderately frail", "Severely frail", "Very severely frail", "Terminally ill",
    ),
    # Rockwood et al. CMAJ 2005, CSHA 7-point scale.
    "csha7_2005": (
        "Very fit", "Well", "Well, with treated comorbid disease", "Apparently vulnerable",
        "Mildly frail", "Moderately frail", "Severely frail",
    ),
}

# docs/instruments.md §2 (Rockwood 2005/2020): 1-3 robust, 4 pre-frail, 5-8 frail (5-7 on
# CSHA), 9 terminally ill: a prognosis, not more frailty, kept out of ordinal averages.
ROCKWOOD = "Rockwood 2005 (CMAJ 173:489); Rockwood & Theou 2020; docs/instruments.md §2"
CATEGORIES = Bands(
    (
        (Cutoff("<=", 3, ROCKWOOD), ROBUST),
        (Cutoff("<=", 4, ROCKWOOD), PREFRAIL),
        (Cutoff("<=", 8, ROCKWOOD), FRAIL),
    ),
    otherwise=TERMINALLY_ILL,
)

FIELDS = (
    Field("version", "choice", choices=tuple(LABELS), default=DEFAULT_VERSION,
          help_text="Scale version: cfs_v2_2020 (default), cfs9_2007 or csha7_2005."),
    Field("level", "integer", min=1, max=9, required=True,
          help_text="Level chosen by the clinician for the baseline state (1-7 for "
                    "csha7_2005); half levels are invalid."),
)


def categorize(level: int) -> str:
    return CATEGORIES(level)


def score(values: dict[str, Any]) -> ScoreResult:
    version, level = values["version"], values["level"]
    labels = LABELS[version]
    if level > len(labels):
        message = f"level must be a whole number from 1 to {len(labels)} for {version}."
        raise ScoringError.for_field("level", message)
    return ScoreResult(
        instrument=CODE,
        version=version,
        score=level,
        max_score=len(labels),
        category=categorize(level),
        label=labels[level - 1],
        components={"level": level},
    )


INSTRUMENT = register(
    Instrument(
        code=CODE,
        name="Clinical Frailty Scale",
        version=DEFAULT_VERSION,
        citation=CITATION,
        fields=FIELDS,
        scorer=score,
        max_score=9,
        definition={"versions": {v: list(labels) for v, labels in LABELS.items()}},
    )
)
