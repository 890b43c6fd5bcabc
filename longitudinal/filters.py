"""The cohort filters, validated once for the dashboard page, its API and drill-downs."""

import datetime as dt

from django import forms
from django.core.exceptions import PermissionDenied

from registry.access import sites_visible_to
from registry.models import Sex, Study
from registry.selectors import condition_exists
from registry.studies.selectors import (
    arm_exists,
    arm_visible,
    study_by_code,
    study_choices,
    study_exists,
    study_if_only_one,
)

AGE_BANDS = {"65-74": (65, 74), "75-84": (75, 84), "85+": (85, None)}


class CohortFilterForm(forms.Form):
    site = forms.CharField(required=False, help_text="Site code")
    sex = forms.ChoiceField(choices=[("", "Any"), *Sex.choices], required=False)
    age_band = forms.ChoiceField(
        choices=[("", "Any"), *[(b, b) for b in AGE_BANDS]], required=False, label="Age band"
    )
    age_min = forms.IntegerField(required=False, min_value=0, max_value=130)
    age_max = forms.IntegerField(required=False, min_value=0, max_value=130)
    study = forms.CharField(required=False, help_text="Study code")
    arm = forms.CharField(required=False, help_text="Arm code (unblinded users only)")
    enrolled_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    enrolled_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    condition = forms.CharField(required=False, help_text="Condition code, e.g. diabetes")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Offer the person's sites and the studies as lists; values are still checked
        # in clean_* so that the API gives the same messages for typed-in codes.
        sites = sites_visible_to(user).values_list("code", "name")
        self.fields["site"].widget = forms.Select(choices=[("", "All my sites"), *sites])
        studies = study_choices()
        self.fields["study"].widget = forms.Select(choices=[("", "Any / all"), *studies])

    def clean_site(self):
        code = self.cleaned_data["site"]
        if code and not sites_visible_to(self.user).filter(code=code).exists():
            raise forms.ValidationError(f"Unknown site {code!r}, or not one of your sites.")
        return code

    def clean_condition(self):
        code = self.cleaned_data["condition"]
        if code and not condition_exists(code=code):
            raise forms.ValidationError(f"Unknown condition {code!r}.")
        return code

    def clean_study(self):
        code = self.cleaned_data["study"]
        if code and not study_exists(code=code):
            raise forms.ValidationError(f"Unknown study {code!r}.")
        return code

    def clean(self):
        data = super().clean()
        _check_order(self, data, "age_min", "age_max", "age_max is below age_min.")
        _check_order(
            self, data, "enrolled_from", "enrolled_to", "enrolled_to is before enrolled_from."
        )
        if data.get("arm"):
            self._check_arm(data)
        return data

    def _check_arm(self, data) -> None:
        study = self.selected_study()
        if study is None:
            self.add_error("study", "Choose the study whose arm you filter on.")
            return
        if not arm_visible(self.user, study):
            raise PermissionDenied("This study is blinded: filtering by arm is not allowed.")
        if not arm_exists(study=study, code=data["arm"]):
            self.add_error("arm", f"Unknown arm {data['arm']!r} in study {study.code}.")

    def selected_study(self) -> Study | None:
        code = self.cleaned_data.get("study")
        if code:
            return study_by_code(code=code)
        return study_if_only_one()

    def active(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


def _check_order(form, data, low, high, message) -> None:
    if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
        form.add_error(high, message)


def birth_range(today: dt.date, age_min: int | None, age_max: int | None):
    """Dates of birth of people aged age_min..age_max (inclusive) today."""
    latest = _years_before(today, age_min) if age_min is not None else None
    earliest = (
        _years_before(today, age_max + 1) + dt.timedelta(days=1) if age_max is not None else None
    )
    return earliest, latest


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
