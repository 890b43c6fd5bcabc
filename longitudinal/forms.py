"""Small forms of the longitudinal pages (the cohort filters live in filters.py)."""

from django import forms

from longitudinal.alerts import REASON_MAX


class AlertUndoForm(forms.Form):
    """Withdrawing an acknowledgement needs a reason: it is kept in the alert's history."""

    reason = forms.CharField(
        label="Reason for withdrawing the acknowledgement",
        max_length=REASON_MAX,
        help_text="For example: acknowledged the wrong patient's alert. Kept in the history.",
    )
