"""The registry's versioned frailty-index deficit definition.

Built by the standard procedure of Searle SD, Mitnitski A, Gahbauer EA, Gill TM,
Rockwood K. A standard procedure for creating a frailty index. BMC Geriatr 2008;8:24:
every deficit is health-related, becomes more prevalent with age, does not saturate too
early (not present in nearly everyone by old age), covers a range of systems, and is
asked identically at every visit. Each is mapped to [0, 1]: binary 0/1, ordinal in equal
steps (3 levels → 0, 0.5, 1), continuous measures by published cut points.

Changing any item (code, wording, cut point) changes the index: publish it as a new
`version`, never edit a released one, so stored scores stay comparable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from .base import UNABLE
from .exact import Bands, Cutoff, Exact, to_decimal, to_exact
from .fried import grip_cutoff

Kind = Literal["binary", "ordinal", "continuous"]

VERSION = "fi-registry-1"
# Searle 2008: "at least 30-40 deficits" keep the index stable; fewer is rejected.
MIN_ITEMS = 30
MIN_SYSTEMS = 3

BINARY = (0, 1)
ORDINAL_3 = (0, 0.5, 1)


class DefinitionError(ValueError):
    """A deficit definition that does not meet Searle's procedure."""


@dataclass(frozen=True)
class DeficitItem:
    """One deficit: how it is asked and which values in [0, 1] it may take."""

    code: str
    label: str
    system: str
    kind: Kind
    allowed_values: tuple[float, ...]
    condition_code: str | None = None
    help_text: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "system": self.system,
            "kind": self.kind,
            "allowed_values": list(self.allowed_values),
            "condition_code": self.condition_code,
            "help_text": self.help_text,
        }


@dataclass(frozen=True)
class FIDefinition:
    """A named, versioned list of deficits."""

    version: str
    items: tuple[DeficitItem, ...]

    def codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)

    def item(self, code: str) -> DeficitItem:
        return next(item for item in self.items if item.code == code)

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "items": [i.as_dict() for i in self.items]}


def _comorbidity(code: str, label: str) -> DeficitItem:
    # Item code = registry Condition code, so a recorded diagnosis pre-fills the item.
    help_text = "1 = diagnosed by a clinician (ever), 0 = not."
    return DeficitItem(code, label, "comorbidity", "binary", BINARY, code, help_text)


def _needs_help(system: str, code: str, label: str) -> DeficitItem:
    help_text = "1 = needs help from another person, 0 = independent."
    return DeficitItem(code, label, system, "binary", BINARY, help_text=help_text)


def _binary(system: str, code: str, label: str, help_text: str) -> DeficitItem:
    return DeficitItem(code, label, system, "binary", BINARY, help_text=help_text)


def _difficulty(code: str, label: str) -> DeficitItem:
    help_text = "0 = no difficulty, 0.5 = some difficulty, 1 = unable or much difficulty."
    return DeficitItem(code, label, "mobility", "ordinal", ORDINAL_3, help_text=help_text)


COMORBIDITIES = (
    _comorbidity("hypertension", "High blood pressure"),
    _comorbidity("diabetes", "Diabetes"),
    _comorbidity("cancer", "Cancer (other than minor skin cancer)"),
    _comorbidity("chronic_lung_disease", "Chronic lung disease"),
    _comorbidity("copd", "Chronic obstructive pulmonary disease"),
    _comorbidity("asthma", "Asthma"),
    _comorbidity("heart_attack", "Heart attack (myocardial infarction)"),
    _comorbidity("congestive_heart_failure", "Congestive heart failure"),
    _comorbidity("angina", "Angina"),
    _comorbidity("atrial_fibrillation", "Atrial fibrillation"),
    _comorbidity("peripheral_vascular_disease", "Peripheral vascular disease"),
    _comorbidity("stroke", "Stroke or transient ischaemic attack"),
    _comorbidity("arthritis", "Arthritis"),
    _comorbidity("osteoporosis", "Osteoporosis"),
    _comorbidity("kidney_disease", "Chronic kidney disease"),
    _comorbidity("cognitive_impairment", "Cognitive impairment or dementia"),
    _comorbidity("depression", "Depression (diagnosed)"),
)

ADL = (  # Katz basic activities of daily living.
    _needs_help("adl", "adl_bathing", "Help with bathing"),
    _needs_help("adl", "adl_dressing", "Help with dressing"),
    _needs_help("adl", "adl_eating", "Help with eating"),
    _needs_help("adl", "adl_toileting", "Help with toileting"),
    _needs_help("adl", "adl_transferring", "Help getting in and out of bed or a chair"),
    _needs_help("adl", "adl_grooming", "Help with grooming"),
)

IADL = (  # Lawton instrumental activities of daily living.
    _needs_help("iadl", "iadl_shopping", "Help with shopping"),
    _needs_help("iadl", "iadl_housework", "Help with housework"),
    _needs_help("iadl", "iadl_managing_money", "Help managing money"),
    _needs_help("iadl", "iadl_medications", "Help taking medications"),
    _needs_help("iadl", "iadl_telephone", "Help using the telephone"),
    _needs_help("iadl", "iadl_meal_preparation", "Help preparing meals"),
    _needs_help("iadl", "iadl_transportation", "Help with transport"),
    _needs_help("iadl", "iadl_laundry", "Help with laundry"),
)

SYMPTOMS = (
    _binary("symptoms", "falls", "Fall in the past 12 months", "1 = one or more falls."),
    _binary("symptoms", "urinary_incontinence", "Urinary incontinence",
            "1 = leaks urine at least weekly."),
    _binary("symptoms", "hearing_impairment", "Hearing problems in daily life",
            "1 = yes, even with a hearing aid."),
    _binary("symptoms", "vision_impairment", "Vision problems in daily life",
            "1 = yes, even with glasses."),
    _binary("symptoms", "poor_sleep", "Sleep problems most nights", "1 = yes."),
    _binary("symptoms", "chronic_pain", "Pain that limits daily activity", "1 = yes."),
    _binary("symptoms", "shortness_of_breath", "Short of breath walking on the level",
            "1 = yes."),
)

SELF_RATED_HEALTH = (
    DeficitItem("self_rated_health", "Self-rated health", "self_rated_health", "ordinal",
                ORDINAL_3,
                help_text="0 = excellent, very good or good; 0.5 = fair; 1 = poor."),
)

MOBILITY = (
    _difficulty("walking_400m", "Walking 400 m (a quarter mile)"),
    _difficulty("climbing_stairs", "Climbing one flight of stairs"),
    _difficulty("rising_from_chair", "Getting up from a chair"),
    _difficulty("bending_kneeling", "Stooping, kneeling or crouching"),
    _difficulty("lifting_5kg", "Lifting or carrying 5 kg"),
    _difficulty("reaching_overhead", "Reaching above shoulder level"),
)

MOOD = (  # CES-D style items, last week.
    _binary("mood", "mood_effort", "Felt everything was an effort", "1 = 3 or more days."),
    _binary("mood", "mood_depressed", "Felt depressed", "1 = 3 or more days."),
    _binary("mood", "mood_lonely", "Felt lonely", "1 = 3 or more days."),
)

MEASURED = (
    DeficitItem("bmi", "Body mass index", "anthropometry", "continuous", ORDINAL_3,
                help_text="From BMI: < 18.5 or ≥ 30 → 1; 25 to < 30 → 0.5; else 0."),
    DeficitItem("grip_strength", "Grip strength", "physical_performance", "continuous",
                BINARY, help_text="1 = weak by the Fried sex/BMI cut-offs (or unable)."),
)


def validate_definition(definition: FIDefinition) -> FIDefinition:
    """Reject a definition that breaks Searle's procedure; return it unchanged otherwise."""
    problems = _size_problems(definition) + _item_problems(definition.items)
    if problems:
        raise DefinitionError(f"frailty index {definition.version}: " + " ".join(problems))
    return definition


def _size_problems(definition: FIDefinition) -> list[str]:
    problems = []
    if len(definition.items) < MIN_ITEMS:
        problems.append(f"has {len(definition.items)} items; at least {MIN_ITEMS} required.")
    if len({item.system for item in definition.items}) < MIN_SYSTEMS:
        problems.append(f"must cover at least {MIN_SYSTEMS} systems.")
    codes = definition.codes()
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        problems.append(f"duplicate item codes: {', '.join(duplicates)}.")
    return problems


def _item_problems(items: Iterable[DeficitItem]) -> list[str]:
    problems = []
    for item in items:
        values = item.allowed_values
        if min(values, default=None) != 0 or max(values, default=None) != 1:
            problems.append(f"{item.code}: values must run from 0 to 1.")
        if item.kind == "binary" and tuple(values) != BINARY:
            problems.append(f"{item.code}: a binary item takes 0 and 1 only.")
        if item.kind == "ordinal" and not _equal_steps(values):
            problems.append(f"{item.code}: ordinal levels must be equally spaced.")
        if item.system == "comorbidity" and not item.condition_code:
            problems.append(f"{item.code}: comorbidity items need a condition code.")
    return problems


def _equal_steps(values: tuple[float, ...]) -> bool:
    steps = {to_decimal(b) - to_decimal(a) for a, b in zip(values, values[1:], strict=False)}
    return len(steps) == 1


DEFINITION = validate_definition(
    FIDefinition(
        version=VERSION,
        items=COMORBIDITIES + ADL + IADL + SYMPTOMS + SELF_RATED_HEALTH + MOBILITY + MOOD
        + MEASURED,
    )
)


# ---------------------------------------------------------------- continuous mappings

# Obesity and underweight cut points of WHO (2000) as used in published frailty indices:
# BMI < 18.5 or ≥ 30 → 1; 25 ≤ BMI < 30 → 0.5; else 0 (docs/instruments.md §3), on the exact BMI.
WHO = "WHO 2000 BMI classification (TRS 894); docs/instruments.md §3"
BMI_DEFICIT = Bands(
    (
        (Cutoff("<", "18.5", WHO), 1),
        (Cutoff("<", 25, WHO), 0),
        (Cutoff("<", 30, WHO), 0.5),
    ),
    otherwise=1,
)


def bmi_deficit(bmi: Exact | float) -> float:
    """The BMI item's value; pass the exact BMI (base.body_mass_index), as a float is read
    as its decimal text."""
    return BMI_DEFICIT(to_exact(bmi))


def grip_deficit(sex: str, bmi: Exact | float, grip_kg: Any) -> int:
    """1 when grip is at or below the Fried 2001 cut-off for sex and BMI (unable = weak)."""
    if grip_kg == UNABLE:
        return 1
    return int(grip_cutoff(sex, to_exact(bmi)).met_by(to_decimal(grip_kg)))


def prefill_from_context(
    conditions: set[str], bmi: Exact | float | None = None, sex: str | None = None,
    grip_kg: Any = None,
) -> dict[str, float]:
    """Suggested deficit values from what the registry already holds. Pass the exact BMI
    (base.body_mass_index of the visit's height and weight), not the database's float.

    Comorbidity items are 1 when the condition is on the patient's record and 0 when it is
    not (the record is the registry's problem list); the clinician confirms the form.
    Items the context cannot answer are left out (missing), never guessed.
    """
    values: dict[str, float] = {
        item.code: int(item.condition_code in conditions)
        for item in DEFINITION.items
        if item.condition_code
    }
    if bmi is not None:
        values["bmi"] = bmi_deficit(bmi)
    if _grip_known(sex, bmi, grip_kg):
        values["grip_strength"] = grip_deficit(sex, bmi, grip_kg)
    return values


def _grip_known(sex: str | None, bmi: Any, grip_kg: Any) -> bool:
    if grip_kg == UNABLE:
        return True
    is_measured = grip_kg is not None and not isinstance(grip_kg, str)
    return is_measured and sex is not None and bmi is not None
