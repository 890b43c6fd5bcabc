"""HTML forms: the manual panel, the CSV upload and the inbox decisions. Shape only; the
services decide (units, plausibility, dates)."""

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone


class LabPanelForm(forms.Form):
    """A panel for one visit: a value and a unit per analyte; empty rows are skipped."""

    visit = forms.TypedChoiceField(coerce=int, label="Visit")
    collected_time = forms.TimeField(
        label="Collection time",
        initial=dt.time(9, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Time of the blood draw on the visit date (local time).",
    )

    def __init__(self, *args, analytes, visits, **kwargs):
        super().__init__(*args, **kwargs)
        self.analytes = list(analytes)
        self.visits = {visit.pk: visit for visit in visits}
        self.fields["visit"].choices = [
            (v.pk, f"{v.date:%Y-%m-%d} — {v.get_kind_display()}") for v in visits
        ]
        for analyte in self.analytes:
            units = [u["symbol"] for u in analyte.definition["units"]]
            self.fields[f"value_{analyte.code}"] = forms.CharField(
                label=f"{analyte.name} ({analyte.code})",
                required=False,
                max_length=32,
                help_text='A number with a dot; "<0.5" for a value below the assay limit.',
            )
            self.fields[f"unit_{analyte.code}"] = forms.ChoiceField(
                label=f"Unit of {analyte.code}",
                choices=[(u, u) for u in units],
                initial=units[0],
                required=False,  # only rows with a value count; the service names a missing unit
            )

    def rows(self, *, core: bool):
        """(analyte, value field, unit field) for the core or the other analytes."""
        return [
            (a, self[f"value_{a.code}"], self[f"unit_{a.code}"])
            for a in self.analytes
            if a.is_core == core
        ]

    @property
    def rows_core(self):
        return self.rows(core=True)

    @property
    def rows_other(self):
        return self.rows(core=False)

    @property
    def other_has_data(self) -> bool:
        return any(value.value() or value.errors for _, value, _ in self.rows_other)

    def clean(self):
        data = super().clean()
        if not self.entries():
            raise forms.ValidationError("Enter at least one value.")
        return data

    def entries(self) -> list[dict]:
        data = getattr(self, "cleaned_data", {})
        return [
            {"analyte": a.code, "value": data[f"value_{a.code}"], "unit": data[f"unit_{a.code}"]}
            for a in self.analytes
            if data.get(f"value_{a.code}")
        ]

    def collected_at(self) -> dt.datetime:
        visit = self.visits[self.cleaned_data["visit"]]
        moment = dt.datetime.combine(visit.date, self.cleaned_data["collected_time"])
        return timezone.make_aware(moment)


class LabUploadForm(forms.Form):
    source_name = forms.CharField(
        label="Laboratory or feed name",
        max_length=100,
        initial="CSV upload",
        help_text=(
            "External ids are unique within one of your feeds; reuse the name for resends. "
            "Feeds are per uploader: a colleague's feed of the same name is another feed."
        ),
    )
    file = forms.FileField(label="CSV file", help_text="UTF-8, columns as in the guide.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.LAB_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size} bytes; the limit is {settings.LAB_UPLOAD_MAX_BYTES}."
            )
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text.") from None
        if "\x00" in text:
            # PostgreSQL text cannot hold NUL; a spreadsheet saved as UTF-16 or a binary
            # file renamed .csv is the usual cause.
            raise forms.ValidationError(
                "The file contains NUL characters (0x00), so it is not CSV text: save it "
                'again from the spreadsheet as "CSV UTF-8".'
            )
        return upload.name, text


class ParkedMatchForm(forms.Form):
    study_id = forms.CharField(
        label="Study id of the patient", max_length=16, help_text="For example FR-000123."
    )


class ParkedDiscardForm(forms.Form):
    note = forms.CharField(label="Reason for discarding", max_length=300)
