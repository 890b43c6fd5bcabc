"""The stored frailty assessment. Scoring itself lives in assessments/scoring (plain
Python); this record keeps the inputs as entered and the result as scored, with history."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel
from registry.models import Visit


class Category(models.TextChoices):
    """The common vocabulary of docs/instruments.md §0, plus CFS 9 and SPPB "impaired"."""

    ROBUST = "robust", "Robust"
    PREFRAIL = "prefrail", "Pre-frail"
    FRAIL = "frail", "Frail"
    INDETERMINATE = "indeterminate", "Indeterminate"
    TERMINALLY_ILL = "terminally_ill", "Terminally ill"
    IMPAIRED = "impaired", "Impaired"


class Assessment(TimeStampedModel):
    """One instrument administered at one visit: inputs as entered and the scored result."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="assessments")
    instrument = models.CharField(max_length=32, db_index=True)
    version = models.CharField(max_length=64)
    inputs = models.JSONField(help_text="Inputs as entered, before context was added.")
    context = models.JSONField(
        default=dict, blank=True, help_text="Values filled from the patient and the visit."
    )
    score = models.FloatField(null=True, blank=True)
    max_score = models.FloatField(null=True, blank=True)
    category = models.CharField(max_length=20, blank=True, db_index=True)
    label = models.CharField(max_length=120, blank=True)
    components = models.JSONField(default=dict, blank=True)
    missing = models.JSONField(default=list, blank=True)
    flags = models.JSONField(default=list, blank=True)
    derived = models.JSONField(default=dict, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["visit__date", "instrument"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "instrument"],
                name="assessment_one_per_instrument_per_visit",
                violation_error_message="This instrument is already recorded at this visit.",
            ),
        ]
        # Changed-since scans of the dashboard's incremental refresh.
        indexes = [models.Index(fields=["modified_at"], name="assessment_modified_idx")]

    def __str__(self) -> str:
        return f"{self.instrument} at visit {self.visit_id}: {self.category or self.score}"

    def result(self) -> dict:
        """The scoring result in the flat shape of docs/instruments.md §0."""
        return {
            "instrument": self.instrument,
            "version": self.version,
            "score": self.score,
            "max_score": self.max_score,
            "category": self.category or None,
            "label": self.label or None,
            "components": self.components,
            "missing": self.missing,
            "flags": self.flags,
            **self.derived,
        }
