"""Comparing assessments: trends over time and disagreement between instruments.

Plain Python, no Django: works on scoring-result dicts (docs/instruments.md §0).
"""

from collections.abc import Iterable, Mapping
from typing import Any

# Order of the common 3-level vocabulary (docs/instruments.md §0). CFS 9 ("terminally ill")
# and indeterminate results are kept out of orderings.
CATEGORY_RANK = {"robust": 0, "prefrail": 1, "frail": 2}

# Direction of the score where it has one: True when a higher score means frailer.
HIGHER_IS_WORSE = {
    "fried": True, "cfs": True, "frailty_index": True, "frail": True, "sof": True,
    "tfi": True, "gfi": True, "share_fi": True,
    "sppb": False, "six_minute_walk": False, "gait_speed": False, "grip_strength": False,
    "spirometry": False, "sf36": False,
}


def trend(instrument: str, previous: Mapping[str, Any], latest: Mapping[str, Any]) -> str | None:
    """`better`, `worse` or `same` since the previous assessment; None if not comparable."""
    before, after = CATEGORY_RANK.get(previous.get("category")), CATEGORY_RANK.get(
        latest.get("category")
    )
    if before is not None and after is not None and before != after:
        return "worse" if after > before else "better"
    return _score_trend(instrument, previous.get("score"), latest.get("score"))


def _score_trend(instrument: str, before, after) -> str | None:
    direction = HIGHER_IS_WORSE.get(instrument)
    if before is None or after is None or direction is None:
        return None
    if after == before:
        return "same"
    return "worse" if (after > before) == direction else "better"


def disagreement(results: Iterable[Mapping[str, Any]]) -> list[str]:
    """Instruments whose 3-level categories are two levels apart (robust vs frail).

    For example Fried `frail` with CFS 3 (`robust`) at the same visit: one of the two is
    probably mis-scored or the patient changed between them, so the page highlights it.
    """
    ranked = [
        (r["instrument"], CATEGORY_RANK[r["category"]])
        for r in results
        if r.get("category") in CATEGORY_RANK
    ]
    if not ranked:
        return []
    low, high = min(rank for _, rank in ranked), max(rank for _, rank in ranked)
    if high - low < 2:
        return []
    return sorted(code for code, rank in ranked if rank in (low, high))
