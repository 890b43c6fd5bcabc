"""Read models and records of the longitudinal views.

- PatientSnapshot: one row per patient with what cohort dashboards aggregate (latest and
  baseline categories, values at baseline / month 3 / month 6, latest biomarkers,
  timepoint completeness and due dates). Rebuilt from the clinical tables by
  `services.snapshots_refresh`; never edited by hand. Wide on purpose: a dashboard at
  100,000 patients is a handful of single-table aggregates.
- SnapshotState: how far the snapshots have been refreshed (incremental refresh).
- Alert: a rule that fired for a patient (biomarker above threshold, worsening frailty),
  shown to the patient's clinicians until acknowledged.
- ExportJob: every export requested, who asked, with which filters (the export audit).
"""

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from registry.models import Arm, Patient, Site, Study

# Instruments whose 3-level category (robust/prefrail/frail) the dashboard shows.
CATEGORY_INSTRUMENTS = (
    "fried", "cfs", "frailty_index", "frail", "sof", "tfi", "gfi", "share_fi", "sppb",
    "gait_speed",
)
# Change from baseline at months 3 and 6: the end points of the MSC trial the registry
# follows (docs/longitudinal.md, "Cohort dashboard").
CHANGE_MEASURES = (
    "six_minute_walk", "sppb", "gait_speed", "grip_strength", "TNFA", "IL6", "CRP",
)
CHANGE_TIMEPOINTS = ("base", "m3", "m6")
# Which study timepoint fills which of those columns.
TIMEPOINT_SLOTS = {"baseline": "base", "month_3": "m3", "month_6": "m6"}
# Biomarkers summarised by frailty category (median, IQR).
LATEST_BIOMARKERS = ("IL6", "TNFA", "CRP", "FIB", "DDIMER_FEU")
# Study timepoints whose completeness and due dates the dashboard reports.
TIMEPOINTS = ("baseline", "month_1", "month_3", "month_6", "month_12")


def column(code: str, suffix: str) -> str:
    """Snapshot column name for a measure, e.g. ('TNFA', 'm3') → 'tnfa_m3'."""
    return f"{code.lower()}_{suffix}"


class PatientSnapshot(models.Model):
    """What the cohort dashboard needs of one patient, derived from the clinical tables."""

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, primary_key=True, related_name="snapshot"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    sex = models.CharField(max_length=6)
    date_of_birth = models.DateField()
    enrolled_on = models.DateField()
    study = models.ForeignKey(Study, on_delete=models.SET_NULL, null=True, related_name="+")
    arm = models.ForeignKey(Arm, on_delete=models.SET_NULL, null=True, related_name="+")
    anchor_date = models.DateField(null=True, help_text="Day 0 of the study schedule.")
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["site", "sex"]),
            models.Index(fields=["date_of_birth"]),
            models.Index(fields=["arm"]),
        ]

    def __str__(self) -> str:
        return f"snapshot of {self.patient_id}"


# The measure columns, added with Django's add_to_class so the lists above stay the one
# place that names them (the migration spells every column out).
for _code in CATEGORY_INSTRUMENTS:
    for _when in ("baseline", "latest"):
        PatientSnapshot.add_to_class(
            column(_code, _when), models.CharField(max_length=16, blank=True)
        )
for _code in CHANGE_MEASURES:
    for _tp in CHANGE_TIMEPOINTS:
        PatientSnapshot.add_to_class(column(_code, _tp), models.FloatField(null=True))
for _code in LATEST_BIOMARKERS:
    PatientSnapshot.add_to_class(column(_code, "latest"), models.FloatField(null=True))
for _tp in TIMEPOINTS:
    PatientSnapshot.add_to_class(f"{_tp}_visit", models.BooleanField(default=False))
    PatientSnapshot.add_to_class(f"{_tp}_due_by", models.DateField(null=True))


class SnapshotState(models.Model):
    """Single row: changes made before `refreshed_through` are in the snapshots."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    refreshed_through = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"snapshots refreshed through {self.refreshed_through}"


class AlertKind(models.TextChoices):
    BIOMARKER_HIGH = "biomarker_high", "Biomarker above threshold"
    FRAILTY_WORSE = "frailty_worse", "Frailty category worsened"
    CFS_RISE = "cfs_rise", "CFS rose by 2 or more"
    SPPB_DROP = "sppb_drop", "SPPB fell by 2 or more"


class Alert(models.Model):
    """A rule that fired for a patient; stays on the clinicians' pages until acknowledged.

    Acknowledging (and withdrawing an acknowledgement, with a reason) is kept in history:
    who and when show on the timeline and in the patient's history (longitudinal/alerts.py).
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    # What fired it, e.g. "lab:1234" or "assessment:567": one alert per rule per record.
    source = models.CharField(max_length=60)
    message = models.CharField(max_length=300)
    observed_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    # Alerts are created in bulk by the rules (no history row for that); every later
    # change is an acknowledgement or its withdrawal, recorded with its author.
    history = HistoricalRecords()

    class Meta:
        ordering = ["-observed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "source"], name="alert_once_per_rule_source"),
        ]
        indexes = [models.Index(fields=["patient", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message}"


class ExportKind(models.TextChoices):
    TIDY = "tidy", "Tidy long CSV (one row per patient × date × measure)"
    WIDE = "wide", "Wide CSV (one row per patient × timepoint)"
    DICTIONARY = "dictionary", "Data dictionary"


class ExportStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Running"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class ExportJob(models.Model):
    """One export request: the audit of who exported what, and the file it produced."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=12, choices=ExportKind.choices)
    deidentified = models.BooleanField(default=True)
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=8, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    rows_done = models.PositiveBigIntegerField(default=0)
    rows_total = models.PositiveBigIntegerField(null=True, blank=True)
    file = models.CharField(max_length=300, blank=True, help_text="Path under MEDIA_ROOT.")
    error = models.CharField(max_length=500, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Recovery from lost workers and messages (core.jobs, docs/operations.md).
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Runs started.")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last progress.")
    notice = models.CharField(max_length=300, blank=True, help_text="What happened on the way.")

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.kind} export by {self.requested_by_id} at {self.requested_at}"
