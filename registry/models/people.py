"""Who and when: sites, staff roles, patients, their conditions and visits, and the
access log. The study half of the registry is in registry/models/studies.py."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Cast
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel

HEIGHT_RANGE_CM = (100, 230)
WEIGHT_RANGE_KG = (20, 300)


class Site(TimeStampedModel):
    """A recruiting hospital or clinic; its code is the MRN assigning authority."""

    code = models.SlugField(max_length=16, unique=True, help_text="Short code, e.g. A or NGH.")
    name = models.CharField(max_length=200)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Role(models.TextChoices):
    CLINICIAN = "clinician", "Clinician"
    COORDINATOR = "coordinator", "Study coordinator"
    ADMINISTRATOR = "administrator", "Administrator"


class StaffProfile(models.Model):
    """A person's role in the registry and the sites it applies to."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    sites = models.ManyToManyField(Site, blank=True, related_name="staff")

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"


class Ethnicity(models.TextChoices):
    HISPANIC = "hispanic_or_latino", "Hispanic or Latino"
    NOT_HISPANIC = "not_hispanic_or_latino", "Not Hispanic or Latino"
    UNKNOWN = "unknown", "Unknown or not reported"


class Race(models.TextChoices):
    AMERICAN_INDIAN = "american_indian_or_alaska_native", "American Indian or Alaska Native"
    ASIAN = "asian", "Asian"
    BLACK = "black_or_african_american", "Black or African American"
    PACIFIC_ISLANDER = "native_hawaiian_or_pacific_islander", "Native Hawaiian or Pacific Islander"
    WHITE = "white", "White"
    MORE_THAN_ONE = "more_than_one", "More than one race"
    UNKNOWN = "unknown", "Unknown or not reported"


class PatientStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    WITHDRAWN = "withdrawn", "Withdrawn"
    DECEASED = "deceased", "Deceased"
    LOST = "lost_to_follow_up", "Lost to follow-up"


class Patient(TimeStampedModel):
    """A person followed by the registry, addressed by study id or site + MRN."""

    # Assigned from the primary key by services.patient_create; null only inside that
    # transaction, so it never needs a process-wide counter.
    study_id = models.CharField(max_length=16, unique=True, null=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField("MRN", max_length=32, help_text="Medical record number at the site.")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=6, choices=Sex.choices)
    ethnicity = models.CharField(max_length=32, choices=Ethnicity.choices, blank=True)
    race = models.CharField(max_length=40, choices=Race.choices, blank=True)
    enrolled_on = models.DateField("enrolment date")
    status = models.CharField(
        max_length=20, choices=PatientStatus.choices, default=PatientStatus.ACTIVE
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "mrn"],
                name="patient_mrn_unique_per_site",
                violation_error_message="A patient with this MRN already exists at this site.",
            ),
            models.CheckConstraint(
                condition=Q(enrolled_on__gte=F("date_of_birth")),
                name="patient_enrolled_after_birth",
                violation_error_message="The enrolment date cannot be before the date of birth.",
            ),
            models.CheckConstraint(condition=~Q(mrn=""), name="patient_mrn_not_blank"),
        ]
        indexes = [
            # Changed-since scans of the dashboard's incremental refresh.
            models.Index(fields=["modified_at"], name="patient_modified_idx"),
            models.Index(fields=["family_name", "given_name"]),
        ]

    def __str__(self) -> str:
        return f"{self.study_id} {self.family_name}, {self.given_name}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Condition(models.Model):
    """A comorbidity in the registry's catalogue (loaded by a data migration)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    # The 11 illnesses counted by the FRAIL scale (Morley 2012).
    in_frail_scale = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PatientCondition(TimeStampedModel):
    """A comorbidity a patient has, with its onset date when known."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="conditions")
    condition = models.ForeignKey(Condition, on_delete=models.PROTECT, related_name="+")
    onset_date = models.DateField(null=True, blank=True)
    notes = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["condition__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "condition"],
                name="patient_condition_unique",
                violation_error_message="This condition is already recorded for the patient.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient_id}: {self.condition_id}"


class VisitKind(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    FOLLOW_UP = "follow_up", "Follow-up"
    UNSCHEDULED = "unscheduled", "Unscheduled"


def _bmi_expression():
    weight = Cast("weight_kg", models.FloatField())
    height_m = Cast("height_cm", models.FloatField()) / 100.0
    return weight / (height_m * height_m)


class Visit(TimeStampedModel):
    """A contact with the patient on one date, with anthropometrics."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="visits")
    date = models.DateField()
    kind = models.CharField(max_length=12, choices=VisitKind.choices)
    weight_kg = models.DecimalField(
        "weight (kg)", max_digits=4, decimal_places=1, null=True, blank=True
    )
    height_cm = models.DecimalField(
        "height (cm)", max_digits=4, decimal_places=1, null=True, blank=True
    )
    # Derived by the database, never entered: weight / height², unrounded.
    bmi = models.GeneratedField(
        expression=_bmi_expression(), output_field=models.FloatField(), db_persist=True
    )
    notes = models.TextField(blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["bmi"])

    class Meta:
        ordering = ["patient", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(kind="baseline"),
                name="visit_one_baseline_per_patient",
                violation_error_message="This patient already has a baseline visit.",
            ),
            models.UniqueConstraint(
                fields=["patient", "date"],
                name="visit_one_per_patient_per_date",
                violation_error_message="This patient already has a visit on this date.",
            ),
            models.CheckConstraint(
                condition=Q(height_cm__isnull=True) | Q(height_cm__range=HEIGHT_RANGE_CM),
                name="visit_height_plausible",
                violation_error_message="Height must be between 100 and 230 cm.",
            ),
            models.CheckConstraint(
                condition=Q(weight_kg__isnull=True) | Q(weight_kg__range=WEIGHT_RANGE_KG),
                name="visit_weight_plausible",
                violation_error_message="Weight must be between 20 and 300 kg.",
            ),
        ]
        # Changed-since scans of the dashboard's incremental refresh.
        indexes = [models.Index(fields=["modified_at"], name="visit_modified_idx")]

    def __str__(self) -> str:
        return f"{self.patient_id} {self.date} {self.kind}"


class AccessLog(models.Model):
    """Who opened which patient record, when. Append-only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="access_log")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    path = models.CharField(max_length=300)
    method = models.CharField(max_length=8)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} opened {self.patient_id} at {self.at}"

    def save(self, *args, **kwargs):
        # The audit trail is append-only: refuse to rewrite a row once written.
        if not self._state.adding:
            raise PermissionError("Access log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Access log entries cannot be deleted.")
