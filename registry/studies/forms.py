"""HTML forms for studies, enrolment, interventions and adverse events.

They check shape (types, required fields, choices); registry/studies/services.py decides.
Help texts carry the units so that each field is understandable on its own.
"""

from django import forms

from registry.access import can_unblind
from registry.forms import DateInput
from registry.models import (
    AdverseEvent,
    Arm,
    Enrollment,
    Intervention,
    Study,
    Timepoint,
)

MAX_UPLOAD_BYTES = 1_000_000


class ServiceValidatedForm(forms.ModelForm):
    """A ModelForm that checks field shapes only and leaves the model alone.

    The service validates the record (with messages attached to the right field) and
    saves it; letting the form run the model's constraints first would show the same
    rule twice, and as a message detached from its field.
    """

    def _post_clean(self):
        pass


class StudyForm(ServiceValidatedForm):
    class Meta:
        model = Study
        fields = ["code", "name", "registration_id", "blinded", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class ArmForm(ServiceValidatedForm):
    class Meta:
        model = Arm
        fields = ["code", "name", "dose", "dose_unit", "placebo", "description"]
        widgets = {
            "dose": forms.NumberInput(attrs={"step": "any", "min": 0}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"dose": "Amount per administration, in the unit below. Empty for placebo."}


class TimepointForm(ServiceValidatedForm):
    class Meta:
        model = Timepoint
        fields = ["code", "name", "target_day", "window_before", "window_after"]


class AllocationUploadForm(forms.Form):
    file = forms.FileField(
        label="Allocation list (CSV)",
        help_text="A CSV file whose first line is site,sequence,arm, then one allocation "
                  "per line, e.g. A,1,D100. Sequences are used in order within each site.",
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("Save the file as UTF-8 text (CSV).") from None


class AllocationEditForm(forms.Form):
    arm = forms.ModelChoiceField(queryset=Arm.objects.none(), empty_label=None)
    reason = forms.CharField(
        max_length=100,
        help_text="Why the allocation changes (kept in its history), e.g. a correction "
                  "from the trial statistician.",
    )

    def __init__(self, *args, study, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["arm"].queryset = study.arms.all()


class ArmChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, arm) -> str:
        return f"{arm.study.code}: {arm.name}"


class EnrollmentForm(forms.Form):
    study = forms.ModelChoiceField(queryset=Study.objects.all())
    enrolled_on = forms.DateField(
        label="Study enrolment date", widget=DateInput(), help_text="For example 2025-06-02."
    )
    use_allocation = forms.BooleanField(
        label="Use the next entry of the site's allocation list", required=False,
        help_text="Required in blinded studies unless you are unblinded.",
    )
    arm = ArmChoiceField(
        queryset=Arm.objects.none(), required=False, empty_label="— from the allocation list —",
        help_text="Choose an arm by hand only in open studies (or when you are unblinded).",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        arms = Arm.objects.select_related("study").order_by("study__code", "code")
        if not can_unblind(user):
            # A blinded person is never offered the arms of a blinded study.
            arms = arms.filter(study__blinded=False)
        self.fields["arm"].queryset = arms

    def clean(self):
        data = super().clean()
        if data.get("arm") and data.get("use_allocation"):
            self.add_error("arm", "Choose an arm or use the allocation list, not both.")
        elif not data.get("arm") and not data.get("use_allocation"):
            self.add_error("arm", "Choose an arm or use the allocation list.")
        return data


class InterventionForm(ServiceValidatedForm):
    class Meta:
        model = Intervention
        fields = [
            "enrollment", "kind", "product", "description", "dose", "dose_unit", "route",
            "start_date", "end_date", "volume_ml", "rate_ml_min", "notes",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "dose": forms.NumberInput(attrs={"step": "any", "min": 0}),
            "volume_ml": forms.NumberInput(attrs={"step": "0.1", "min": 0, "max": 5000}),
            "rate_ml_min": forms.NumberInput(attrs={"step": "0.01", "min": 0, "max": 500}),
            "description": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "enrollment": "The study this was given in; its visit schedule and safety "
                          "table count from the study's first intervention.",
            "dose": "Amount in the unit below, e.g. 100 (million cells).",
            "volume_ml": "Millilitres actually given, e.g. 80.",
            "rate_ml_min": "Millilitres per minute, e.g. 2.",
            "start_date": "For example 2025-06-02.",
        }

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["enrollment"]
        field.queryset = Enrollment.objects.filter(patient=patient).select_related("study")
        field.label_from_instance = lambda e: f"{e.study.code} — {e.study.name}"
        field.empty_label = "Not part of a study"


class AdverseEventForm(ServiceValidatedForm):
    class Meta:
        model = AdverseEvent
        fields = [
            "onset_date", "resolved_on", "description", "severity", "ctcae_grade",
            "serious", "criterion_death", "criterion_life_threatening",
            "criterion_hospitalisation", "criterion_disability", "criterion_other_important",
            "relatedness", "action_taken", "outcome", "notes",
        ]
        widgets = {
            "onset_date": DateInput(),
            "resolved_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"onset_date": "For example 2025-06-02."}

