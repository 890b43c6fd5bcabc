"""The "Alerts and timeline" section at the top of the patient page."""

from longitudinal.alerts import alerts_evaluate, open_alerts
from registry.panels import PatientPanel, register_panel


def _context(*, patient, user) -> dict:
    alerts_evaluate(patient_ids=[patient.pk])  # current for this patient, whatever the cache
    return {"alerts": list(open_alerts(patients=[patient]))}


def register() -> None:
    register_panel(
        PatientPanel(
            key="alerts",
            title="Alerts and timeline",
            template="longitudinal/_patient_panel.html",
            order=5,
            context=_context,
        )
    )
