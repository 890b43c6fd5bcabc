"""Biomarker results and the laboratory systems that send them.

The analyte catalogue lives in plain Python (``biomarkers/catalogue.py``, the source of
every conversion); ``Analyte`` is its copy in the database, loaded by a data migration,
so that results can point at an analyte with a foreign key and reports can join on it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel


class LabClient(AbstractAPIKey):
    """A laboratory system allowed to post results with `Authorization: Api-Key <key>`.

    Only a hash of the key is stored (djangorestframework-api-key); the key itself is
    shown once by `manage.py create_lab_client`. A key reaches only the patients of its
    ``sites``: a result for anyone else is parked exactly like one for an unknown patient
    (docs/security.md "Laboratory keys").
    """

    sites = models.ManyToManyField(
        "registry.Site",
        related_name="lab_clients",
        help_text="The sites this laboratory serves: its results match only their patients.",
    )

    objects = APIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "laboratory client"


class Analyte(models.Model):
    """A catalogued analyte (docs/biomarkers.md §1), copied from catalogue.py by a migration."""

    code = models.CharField(max_length=16, primary_key=True)
    name = models.CharField(max_length=120)
    canonical_unit = models.CharField(max_length=32)
    loinc_codes = models.JSONField(default=list)
    is_core = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)
    # The catalogue entry as data (units, factors, bounds, thresholds) for reports.
    definition = models.JSONField(default=dict)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class SourceKind(models.TextChoices):
    LAB = "lab", "Laboratory system (API key)"
    MANUAL = "manual", "Manual entry"
    FILE = "file", "CSV upload"


class LabSource(models.Model):
    """Where results come from; with the external id, the idempotency key of a result.

    Every lab client has one (created on first use); manual entry and each named CSV
    feed have their own, so that identifiers from different senders never collide. A CSV
    feed belongs to the person who uploads to it (``owner``): another uploader using the
    same name gets a feed of their own, so nobody amends or retracts someone else's results.
    """

    code = models.CharField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=SourceKind.choices)
    lab_client = models.OneToOneField(
        LabClient, on_delete=models.PROTECT, null=True, blank=True, related_name="source"
    )
    # The uploader of a CSV feed; empty for laboratory keys, manual entry and the feeds of
    # management commands (demo, synthetic cohort, benchmarks).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ResultStatus(models.TextChoices):
    """The status vocabulary of docs/biomarkers.md §4 (FHIR Observation.status / HL7 OBX-11)."""

    PRELIMINARY = "preliminary", "Preliminary"
    FINAL = "final", "Final"
    AMENDED = "amended", "Amended"
    CORRECTED = "corrected", "Corrected"
    ENTERED_IN_ERROR = "entered-in-error", "Entered in error (retracted)"
    CANCELLED = "cancelled", "Cancelled"


# Results in these statuses stay in history but never appear in views (docs/biomarkers.md §4).
HIDDEN_STATUSES = (ResultStatus.ENTERED_IN_ERROR, ResultStatus.CANCELLED)
COMPARATOR_VALUES = ("<", "<=", ">=", ">")


class LabResult(TimeStampedModel):
    """One laboratory result in canonical units, with the value as reported beside it."""

    patient = models.ForeignKey(
        "registry.Patient", on_delete=models.PROTECT, related_name="lab_results"
    )
    # The patient's visit closest to collection within LAB_RESULT_VISIT_WINDOW_DAYS.
    visit = models.ForeignKey(
        "registry.Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lab_results",
    )
    analyte = models.ForeignKey(Analyte, on_delete=models.PROTECT, related_name="results")
    # Canonical value; null only for a retraction or cancellation that carried none.
    value = models.DecimalField(max_digits=24, decimal_places=9, null=True, blank=True)
    unit = models.CharField("canonical unit", max_length=32)
    comparator = models.CharField(max_length=2, blank=True)
    reported_value = models.CharField(max_length=64, blank=True)
    reported_unit = models.CharField(max_length=64, blank=True)
    loinc = models.CharField("LOINC as sent", max_length=16, blank=True)
    collected_at = models.DateTimeField()
    resulted_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ResultStatus.choices)
    reference_range = models.CharField(max_length=200, blank=True)
    interpretation = models.CharField(max_length=100, blank=True)
    method = models.CharField(max_length=200, blank=True)
    device = models.CharField(max_length=200, blank=True)
    specimen = models.CharField(max_length=200, blank=True)
    # Threshold flags of docs/biomarkers.md §3 (and PRELIMINARY), computed at ingestion.
    flags = models.JSONField(default=list, blank=True)
    source = models.ForeignKey(LabSource, on_delete=models.PROTECT, related_name="results")
    external_id = models.CharField(max_length=200)
    external_id_system = models.CharField(max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["created_at", "modified_at"])

    class Meta:
        ordering = ["patient", "analyte", "-collected_at"]
        constraints = [
            # The idempotency key: retries of any kind, racing or not, land on one row.
            models.UniqueConstraint(
                fields=["source", "external_id"], name="labresult_unique_per_source"
            ),
            models.CheckConstraint(
                condition=Q(comparator__in=("", *COMPARATOR_VALUES)),
                name="labresult_comparator_known",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | Q(status__in=HIDDEN_STATUSES),
                name="labresult_value_unless_retracted",
            ),
            models.CheckConstraint(condition=~Q(external_id=""), name="labresult_external_id"),
        ]
        indexes = [
            # Changed-since scans of the dashboard's incremental refresh.
            models.Index(fields=["modified_at"], name="labresult_modified_idx"),
            models.Index(
                fields=["patient", "analyte", "collected_at"], name="labresult_patient_series"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.analyte_id} {self.display_value} ({self.status})"

    @property
    def display_value(self) -> str:
        """The canonical value with its comparator, as charts and tables show it ("<0.5")."""
        if self.value is None:
            return "—"
        return f"{self.comparator}{_plain(self.value)}"

    @property
    def is_hidden(self) -> bool:
        return self.status in HIDDEN_STATUSES


def _plain(value) -> str:
    """A Decimal without trailing zeros or exponent: 0.500000000 -> 0.5, 1E+3 -> 1000."""
    text = format(value.normalize(), "f")
    return text


class ParkedStatus(models.TextChoices):
    OPEN = "open", "Awaiting review"
    MATCHED = "matched", "Matched to a patient"
    DISCARDED = "discarded", "Discarded"
    SUPERSEDED = "superseded", "Delivered again for a known patient"


class ParkedLabResult(TimeStampedModel):
    """A valid result whose patient the registry could not identify, held for review.

    A coordinator matches it to a patient (it is then ingested like any other result)
    or discards it; either way the decision stays in history.
    """

    source = models.ForeignKey(LabSource, on_delete=models.PROTECT, related_name="parked")
    external_id = models.CharField(max_length=200)
    # The identifier as the sender gave it (system, value, site, MRN, study id).
    patient_identifier = models.JSONField(default=dict)
    site_code = models.CharField(max_length=64, blank=True)
    analyte = models.ForeignKey(Analyte, on_delete=models.PROTECT, related_name="+")
    reported_value = models.CharField(max_length=64, blank=True)
    reported_unit = models.CharField(max_length=64, blank=True)
    collected_at = models.DateTimeField()
    reason = models.CharField(max_length=300)
    # The whole record as received (LabRecord fields), replayed when matched.
    record = models.JSONField(default=dict)
    status = models.CharField(
        max_length=12, choices=ParkedStatus.choices, default=ParkedStatus.OPEN
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    result = models.ForeignKey(
        LabResult, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A resent unknown-patient result refreshes its inbox row instead of adding one.
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=Q(status="open"),
                name="parked_one_open_per_source_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.analyte_id} {self.external_id} ({self.status})"


class Hl7Message(models.Model):
    """An HL7 v2 message already applied, so a retransmission is acknowledged only."""

    source = models.ForeignKey(LabSource, on_delete=models.PROTECT, related_name="+")
    control_id = models.CharField("MSH-10", max_length=199)
    received_at = models.DateTimeField(auto_now_add=True)
    ack_code = models.CharField(max_length=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "control_id"], name="hl7message_control_id_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.control_id} ({self.ack_code})"


class UploadStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Processing"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


class LabUpload(models.Model):
    """A CSV file of results uploaded by a coordinator and processed by a Celery task.

    The file is kept in the database, not on a disk, so any worker on any machine can
    process it.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    source = models.ForeignKey(LabSource, on_delete=models.PROTECT, related_name="uploads")
    filename = models.CharField(max_length=200)
    content = models.TextField()
    status = models.CharField(
        max_length=8, choices=UploadStatus.choices, default=UploadStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    report = models.TextField(blank=True)  # per-row outcome CSV
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Recovery from lost workers and messages (core.jobs, docs/operations.md).
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Processing runs started.")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last progress.")
    notice = models.CharField(max_length=300, blank=True, help_text="What happened on the way.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == UploadStatus.DONE else 0
        return int(100 * self.processed_rows / self.total_rows)


class LabUploadChunk(models.Model):
    """The outcomes of one committed chunk of an upload, written in the chunk's transaction.

    A run resumed after its worker died continues after the last committed chunk and still
    reports those rows as they were (``created``, not ``unchanged``); the report is built
    from these rows at the end, and they are then removed.
    """

    upload = models.ForeignKey(LabUpload, on_delete=models.CASCADE, related_name="chunks")
    start = models.PositiveIntegerField(help_text="Index of the chunk's first data row.")
    outcomes = models.JSONField(default=list)

    class Meta:
        ordering = ["upload", "start"]
        constraints = [
            models.UniqueConstraint(fields=["upload", "start"], name="lab_upload_chunk_once")
        ]

    def __str__(self) -> str:
        return f"{self.upload_id} rows from {self.start}"
