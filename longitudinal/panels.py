"""The "Alerts and timeline" section at the top of the patient page, and the alert
acknowledgements in the patient history."""

from longitudinal.alerts import alert_history, alerts_evaluate, can_acknowledge, open_alerts
from registry.panels import PatientPanel, register_history, register_panel


def _context(*, patient, user) -> dict:
    alerts_evaluate(patient_ids=[patient.pk])  # current for this patient, whatever the cache
    return {
        "alerts": list(open_alerts(patients=[patient])),
        "can_acknowledge": can_acknowledge(user),
    }


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
    register_history("alerts", alert_history)
