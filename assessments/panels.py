"""The "Frailty assessments" section of the patient page (see registry/panels.py)."""

from django.db.models import Count

from assessments.selectors import latest_per_instrument
from registry.access import can_write_patients
from registry.panels import PatientPanel, register_panel


def _context(*, patient, user) -> dict:
    return {
        "latest": latest_per_instrument(patient=patient),
        "visits": patient.visits.annotate(n=Count("assessments")).order_by("-date"),
        "can_write": can_write_patients(user),
    }


def register() -> None:
    register_panel(
        PatientPanel(
            key="assessments",
            title="Frailty assessments",
            template="assessments/_patient_panel.html",
            order=10,
            context=_context,
        )
    )
