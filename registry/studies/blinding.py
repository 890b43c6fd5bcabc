"""Blinding: what a person may see of the records of a blinded study. The one masking layer.

In a blinded study, only people with the `registry.unblinded` permission see treatment
assignment. Everything that could tell a placebo patient from an active one is an
arm-revealing field:

- of an enrolment: the arm (name and code) and the allocation used;
- of an intervention given in the study: the product or programme wording, the
  description, the dose, its unit (and whether there is a dose at all), the volume, the
  rate and the notes. Kind, route and dates are the same in every arm of a protocol and
  stay visible.

For a person who may not see the arms, each of these is replaced by the same value,
`BLINDED`, whatever it holds: a placebo infusion with no dose and an active one of
100 million cells read alike, with the same keys and the same types. Pages, API
serializers, the timeline (page and API), history, exports and error messages all ask
this module; none of them masks by itself. Decisions: docs/studies.md ("Blinding") and
docs/security.md ("Blinding").
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied

from registry.access import can_see_arm
from registry.models import Enrollment, Intervention, Study


class _Blinded(str):
    """The word "blinded". A str everywhere (JSON, CSV, comparisons); in a template it
    renders emphasised, so no page needs its own test for masked values."""

    __slots__ = ()

    def __html__(self) -> str:
        return f"<em>{self}</em>"


BLINDED = _Blinded("blinded")

# Field names as they appear on the models, in API bodies, timeline entries and page
# rows alike, so one list serves every reader.
ENROLLMENT_FIELDS = frozenset({"arm", "arm_code", "allocation"})
INTERVENTION_FIELDS = frozenset({
    "product", "description", "dose", "dose_unit", "volume_ml", "rate_ml_min", "notes",
})
_FIELDS = {Enrollment: ENROLLMENT_FIELDS, Intervention: INTERVENTION_FIELDS}

EDIT_REFUSED = (
    "This record belongs to a blinded study and editing it would show what reveals the "
    "arm: only people with the unblinded permission can edit it."
)


def arm_visible(user, study: Study) -> bool:
    """Whether this person may see arms (and anything derived from them) in this study."""
    return can_see_arm(user, study)


def study_hidden(user, study: Study | None) -> bool:
    """Whether this study's arm-revealing fields are masked for this person."""
    return study is not None and not arm_visible(user, study)


def masked_fields(model) -> frozenset[str]:
    """The arm-revealing fields of a model (none for records that reveal no arm)."""
    return _FIELDS.get(model, frozenset())


def masked(values: Mapping[str, Any], fields: frozenset[str], *, hide: bool) -> dict:
    """`values` with every key in `fields` replaced by BLINDED when `hide`; all keys kept."""
    if not hide:
        return dict(values)
    return {key: BLINDED if key in fields else value for key, value in values.items()}


# --- Enrolments ---------------------------------------------------------------------------


def enrollment_hidden(user, enrollment: Enrollment) -> bool:
    return study_hidden(user, enrollment.study)


def enrollment_shown(user, enrollment: Enrollment, values: Mapping[str, Any]) -> dict:
    """An enrolment's values (page row, API body) as this person may see them."""
    return masked(values, ENROLLMENT_FIELDS, hide=enrollment_hidden(user, enrollment))


def allocation_text(enrollment: Enrollment) -> str:
    return f"#{enrollment.allocation.sequence}" if enrollment.allocation_id else "by hand"


def enrollment_row(user, enrollment: Enrollment) -> dict:
    """What a page shows of an enrolment: the record (study, date), arm and allocation."""
    return enrollment_shown(user, enrollment, {
        "enrollment": enrollment,
        "arm": enrollment.arm.name,
        "arm_code": enrollment.arm.code,
        "allocation": allocation_text(enrollment),
    })


def arm_label_for(user, enrollment: Enrollment) -> str:
    """The arm as this person may see it: its name, or "blinded"."""
    return enrollment_shown(user, enrollment, {"arm": enrollment.arm.name})["arm"]


def arm_code_for(user, enrollment: Enrollment) -> str:
    return enrollment_shown(user, enrollment, {"arm_code": enrollment.arm.code})["arm_code"]


def arm_code_in(*, code: str, visible: bool) -> str:
    """An arm code for readers that load arms in bulk (exports): the code, or BLINDED."""
    return masked({"arm_code": code}, ENROLLMENT_FIELDS, hide=not visible)["arm_code"]


# --- Interventions ------------------------------------------------------------------------


def intervention_hidden(user, intervention: Intervention) -> bool:
    enrollment = intervention.enrollment
    return study_hidden(user, enrollment.study if enrollment is not None else None)


def intervention_shown(user, intervention: Intervention, values: Mapping[str, Any]) -> dict:
    """An intervention's values (page row, timeline entry, API body) as this person may
    see them. Interventions outside any study are never masked."""
    return masked(values, INTERVENTION_FIELDS, hide=intervention_hidden(user, intervention))


def dose_text(intervention: Intervention) -> str | None:
    """The dose with its unit, e.g. "100 million cells"; None when there is none."""
    if intervention.dose is None:
        return None
    return f"{intervention.dose.normalize():f} {intervention.dose_unit}".strip()


def intervention_row(user, intervention: Intervention) -> dict:
    """What the patient page shows of an intervention (and whether it may be edited)."""
    return intervention_shown(user, intervention, {
        "intervention": intervention,
        "product": intervention.product,
        "description": intervention.description,
        "dose": dose_text(intervention) or "—",
        "dose_unit": intervention.dose_unit,
        "volume_ml": intervention.volume_ml,
        "rate_ml_min": intervention.rate_ml_min,
        "notes": intervention.notes,
        "editable": not intervention_hidden(user, intervention),
    })


# --- Refusals -----------------------------------------------------------------------------


def require_unmasked(user, record) -> None:
    """Refuse (403) a form that would show a masked record's values. The message is the
    same for every record of every arm."""
    hidden = {Enrollment: enrollment_hidden, Intervention: intervention_hidden}[type(record)]
    if hidden(user, record):
        raise PermissionDenied(EDIT_REFUSED)
