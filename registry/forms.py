"""HTML forms. They check shape; the services in services.py decide."""

from django import forms

from registry.models import Condition, Patient, PatientCondition, Visit


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = [
            "site", "mrn", "given_name", "family_name", "date_of_birth", "sex",
            "ethnicity", "race", "enrolled_on", "status",
        ]
        widgets = {"date_of_birth": DateInput(), "enrolled_on": DateInput()}

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["site"].empty_label = None
        self.fields["date_of_birth"].help_text = "For example 1948-03-14."


class VisitForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = ["date", "kind", "weight_kg", "height_cm", "notes"]
        widgets = {
            "date": DateInput(),
            "weight_kg": forms.NumberInput(attrs={"step": "0.1", "min": 20, "max": 300}),
            "height_cm": forms.NumberInput(attrs={"step": "0.1", "min": 100, "max": 230}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "weight_kg": "Kilograms, 20–300.",
            "height_cm": "Centimetres, 100–230.",
        }


class PatientConditionForm(forms.ModelForm):
    condition = forms.ModelChoiceField(queryset=Condition.objects.all())

    class Meta:
        model = PatientCondition
        fields = ["condition", "onset_date", "notes"]
        widgets = {"onset_date": DateInput()}
