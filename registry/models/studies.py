"""Studies, arms, schedules, allocation lists, enrolments, interventions, adverse events
and overdue-visit notifications (issue 5).

Rules the database can hold are constraints here; rules that need "today", another
table or a person's permission live in registry/studies/services.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from core.models import ConstraintFieldsMixin, TimeStampedModel
from registry.models.people import Patient, Site

DOSE_DIGITS = {"max_digits": 12, "decimal_places": 3}


class Study(TimeStampedModel):
    """A research protocol followed in the registry: its arms and its visit schedule."""

    code = models.SlugField(
        max_length=32,
        unique=True,
        help_text="Short code used in addresses and exports, e.g. MSC-DF. Letters, digits, "
        "hyphens and underscores.",
    )
    name = models.CharField(max_length=200)
    registration_id = models.CharField(
        "registration id",
        max_length=40,
        blank=True,
        help_text="Trial registry number, e.g. NCT02065245.",
    )
    blinded = models.BooleanField(
        default=True,
        help_text="In a blinded study only people with the unblinded permission see arms.",
    )
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "studies"
        # The one permission that reveals treatment assignment in blinded studies.
        permissions = [("unblinded", "Can see treatment arms of blinded studies")]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Arm(TimeStampedModel):
    """A treatment group of one study, e.g. "100 million cells" or placebo."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="arms")
    code = models.SlugField(max_length=16, help_text="Short code, e.g. A, B or PBO.")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    dose = models.DecimalField(
        **DOSE_DIGITS, null=True, blank=True, help_text="Amount per administration."
    )
    dose_unit = models.CharField(
        max_length=40, blank=True, help_text="Unit of the dose, e.g. million cells or mg."
    )
    placebo = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["study", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "code"],
                name="arm_code_unique_per_study",
                violation_error_message="This study already has an arm with this code.",
            ),
            # Target of the composite foreign keys (arm, study) added on PostgreSQL by
            # migration 0003, so an enrolment or allocation cannot name another study's arm.
            models.UniqueConstraint(fields=["id", "study"], name="arm_id_study_unique"),
            models.CheckConstraint(
                condition=Q(dose__isnull=True) | Q(dose__gte=0),
                name="arm_dose_not_negative",
                violation_error_message="The dose cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(dose__isnull=True) | ~Q(dose_unit=""),
                name="arm_dose_has_unit",
                violation_error_message="Give the unit of the dose.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Timepoint(TimeStampedModel):
    """A planned visit of a study schedule: target day after the first intervention ± a window."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="timepoints")
    code = models.SlugField(max_length=32, help_text="Short code, e.g. month_3.")
    name = models.CharField(max_length=60, help_text="Shown on visits, e.g. Month 3.")
    target_day = models.SmallIntegerField(
        help_text="Days after the first intervention (or enrolment when there is none)."
    )
    window_before = models.PositiveSmallIntegerField(
        default=0, help_text="Days before the target day still counted, 0–365."
    )
    window_after = models.PositiveSmallIntegerField(
        default=0, help_text="Days after the target day still counted, 0–365."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["study", "target_day"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "code"],
                name="timepoint_code_unique_per_study",
                violation_error_message="This schedule already has a timepoint with this code.",
            ),
            models.UniqueConstraint(
                fields=["study", "target_day"],
                name="timepoint_day_unique_per_study",
                violation_error_message="This schedule already has a timepoint on this day.",
            ),
            models.CheckConstraint(
                condition=Q(target_day__range=(-365, 3650)),
                name="timepoint_target_day_range",
                violation_error_message="The target day must be between -365 and 3650.",
            ),
            models.CheckConstraint(
                condition=Q(window_before__lte=365) & Q(window_after__lte=365),
                name="timepoint_window_range",
                violation_error_message="A window can be at most 365 days on each side.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (day {self.target_day} −{self.window_before}/+{self.window_after})"


class Allocation(TimeStampedModel):
    """One line of an uploaded allocation list: the nth arm of a site stratum."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="allocations")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveIntegerField(help_text="Order of use within the site, from 1.")
    arm = models.ForeignKey(Arm, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    # Edits need a reason: studies/services.py allocation_update stores it as the
    # history row's change reason.
    history = HistoricalRecords()

    class Meta:
        ordering = ["study", "site", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "site", "sequence"],
                name="allocation_sequence_unique",
                violation_error_message="This allocation number already exists for the site.",
            ),
            models.CheckConstraint(
                condition=Q(sequence__gte=1), name="allocation_sequence_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study_id}/{self.site_id} #{self.sequence}"


class Enrollment(TimeStampedModel):
    """A patient taking part in a study, in one of its arms."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="enrollments")
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="enrollments")
    arm = models.ForeignKey(Arm, on_delete=models.PROTECT, related_name="enrollments")
    enrolled_on = models.DateField("study enrolment date")
    # One-to-one: the database refuses to give one allocation to two patients.
    allocation = models.OneToOneField(
        Allocation, on_delete=models.PROTECT, null=True, blank=True, related_name="enrollment"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["study", "enrolled_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "study"],
                name="enrollment_one_per_patient_per_study",
                violation_error_message="This patient is already enrolled in this study.",
            ),
        ]
        # Changed-since scans of the dashboard's incremental refresh.
        indexes = [models.Index(fields=["modified_at"], name="enrollment_modified_idx")]

    def __str__(self) -> str:
        return f"{self.patient_id} in {self.study_id}"


class InterventionKind(models.TextChoices):
    CELL_THERAPY = "cell_therapy_infusion", "Cell therapy infusion"
    EXERCISE = "exercise_programme", "Exercise programme"
    NUTRITION = "nutritional_supplement", "Nutritional supplement"
    HORMONAL = "hormonal", "Hormonal"
    OTHER = "other", "Other"


class Route(models.TextChoices):
    INTRAVENOUS = "intravenous", "Intravenous"
    ORAL = "oral", "Oral"
    SUBCUTANEOUS = "subcutaneous", "Subcutaneous"
    INTRAMUSCULAR = "intramuscular", "Intramuscular"
    TRANSDERMAL = "transdermal", "Transdermal"
    NOT_APPLICABLE = "not_applicable", "Not applicable (e.g. exercise)"
    OTHER = "other", "Other"


class Intervention(ConstraintFieldsMixin, TimeStampedModel):
    """A treatment given to a patient, e.g. one infusion of 80 mL at 2 mL/min."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="interventions")
    # The study it was given in, if any: the study's schedule and safety table count from
    # its first intervention, not from an unrelated exercise programme.
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interventions",
        verbose_name="study",
    )
    kind = models.CharField(max_length=24, choices=InterventionKind.choices)
    product = models.CharField(
        "product or programme",
        max_length=200,
        help_text="e.g. allogeneic MSC, or the name of the exercise programme.",
    )
    description = models.TextField(blank=True)
    dose = models.DecimalField(**DOSE_DIGITS, null=True, blank=True)
    dose_unit = models.CharField(
        max_length=40, blank=True, help_text="e.g. million cells, mg, sessions per week."
    )
    route = models.CharField(max_length=16, choices=Route.choices, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Leave empty if ongoing.")
    volume_ml = models.DecimalField(
        "administered volume (mL)", max_digits=6, decimal_places=1, null=True, blank=True
    )
    rate_ml_min = models.DecimalField(
        "rate (mL/min)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    notes = models.TextField(blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    history = HistoricalRecords()

    # The field each constraint's message is shown next to (core.models).
    constraint_fields = {
        "intervention_ends_after_start": "end_date",
        "intervention_dose_not_negative": "dose",
        "intervention_dose_has_unit": "dose_unit",
        "intervention_volume_plausible": "volume_ml",
        "intervention_rate_plausible": "rate_ml_min",
    }

    class Meta:
        ordering = ["patient", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="intervention_ends_after_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
            models.CheckConstraint(
                condition=Q(dose__isnull=True) | Q(dose__gte=0),
                name="intervention_dose_not_negative",
                violation_error_message="The dose cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(dose__isnull=True) | ~Q(dose_unit=""),
                name="intervention_dose_has_unit",
                violation_error_message="Give the unit of the dose.",
            ),
            models.CheckConstraint(
                condition=Q(volume_ml__isnull=True) | Q(volume_ml__gt=0, volume_ml__lte=5000),
                name="intervention_volume_plausible",
                violation_error_message="The administered volume must be above 0 and at "
                "most 5000 mL.",
            ),
            models.CheckConstraint(
                condition=Q(rate_ml_min__isnull=True) | Q(rate_ml_min__gt=0, rate_ml_min__lte=500),
                name="intervention_rate_plausible",
                violation_error_message="The rate must be above 0 and at most 500 mL/min.",
            ),
        ]
        indexes = [
            # Changed-since scans of the dashboard's incremental refresh.
            models.Index(fields=["modified_at"], name="intervention_modified_idx"),
            models.Index(fields=["patient", "start_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.start_date}"


class Severity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class Relatedness(models.TextChoices):
    UNRELATED = "unrelated", "Unrelated"
    UNLIKELY = "unlikely", "Unlikely"
    POSSIBLE = "possible", "Possible"
    PROBABLE = "probable", "Probable"
    DEFINITE = "definite", "Definite"


RELATED = (Relatedness.POSSIBLE, Relatedness.PROBABLE, Relatedness.DEFINITE)


class ActionTaken(models.TextChoices):
    NONE = "none", "None"
    INTERRUPTED = "interrupted", "Intervention interrupted"
    DISCONTINUED = "discontinued", "Intervention discontinued"
    TREATED = "treated", "Treatment given for the event"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
    OTHER = "other", "Other"


class AeOutcome(models.TextChoices):
    RECOVERED = "recovered", "Recovered / resolved"
    RECOVERING = "recovering", "Recovering / resolving"
    NOT_RECOVERED = "not_recovered", "Not recovered / not resolved"
    SEQUELAE = "recovered_with_sequelae", "Recovered with sequelae"
    FATAL = "fatal", "Fatal"
    UNKNOWN = "unknown", "Unknown"


SERIOUSNESS_CRITERIA = (
    "criterion_death",
    "criterion_life_threatening",
    "criterion_hospitalisation",
    "criterion_disability",
    "criterion_other_important",
)


def _no_criterion() -> Q:
    return Q(**dict.fromkeys(SERIOUSNESS_CRITERIA, False))


class AdverseEvent(ConstraintFieldsMixin, TimeStampedModel):
    """An untoward medical event in a patient. Treatment-emergence is derived, never entered."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="adverse_events")
    onset_date = models.DateField("onset date")
    resolved_on = models.DateField(
        "resolution date", null=True, blank=True, help_text="Leave empty while ongoing."
    )
    description = models.CharField(
        max_length=300, help_text="The event in a few words, e.g. pneumonia, infusion reaction."
    )
    severity = models.CharField(
        max_length=8,
        choices=Severity.choices,
        blank=True,
        help_text="Give a severity or a CTCAE grade (or both).",
    )
    ctcae_grade = models.PositiveSmallIntegerField(
        "CTCAE grade",
        null=True,
        blank=True,
        choices=[(g, f"Grade {g}") for g in range(1, 6)],
        help_text="Common Terminology Criteria for Adverse Events, 1 (mild) to 5 (death).",
    )
    serious = models.BooleanField(
        default=False, help_text="Serious when at least one criterion below applies."
    )
    criterion_death = models.BooleanField("resulted in death", default=False)
    criterion_life_threatening = models.BooleanField("life-threatening", default=False)
    criterion_hospitalisation = models.BooleanField(
        "required or prolonged hospitalisation", default=False
    )
    criterion_disability = models.BooleanField(
        "persistent or significant disability", default=False
    )
    criterion_other_important = models.BooleanField("other important medical event", default=False)
    relatedness = models.CharField(
        "relatedness to the intervention", max_length=10, choices=Relatedness.choices
    )
    action_taken = models.CharField(
        max_length=16, choices=ActionTaken.choices, default=ActionTaken.NONE
    )
    outcome = models.CharField(max_length=24, choices=AeOutcome.choices)
    notes = models.TextField(blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    history = HistoricalRecords()

    # The field each constraint's message is shown next to (core.models).
    constraint_fields = {
        "adverse_event_resolves_after_onset": "resolved_on",
        "adverse_event_has_severity_or_grade": "severity",
        "adverse_event_ctcae_grade_range": "ctcae_grade",
        "adverse_event_serious_iff_criterion": "serious",
        "adverse_event_death_iff_fatal": "outcome",
        "adverse_event_grade_5_is_fatal": "ctcae_grade",
    }

    class Meta:
        ordering = ["patient", "onset_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("onset_date")),
                name="adverse_event_resolves_after_onset",
                violation_error_message="The event cannot end before it starts: the "
                "resolution date is before the onset date.",
            ),
            models.CheckConstraint(
                condition=~Q(severity="") | Q(ctcae_grade__isnull=False),
                name="adverse_event_has_severity_or_grade",
                violation_error_message="Give a severity or a CTCAE grade.",
            ),
            models.CheckConstraint(
                condition=Q(ctcae_grade__isnull=True) | Q(ctcae_grade__range=(1, 5)),
                name="adverse_event_ctcae_grade_range",
                violation_error_message="The CTCAE grade must be 1 to 5.",
            ),
            models.CheckConstraint(
                condition=(Q(serious=False) & _no_criterion())
                | (Q(serious=True) & ~_no_criterion()),
                name="adverse_event_serious_iff_criterion",
                violation_error_message="A serious event needs at least one seriousness "
                "criterion, and a criterion makes the event serious.",
            ),
            models.CheckConstraint(
                condition=Q(criterion_death=True, outcome="fatal")
                | (Q(criterion_death=False) & ~Q(outcome="fatal")),
                name="adverse_event_death_iff_fatal",
                violation_error_message="An event that resulted in death has the outcome "
                "“fatal”, and only such an event.",
            ),
            models.CheckConstraint(
                condition=~Q(ctcae_grade=5) | Q(outcome="fatal"),
                name="adverse_event_grade_5_is_fatal",
                violation_error_message="CTCAE grade 5 means death: the outcome must be fatal.",
            ),
        ]
        indexes = [models.Index(fields=["patient", "onset_date"])]

    def __str__(self) -> str:
        return f"{self.description} ({self.onset_date})"


class NotificationKind(models.TextChoices):
    OVERDUE_VISIT = "overdue_visit", "Overdue visit"


class Notification(models.Model):
    """An in-app message to one person, e.g. a study visit that is now overdue.

    Not clinical data (no history); one overdue notice per person and planned visit,
    held by a unique constraint so a task run twice never notifies twice.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, null=True, related_name="+"
    )
    timepoint = models.ForeignKey(Timepoint, on_delete=models.CASCADE, null=True, related_name="+")
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "enrollment", "timepoint"],
                condition=Q(kind="overdue_visit"),
                name="notification_overdue_once_per_visit",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.message}"
