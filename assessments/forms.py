"""Visit-entry forms built from each instrument's input schema (assessments/scoring).

One form per instrument, prefixed with its code. The schema decides the widgets; the
scoring module decides validity (ranges and messages), so the rules live in one place.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from assessments.scoring import Field, Instrument
from assessments.scoring.base import PERFORMANCE_STATUSES
from core.numbers import json_number

# Filled from the patient and the visit's anthropometrics (docs/instruments.md §0, context).
CONTEXT_FIELDS = {"sex", "age_years", "height_cm", "weight_kg", "weight_now_kg"}
STATUS_SUFFIX = "__status"
DEFICIT_PREFIX = "deficit__"
YES_NO = [("", "—"), ("yes", "Yes"), ("no", "No")]
STATUS_LABELS = {
    "": "Measured", "unable": "Unable", "refused": "Refused", "not_done": "Not done",
}


UNIT_TOKENS = {"kg", "s", "cm", "m", "l"}
WORDS = {"cesd": "CES-D", "15ft": "15 ft", "fev1": "FEV1", "fvc": "FVC", "pcs": "PCS",
         "mcs": "MCS", "1y": "1 year", "4plus": "4 or more", "10lb": "10 lb", "5": "5"}


def _label(f: Field) -> str:
    """A readable label: the unit is shown beside the field, so drop it from the name."""
    tokens = f.name.split("_")
    while len(tokens) > 1 and tokens[-1] in UNIT_TOKENS:
        tokens.pop()
    text = " ".join(WORDS.get(t, t) for t in tokens)
    return text[:1].upper() + text[1:]


def _number_attrs(f: Field) -> dict:
    attrs = {"step": "any", "inputmode": "decimal"}
    if f.min is not None:
        attrs["min"] = f.min
    if f.max is not None:
        attrs["max"] = f.max
    return attrs


def _choice_field(f: Field) -> forms.Field:
    mapping = {str(c): c for c in f.choices}
    return forms.TypedChoiceField(
        choices=[("", "—"), *[(str(c), str(c).replace("_", " ")) for c in f.choices]],
        coerce=mapping.get, empty_value=None, required=False,
    )


def _list_field(f: Field) -> forms.Field:
    if f.choices:
        return forms.MultipleChoiceField(
            choices=[(c, c.replace("_", " ")) for c in f.choices],
            widget=forms.CheckboxSelectMultiple, required=False,
        )
    return forms.CharField(
        required=False, help_text="Separate values with commas, e.g. 22.5, 24, 23."
    )


def build_field(f: Field) -> forms.Field:
    if f.type in ("number", "performance"):
        return forms.DecimalField(required=False, widget=forms.NumberInput(_number_attrs(f)))
    if f.type == "integer":
        return forms.IntegerField(required=False, widget=forms.NumberInput(_number_attrs(f)))
    if f.type == "boolean":
        return forms.TypedChoiceField(
            choices=YES_NO, coerce=lambda v: v == "yes", empty_value=None, required=False
        )
    if f.type == "choice":
        return _choice_field(f)
    if f.type == "list":
        return _list_field(f)
    return forms.CharField(required=False, max_length=int(f.max or 500))


class InstrumentForm(forms.Form):
    """The section of the visit page for one instrument."""

    def __init__(self, instrument: Instrument, *args, initial_inputs=None, **kwargs):
        super().__init__(*args, prefix=instrument.code, **kwargs)
        self.instrument = instrument
        self.schema_fields = [f for f in instrument.fields if f.name not in CONTEXT_FIELDS]
        for f in self.schema_fields:
            if f.type == "object":
                self._add_deficits()
                continue
            self.fields[f.name] = build_field(f)
            self.fields[f.name].label = _label(f)
            self.fields[f.name].unit = f.unit
            self.fields[f.name].help_text = f.help_text
            if f.type == "performance":
                self.fields[f.name + STATUS_SUFFIX] = forms.ChoiceField(
                    choices=[(s, STATUS_LABELS[s]) for s in ("", *PERFORMANCE_STATUSES)],
                    required=False, label=f"{_label(f)}: result",
                )
        if initial_inputs:
            self.initial.update(self._initial_from(initial_inputs))

    def _add_deficits(self) -> None:
        for item in self.instrument.definition["items"]:
            name = DEFICIT_PREFIX + item["code"]
            choices = [("", "— missing")] + [(str(v), str(v)) for v in item["allowed_values"]]
            self.fields[name] = forms.TypedChoiceField(
                choices=choices, coerce=float, empty_value=None, required=False,
                label=item["label"], help_text=item.get("help_text", ""),
            )
            self.fields[name].group = item.get("system")

    def _initial_from(self, inputs: dict) -> dict:
        initial = {}
        for name, value in inputs.items():
            if name == "deficits" and isinstance(value, dict):
                initial.update({DEFICIT_PREFIX + k: _fmt(v) for k, v in value.items()})
            elif value in PERFORMANCE_STATUSES:
                initial[name + STATUS_SUFFIX] = value
            elif isinstance(value, bool):
                initial[name] = "yes" if value else "no"
            elif isinstance(value, float):
                # Decimal, as the form field cleans it: 7.4 must compare equal to "7.4".
                initial[name] = Decimal(str(value))
            elif isinstance(value, list) and name in self.fields and not isinstance(
                self.fields[name], forms.MultipleChoiceField
            ):
                initial[name] = ", ".join(str(v) for v in value)
            else:
                initial[name] = value
        return initial

    def has_data(self) -> bool:
        """Whether the clinician entered something in this section.

        A section left empty records nothing, and so does one left exactly as pre-filled
        (conditions for FRAIL and the frailty index) or as previously saved: saving the
        page again must not re-score it or write history for it.
        """
        if not self.is_bound or not self.has_changed():
            return False
        return any(self.data.get(self.add_prefix(name), "") != "" for name in self.fields)

    def inputs(self) -> dict[str, Any]:
        """The cleaned section as instrument inputs (absent keys are missing)."""
        data = self.cleaned_data
        inputs: dict[str, Any] = {}
        deficits = {
            name[len(DEFICIT_PREFIX):]: data[name]
            for name in data
            if name.startswith(DEFICIT_PREFIX) and data[name] is not None
        }
        if any(f.type == "object" for f in self.schema_fields):
            inputs["deficits"] = deficits
        for f in self.schema_fields:
            value = self._value(f, data)
            if value not in (None, "", []):
                inputs[f.name] = value
        return inputs

    def _value(self, f: Field, data: dict) -> Any:
        if f.type == "object":
            return None
        if f.type == "performance" and data.get(f.name + STATUS_SUFFIX):
            return data[f.name + STATUS_SUFFIX]
        value = data.get(f.name)
        if f.type == "list" and isinstance(value, str):
            return _number_list(value)
        return json_number(value)

    def clean(self):
        cleaned = super().clean()
        for f in self.schema_fields:
            raw = cleaned.get(f.name)
            if f.type == "list" and isinstance(raw, str) and raw.strip():
                try:
                    _number_list(raw)
                except ValueError:
                    self.add_error(f.name, "Enter numbers separated by commas, e.g. 22.5, 24.")
        return cleaned

    def add_scoring_errors(self, errors: dict[str, list[str]]) -> None:
        """Put the scoring module's messages next to the fields they name."""
        for key, messages in errors.items():
            name = key.replace("deficits.", DEFICIT_PREFIX) if key.startswith("deficits.") else key
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)


def _number_list(text: str) -> list[float]:
    try:
        return [json_number(Decimal(part.strip())) for part in text.split(",") if part.strip()]
    except InvalidOperation:
        raise ValueError(text) from None


def _fmt(value: Any) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
