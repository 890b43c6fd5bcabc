"""API shapes for studies, enrolments, interventions and adverse events.

Serializers check shape; services decide. Enrolment and intervention bodies pass
through the masking layer (registry/studies/blinding.py) as a whole: in a study blinded to the
reader every arm-revealing field reads "blinded", whatever its value.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.models import AdverseEvent, Arm, Intervention, Study, Timepoint
from registry.studies import blinding


def _user(serializer):
    return serializer.context["request"].user


class TimepointOutput(serializers.ModelSerializer):
    class Meta:
        model = Timepoint
        fields = ["code", "name", "target_day", "window_before", "window_after"]


class ArmOutput(serializers.ModelSerializer):
    """An arm as the protocol defines it; enrolment counts only for the unblinded."""

    enrolled = serializers.SerializerMethodField(
        help_text="Patients of your sites in this arm; null when the study is blinded to you."
    )

    class Meta:
        model = Arm
        fields = ["code", "name", "description", "dose", "dose_unit", "placebo", "enrolled"]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_enrolled(self, arm):
        counts = self.context.get("arm_counts")
        return None if counts is None else counts.get(arm.pk, 0)


class ArmInput(serializers.ModelSerializer):
    class Meta:
        model = Arm
        fields = ["code", "name", "description", "dose", "dose_unit", "placebo"]
        validators = []


class StudyOutput(serializers.ModelSerializer):
    schedule = TimepointOutput(source="timepoints", many=True, read_only=True)
    arms = ArmOutput(many=True, read_only=True)

    class Meta:
        model = Study
        fields = [
            "id", "code", "name", "registration_id", "blinded", "description", "arms",
            "schedule", "created_at", "modified_at",
        ]


class StudyInput(serializers.ModelSerializer):
    default_schedule = serializers.BooleanField(
        default=True, help_text="Add the default visit schedule (baseline, months 1–12)."
    )

    class Meta:
        model = Study
        fields = ["code", "name", "registration_id", "blinded", "description",
                  "default_schedule"]
        validators = []
        extra_kwargs = {"code": {"validators": []}}


# Fields the masking layer may replace by "blinded" say so in the schema.
_OR_BLINDED = {"type": "string", "enum": [blinding.BLINDED]}


@extend_schema_field({"oneOf": [{"type": "integer"}, _OR_BLINDED], "nullable": True})
class _IntegerOrBlinded(serializers.IntegerField):
    pass


@extend_schema_field({"type": "string", "nullable": True,
                      "description": 'A decimal as text, or "blinded".'})
class _DecimalOrBlinded(serializers.DecimalField):
    pass


class EnrollmentOutput(serializers.Serializer):
    """An enrolment; in a study blinded to you `arm`, `arm_code` and `allocation` read
    "blinded"."""

    id = serializers.IntegerField()
    study = serializers.CharField(source="study.code")
    arm = serializers.CharField(source="arm.name", help_text='Arm name, or "blinded".')
    arm_code = serializers.CharField(source="arm.code", help_text='Arm code, or "blinded".')
    enrolled_on = serializers.DateField()
    allocation = _IntegerOrBlinded(
        source="allocation.sequence", allow_null=True, default=None,
        help_text='Sequence number of the allocation used, if any; "blinded" when the '
                  "study is blinded to you.",
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        return blinding.enrollment_shown(_user(self), instance, data)


class EnrollmentInput(serializers.Serializer):
    study = serializers.SlugRelatedField(slug_field="code", queryset=Study.objects.all())
    enrolled_on = serializers.DateField()
    arm = serializers.CharField(
        required=False, allow_blank=True, max_length=16,
        help_text="Arm code, chosen by hand (open studies, or unblinded people only).",
    )
    use_allocation = serializers.BooleanField(
        default=False, help_text="Take the next unused allocation of the patient's site."
    )


class InterventionOutput(serializers.ModelSerializer):
    """An intervention; in a study blinded to you `product`, `description`, `dose`,
    `dose_unit`, `volume_ml`, `rate_ml_min` and `notes` all read "blinded", whatever
    was recorded (a placebo and an active infusion read alike)."""

    study = serializers.CharField(source="enrollment.study.code", allow_null=True, default=None)
    product = serializers.CharField(help_text='The product or programme, or "blinded".')
    dose = serializers.SerializerMethodField(
        help_text='The dose with its unit, null when none, or "blinded".'
    )
    volume_ml = _DecimalOrBlinded(max_digits=6, decimal_places=1, allow_null=True)
    rate_ml_min = _DecimalOrBlinded(max_digits=5, decimal_places=2, allow_null=True)
    entered_by = serializers.StringRelatedField()

    class Meta:
        model = Intervention
        fields = [
            "id", "study", "kind", "product", "description", "dose", "dose_unit", "route",
            "start_date", "end_date", "volume_ml", "rate_ml_min", "notes", "entered_by",
            "created_at", "modified_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_dose(self, item):
        return blinding.dose_text(item)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        return blinding.intervention_shown(_user(self), instance, data)


class InterventionInput(serializers.ModelSerializer):
    study = serializers.CharField(
        required=False, allow_blank=True, max_length=32,
        help_text="Code of the study it was given in (the patient must be enrolled).",
    )

    class Meta:
        model = Intervention
        fields = [
            "study", "kind", "product", "description", "dose", "dose_unit", "route",
            "start_date", "end_date", "volume_ml", "rate_ml_min", "notes",
        ]
        validators = []


class AdverseEventOutput(serializers.ModelSerializer):
    entered_by = serializers.StringRelatedField()
    study_day = serializers.IntegerField(
        allow_null=True, help_text="Days since the first intervention (derived)."
    )
    treatment_emergent = serializers.BooleanField(help_text="Derived, never entered.")
    te_sae_1m = serializers.BooleanField(
        help_text="Serious, treatment-emergent, onset ≤ 30 days after the first intervention."
    )

    class Meta:
        model = AdverseEvent
        fields = [
            "id", "onset_date", "resolved_on", "description", "severity", "ctcae_grade",
            "serious", "criterion_death", "criterion_life_threatening",
            "criterion_hospitalisation", "criterion_disability", "criterion_other_important",
            "relatedness", "action_taken", "outcome", "notes", "study_day",
            "treatment_emergent", "te_sae_1m", "entered_by", "created_at", "modified_at",
        ]


class AdverseEventInput(serializers.ModelSerializer):
    class Meta:
        model = AdverseEvent
        fields = [
            "onset_date", "resolved_on", "description", "severity", "ctcae_grade",
            "serious", "criterion_death", "criterion_life_threatening",
            "criterion_hospitalisation", "criterion_disability", "criterion_other_important",
            "relatedness", "action_taken", "outcome", "notes",
        ]
        validators = []


class SafetyGroupOutput(serializers.Serializer):
    arm = serializers.CharField(allow_null=True, help_text="Arm code; null for all arms.")
    label = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    patients = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class SafetyOutput(serializers.Serializer):
    study = serializers.CharField()
    pooled = serializers.BooleanField(help_text="True when arms are hidden from you.")
    measures = serializers.DictField(child=serializers.CharField())
    arms = SafetyGroupOutput(many=True)
    total = SafetyGroupOutput()
