"""Sections of the patient page, and entries of the patient history, contributed by other
apps.

The registry knows nothing of assessments or biomarkers (dependencies point one way), so
those apps register a panel in their AppConfig.ready(); the patient page renders every
registered panel in order. A panel's context function is a selector call: it must run a
fixed number of queries whatever the patient's history.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PatientPanel:
    key: str
    title: str
    template: str
    order: int
    context: Callable[..., dict]  # (*, patient, user) -> template context


_PANELS: dict[str, PatientPanel] = {}


def register_panel(panel: PatientPanel) -> None:
    _PANELS[panel.key] = panel


def panels_for(*, patient, user) -> list[dict]:
    return [
        {"panel": panel, **panel.context(patient=patient, user=user)}
        for panel in sorted(_PANELS.values(), key=lambda p: p.order)
    ]


# Entries of the patient history page from other apps' records (alert acknowledgements):
# (*, patient, user) -> list of registry.selectors.HistoryEntry, a fixed number of queries.
_HISTORY: dict[str, Callable[..., list]] = {}


def register_history(key: str, entries: Callable[..., list]) -> None:
    _HISTORY[key] = entries


def history_from_apps(*, patient, user) -> list:
    return [entry for entries in _HISTORY.values() for entry in entries(patient=patient, user=user)]
