"""Sections of the patient page contributed by other apps.

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
