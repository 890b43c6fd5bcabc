"""The biomarker catalogue: every analyte of docs/biomarkers.md as immutable data.

Source: docs/biomarkers.md §1 (analytes, LOINC codes, units and factors), §3
(thresholds and their sources) and §5 (pre-analytical facts). The page warns that public
code tables often carry wrong LOINC codes, so this module is seeded from it alone.

Plain Python, no Django import: a data migration loads ``as_dict()`` of every analyte
into a table, and the parsers and unit conversion read it directly. Decimals are
serialised as strings so that the dicts survive JSON without binary-float rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# Spelling variants per unit symbol. A symbol has the same spellings whichever analyte
# accepts it, so they are kept once here (docs/biomarkers.md §1: units arrive in UCUM and in
# lab spellings). Case, µ/μ/mc and whitespace are also normalised generically in
# biomarkers.units; the lists below name the spellings labs are known to send.
_SPELLINGS: dict[str, tuple[str, ...]] = {
    "pg/mL": ("pg/ml", "PG/ML"),
    "ng/L": ("ng/l", "NG/L"),
    "ng/mL": ("ng/ml", "NG/ML"),
    "mg/L": ("mg/l", "MG/L"),
    "mg/dL": ("mg/dl", "MG/DL"),
    "ug/mL": ("µg/mL", "μg/mL", "mcg/mL", "ug/ml", "UG/ML"),
    "ug/L": ("µg/L", "μg/L", "mcg/L", "ug/l"),
    "g/L": ("g/l", "G/L"),
    "g/dL": ("g/dl", "G/DL", "gm/dL"),
    "10*3/uL": ("10^3/uL", "x10^3/uL", "10E3/uL", "x10E3/uL", "K/uL", "thou/uL", "10*3/µL"),
    "10*9/L": ("10^9/L", "x10^9/L", "10E9/L", "x10E9/L", "×10⁹/L"),
    # 1 mm³ is exactly 1 µL, so "/mm3" is a spelling of "/uL", not a conversion.
    "/uL": ("/µL", "/mm3", "per uL"),
    "{cells}/uL": ("cells/uL", "cells/µL", "cells/mm3", "{cells}/mm3"),
    "nmol/L": ("nmol/l", "NMOL/L"),
    "%": ("percent", "pct"),
    "[IU]/dL": ("IU/dL", "iu/dl"),
    "[IU]/mL": ("IU/mL", "iu/ml"),
}

# Molar spellings are known to the normaliser so that it can name them in its refusal
# (docs/biomarkers.md §1: molar results are rejected unless a factor is documented as exact).
MOLAR_UNIT_SYMBOLS: tuple[str, ...] = ("mol/L", "mmol/L", "umol/L", "nmol/L", "pmol/L")


@dataclass(frozen=True)
class Unit:
    """One accepted unit of an analyte: its UCUM symbol and the factor to canonical."""

    symbol: str
    factor: Decimal  # canonical value = reported value × factor
    variants: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "factor": str(self.factor), "variants": list(self.variants)}


@dataclass(frozen=True)
class Threshold:
    """A band or cut-off in canonical units; a value inside it raises ``flag``.

    ``low``/``high`` of None mean unbounded. For the age-adjusted D-dimer cut-off
    (docs/biomarkers.md §3, ADJUST-PE) ``low`` becomes age × ``age_factor`` when the patient
    is older than ``age_adjusted_over`` years.
    """

    flag: str
    label: str
    source: str
    low: Decimal | None = None
    low_inclusive: bool = True
    high: Decimal | None = None
    high_inclusive: bool = False
    age_adjusted_over: int | None = None
    age_factor: Decimal | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "flag": self.flag,
            "label": self.label,
            "source": self.source,
            "low": _str_or_none(self.low),
            "low_inclusive": self.low_inclusive,
            "high": _str_or_none(self.high),
            "high_inclusive": self.high_inclusive,
            "age_adjusted_over": self.age_adjusted_over,
            "age_factor": _str_or_none(self.age_factor),
        }


@dataclass(frozen=True)
class ReferenceNote:
    """A published reference figure shown beside results but never turned into a flag."""

    text: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "source": self.source}


@dataclass(frozen=True)
class Analyte:
    """A catalogued analyte (docs/biomarkers.md §1): codes, units, bounds and thresholds."""

    code: str
    name: str
    loinc_codes: tuple[str, ...]  # primary first
    canonical_unit: str
    units: tuple[Unit, ...]  # the canonical unit's own entry first
    plausible_min: Decimal
    plausible_max: Decimal
    plausibility_source: str
    specimen: str = ""
    # D-dimer only: the measurand marker that a unit string may carry ({FEU}/{DDU}).
    unit_annotation: str | None = None
    thresholds: tuple[Threshold, ...] = ()
    reference_notes: tuple[ReferenceNote, ...] = ()
    detection_limit_note: str = ""
    notes: tuple[str, ...] = ()
    is_core: bool = False

    @property
    def primary_loinc(self) -> str:
        return self.loinc_codes[0]

    def accepted_unit_symbols(self) -> tuple[str, ...]:
        return tuple(unit.symbol for unit in self.units)

    def unit_for(self, symbol: str) -> Unit | None:
        """The accepted unit with this exact (already normalised) symbol, if any."""
        return next((unit for unit in self.units if unit.symbol == symbol), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "loinc_codes": list(self.loinc_codes),
            "canonical_unit": self.canonical_unit,
            "units": [unit.as_dict() for unit in self.units],
            "plausible_min": str(self.plausible_min),
            "plausible_max": str(self.plausible_max),
            "plausibility_source": self.plausibility_source,
            "specimen": self.specimen,
            "unit_annotation": self.unit_annotation,
            "thresholds": [threshold.as_dict() for threshold in self.thresholds],
            "reference_notes": [note.as_dict() for note in self.reference_notes],
            "detection_limit_note": self.detection_limit_note,
            "notes": list(self.notes),
            "is_core": self.is_core,
        }


class UnknownAnalyteError(LookupError):
    """No catalogued analyte answers to this code or LOINC."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # LookupError would quote the message like a key
        return self.message


class RejectedLoincError(UnknownAnalyteError):
    """A LOINC that docs/biomarkers.md §1 names explicitly as *not* a catalogued analyte."""


def _str_or_none(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _unit(symbol: str, factor: str) -> Unit:
    return Unit(symbol=symbol, factor=Decimal(factor), variants=_SPELLINGS.get(symbol, ()))


def _units(*pairs: tuple[str, str]) -> tuple[Unit, ...]:
    return tuple(_unit(symbol, factor) for symbol, factor in pairs)


# Unit sets shared by several analytes ("as IL6", "as CRP", "as FEU" in docs/biomarkers.md §1).
_CYTOKINE_UNITS = _units(("pg/mL", "1"), ("ng/L", "1"), ("ng/mL", "1000"))
_CRP_UNITS = _units(("mg/L", "1"), ("mg/dL", "10"), ("ug/mL", "1"), ("g/L", "1000"))
_DDIMER_UNITS = _units(("ng/mL", "1"), ("ug/L", "1"), ("ug/mL", "1000"), ("mg/L", "1000"))

# Texts below reach senders and export readers: "biomarkers.md §n" is docs/biomarkers.md §n.
_SPEC = "biomarkers.md §1"
_REGISTRY_BOUND = "registry choice (biomarkers.md §1 asks for per-analyte bounds)"
_CENSORED = (
    "Results below the assay's limit arrive censored ('<0.5'); the number, comparator "
    "and raw string are stored and LOD/2 is never substituted (biomarkers.md §2)."
)
_CYTOKINE_PREANALYTICS = (
    "Cytokines vary by time of day and rise when serum stays on the clot; trends across "
    "different assays are not comparable (biomarkers.md §5)."
)
# Mayo HSCRP / docs/biomarkers.md §3: CRP or hs-CRP at or above this suggests acute
# inflammation; such samples stay out of chronic-inflammation trends.
ACUTE_INFLAMMATION_MG_L = Decimal("10")
ACUTE_INFLAMMATION_ANALYTES = frozenset({"CRP", "HSCRP"})

_ACUTE = Threshold(
    flag="ACUTE_INFLAMMATION",
    label="≥10 mg/L suggests acute infection or inflammation; excluded from "
    "chronic-inflammation trends and risk bands",
    source="Mayo HSCRP",
    low=ACUTE_INFLAMMATION_MG_L,
)


def is_acute_inflammation(code: str, value: Any) -> bool:
    """A CRP / hs-CRP value (canonical mg/L) that marks an acute-inflammation sample."""
    if code not in ACUTE_INFLAMMATION_ANALYTES or value is None:
        return False
    return Decimal(str(value)) >= ACUTE_INFLAMMATION_MG_L


def _il6() -> Analyte:
    return Analyte(
        code="IL6",
        name="Interleukin-6, serum/plasma",
        loinc_codes=("26881-3",),
        canonical_unit="pg/mL",
        units=_CYTOKINE_UNITS,
        plausible_min=Decimal("0"),
        plausible_max=Decimal("50000"),
        plausibility_source=_REGISTRY_BOUND,
        specimen="serum/plasma",
        thresholds=(
            # The upper reference limit is assay-dependent (6.4–13 pg/mL); only a value
            # above every cited limit can be flagged without knowing the assay.
            Threshold(
                flag="IL6_ABOVE_ASSAY_LIMITS",
                label="above every cited assay upper limit (6.4–13 pg/mL)",
                source="Mayo, LabCorp",
                low=Decimal("13"),
                low_inclusive=False,
            ),
        ),
        reference_notes=(
            ReferenceNote("assay-dependent upper limits 6.4–13 pg/mL", "Mayo, LabCorp"),
            ReferenceNote(
                "older-adult medians 1.8 pg/mL (65–69 y) to 3.5 pg/mL (90+)", "PolSenior"
            ),
        ),
        detection_limit_note=_CENSORED,
        notes=(_CYTOKINE_PREANALYTICS,),
        is_core=True,
    )


def _tnfa() -> Analyte:
    return Analyte(
        code="TNFA",
        name="Tumor necrosis factor-α, serum/plasma",
        loinc_codes=("3074-2",),
        canonical_unit="pg/mL",
        units=_CYTOKINE_UNITS,
        plausible_min=Decimal("0"),
        plausible_max=Decimal("10000"),  # docs/biomarkers.md §1: "TNF-α above 10,000 pg/mL"
        plausibility_source=_SPEC,
        specimen="serum/plasma",
        thresholds=(
            Threshold(
                flag="TNFA_ABOVE_ASSAY_LIMITS",
                label="above every cited assay upper limit (2.2–7.2 pg/mL)",
                source="LabCorp, Mayo, ARUP",
                low=Decimal("7.2"),
                low_inclusive=False,
            ),
        ),
        reference_notes=(
            ReferenceNote(
                "strongly assay-dependent upper limits 2.2–7.2 pg/mL", "LabCorp, Mayo, ARUP"
            ),
            ReferenceNote(
                "in frailty about 1.5–1.7 pg/mL; median 1.43 pg/mL at ≥80 y", "ilSIRENTE"
            ),
        ),
        detection_limit_note=_CENSORED,
        notes=(_CYTOKINE_PREANALYTICS,),
        is_core=True,
    )


def _crp() -> Analyte:
    return Analyte(
        code="CRP",
        name="C-reactive protein (routine)",
        loinc_codes=("1988-5",),
        canonical_unit="mg/L",
        units=_CRP_UNITS,
        plausible_min=Decimal("0"),
        plausible_max=Decimal("1000"),  # docs/biomarkers.md §1: "CRP above 1,000 mg/L"
        plausibility_source=_SPEC,
        thresholds=(_ACUTE,),
        detection_limit_note=("Routine CRP has a higher detection limit than hs-CRP. " + _CENSORED),
        notes=(
            "Never merged with HSCRP: different method, detection limit and clinical use; "
            "charts may show both side by side, labelled (biomarkers.md §1).",
        ),
        is_core=True,
    )


def _hscrp() -> Analyte:
    return Analyte(
        code="HSCRP",
        name="C-reactive protein, high-sensitivity",
        loinc_codes=("30522-7",),
        canonical_unit="mg/L",
        units=_CRP_UNITS,
        plausible_min=Decimal("0"),
        plausible_max=Decimal("1000"),  # "as CRP" (docs/biomarkers.md §1)
        plausibility_source=_SPEC,
        thresholds=(
            # CDC/AHA bands; the high band stops below 10 mg/L because such values are
            # excluded from risk bands (Mayo HSCRP).
            Threshold(
                flag="HSCRP_RISK_LOW",
                label="<1 mg/L: low cardiovascular risk (CDC/AHA)",
                source="BJH LAB150",
                high=Decimal("1"),
            ),
            Threshold(
                flag="HSCRP_RISK_AVERAGE",
                label="1–3 mg/L: average cardiovascular risk (CDC/AHA)",
                source="BJH LAB150",
                low=Decimal("1"),
                high=Decimal("3"),
                high_inclusive=True,
            ),
            Threshold(
                flag="HSCRP_RISK_HIGH",
                label=">3 mg/L: high cardiovascular risk (CDC/AHA)",
                source="BJH LAB150",
                low=Decimal("3"),
                low_inclusive=False,
                high=Decimal("10"),
            ),
            _ACUTE,
        ),
        detection_limit_note="High-sensitivity method, lower detection limit. " + _CENSORED,
        notes=(
            "Never merged with CRP: different method, detection limit and clinical use "
            "(biomarkers.md §1).",
        ),
    )


def _fib() -> Analyte:
    return Analyte(
        code="FIB",
        name="Fibrinogen, clottable (Clauss)",
        loinc_codes=("3255-7",),
        canonical_unit="mg/dL",
        units=_units(("mg/dL", "1"), ("g/L", "100"), ("mg/L", "0.1")),
        plausible_min=Decimal("0"),
        # docs/biomarkers.md §1 cites "a fibrinogen of 2,000 g/L" as a unit error; 2,000 mg/dL
        # (20 g/L) is well beyond any measured fibrinogen.
        plausible_max=Decimal("2000"),
        plausibility_source=_SPEC + " (example: 2,000 g/L); bound is a registry choice",
        thresholds=(
            Threshold(
                flag="FIB_CRITICAL_LOW",
                label="alert: below 100 mg/dL",
                source="ARUP 0030130, BJH 4383",
                high=Decimal("100"),
            ),
            Threshold(
                flag="FIB_LOW",
                label="below the typical adult interval 150–450 mg/dL",
                source="ARUP 0030130, BJH 4383",
                high=Decimal("150"),
            ),
            Threshold(
                flag="FIB_HIGH",
                label="above the typical adult interval 150–450 mg/dL",
                source="ARUP 0030130, BJH 4383",
                low=Decimal("450"),
                low_inclusive=False,
            ),
        ),
        reference_notes=(
            ReferenceNote("150–450 mg/dL typical adult interval", "ARUP 0030130, BJH 4383"),
        ),
        notes=(
            "PT-derived fibrinogen (48664-7) and fibrinogen antigen (3256-5) are not Clauss "
            "fibrinogen and are never mapped here (biomarkers.md §1).",
        ),
        is_core=True,
    )


def _ddimer_note(other: str, other_loinc: str) -> str:
    return (
        f"FEU and DDU are different measurands; never converted into {other} (the '×2' is "
        f"an assay-dependent approximation). {other} results use LOINC {other_loinc} "
        "(biomarkers.md §1)."
    )


def _ddimer_feu() -> Analyte:
    return Analyte(
        code="DDIMER_FEU",
        name="D-dimer, fibrinogen-equivalent units",
        loinc_codes=("48065-7",),
        canonical_unit="ng/mL{FEU}",
        units=_DDIMER_UNITS,
        plausible_min=Decimal("0"),
        plausible_max=Decimal("200000"),
        plausibility_source=_REGISTRY_BOUND,
        unit_annotation="FEU",
        thresholds=(
            Threshold(
                flag="DDIMER_AT_OR_ABOVE_CUTOFF",
                label="at or above the 500 ng/mL FEU cut-off (age × 10 ng/mL above age 50)",
                source="ACP best-practice advice (2015), ADJUST-PE",
                low=Decimal("500"),
                age_adjusted_over=50,
                age_factor=Decimal("10"),
            ),
        ),
        notes=(_ddimer_note("DDU", "48066-5"),),
        is_core=True,
    )


def _ddimer_ddu() -> Analyte:
    return Analyte(
        code="DDIMER_DDU",
        name="D-dimer, D-dimer units",
        loinc_codes=("48066-5",),
        canonical_unit="ng/mL{DDU}",
        units=_DDIMER_UNITS,
        plausible_min=Decimal("0"),
        plausible_max=Decimal("100000"),
        plausibility_source=_REGISTRY_BOUND,
        unit_annotation="DDU",
        thresholds=(
            Threshold(
                flag="DDIMER_AT_OR_ABOVE_CUTOFF",
                label="at or above the 250 ng/mL DDU cut-off",
                source="Mayo DIRM",
                low=Decimal("250"),
            ),
        ),
        notes=(_ddimer_note("FEU", "48065-7"),),
    )


def _other_cytokine(code: str, name: str, loinc: str) -> Analyte:
    return Analyte(
        code=code,
        name=name,
        loinc_codes=(loinc,),
        canonical_unit="pg/mL",
        units=_CYTOKINE_UNITS,
        plausible_min=Decimal("0"),
        plausible_max=Decimal("50000"),
        plausibility_source=_REGISTRY_BOUND,
        detection_limit_note=_CENSORED,
        notes=(_CYTOKINE_PREANALYTICS,),
    )


def _tgfb1() -> Analyte:
    return Analyte(
        code="TGFB1",
        name="TGF-β1, plasma",
        loinc_codes=("49853-5",),
        canonical_unit="pg/mL",
        units=_units(("pg/mL", "1"), ("ng/mL", "1000")),
        plausible_min=Decimal("0"),
        # Plasma TGF-β1 is reported in the ng/mL range, hence a far higher bound than
        # the interleukins.
        plausible_max=Decimal("500000"),
        plausibility_source=_REGISTRY_BOUND,
        specimen="plasma",
        detection_limit_note=_CENSORED,
        notes=(_CYTOKINE_PREANALYTICS,),
    )


def _hgb() -> Analyte:
    return Analyte(
        code="HGB",
        name="Hemoglobin, blood",
        loinc_codes=("718-7",),
        canonical_unit="g/dL",
        units=_units(("g/dL", "1"), ("g/L", "0.1")),
        # A g/dL value sent as g/L lands below 2 g/dL and a g/L value sent as g/dL above
        # 25 g/dL: both unit errors are caught, survivable haemoglobins are not.
        plausible_min=Decimal("2"),
        plausible_max=Decimal("25"),
        plausibility_source=_REGISTRY_BOUND,
        specimen="blood",
        notes=("Hb in mmol/L is rejected: no exact factor is documented (biomarkers.md §1).",),
    )


def _wbc() -> Analyte:
    return Analyte(
        code="WBC",
        name="Leukocytes, blood",
        loinc_codes=("6690-2", "26464-8"),
        canonical_unit="10*3/uL",
        units=_units(("10*3/uL", "1"), ("10*9/L", "1"), ("/uL", "0.001"), ("{cells}/uL", "0.001")),
        plausible_min=Decimal("0"),
        # Hyperleukocytosis in leukaemia exceeds 100 ×10³/µL (the NIST sample has 105.6).
        plausible_max=Decimal("1000"),
        plausibility_source=_REGISTRY_BOUND,
        specimen="blood",
    )


def _vitd25() -> Analyte:
    return Analyte(
        code="VITD25",
        name="25-OH vitamin D (total)",
        loinc_codes=("62292-8", "1989-3"),
        canonical_unit="ng/mL",
        # nmol/L is the one molar unit accepted: docs/biomarkers.md §1 documents its factor.
        units=_units(("ng/mL", "1"), ("nmol/L", "0.4006")),
        plausible_min=Decimal("0"),
        plausible_max=Decimal("300"),
        plausibility_source=_REGISTRY_BOUND,
        thresholds=_vitd_bands(),
    )


def _vitd_bands() -> tuple[Threshold, ...]:
    # IOM 2011 bands as docs/biomarkers.md §3 gives them in whole ng/mL; "10–19" is read as
    # [10, 20) so that 19.5 ng/mL is insufficient rather than unclassified.
    source = "IOM 2011"
    return (
        Threshold("VITD_SEVERE_DEFICIENCY", "<10 ng/mL: severe deficiency", source,
                  high=Decimal("10")),
        Threshold("VITD_INSUFFICIENT", "10–19 ng/mL: insufficient", source,
                  low=Decimal("10"), high=Decimal("20")),
        Threshold("VITD_ADEQUATE", "20–50 ng/mL: adequate", source,
                  low=Decimal("20"), high=Decimal("50"), high_inclusive=True),
        Threshold("VITD_ABOVE_ADEQUATE", ">50 ng/mL: above the adequate range", source,
                  low=Decimal("50"), low_inclusive=False),
    )  # fmt: skip


def _f8() -> Analyte:
    return Analyte(
        code="F8",
        name="Factor VIII activity",
        loinc_codes=("3209-4",),
        canonical_unit="%",
        units=_units(("%", "1"), ("[IU]/dL", "1"), ("[IU]/mL", "100")),
        plausible_min=Decimal("0"),
        plausible_max=Decimal("1000"),
        plausibility_source=_REGISTRY_BOUND,
    )


def _build() -> tuple[Analyte, ...]:
    return (
        _il6(),
        _tnfa(),
        _crp(),
        _hscrp(),
        _fib(),
        _ddimer_feu(),
        _ddimer_ddu(),
        _other_cytokine("IL1B", "Interleukin-1β", "13629-1"),
        _other_cytokine("IL10", "Interleukin-10", "26848-2"),
        _tgfb1(),
        _hgb(),
        _wbc(),
        _vitd25(),
        _f8(),
    )


_ANALYTES: tuple[Analyte, ...] = _build()
_BY_CODE: dict[str, Analyte] = {analyte.code: analyte for analyte in _ANALYTES}
_BY_LOINC: dict[str, Analyte] = {
    loinc: analyte for analyte in _ANALYTES for loinc in analyte.loinc_codes
}

# The five core inflammatory analytes. D-dimer is catalogued twice (FEU and DDU are
# different measurands); FEU is the core one because the ACP/ADJUST-PE cut-offs of
# docs/biomarkers.md §3 are stated in FEU.
CORE_ANALYTE_CODES: tuple[str, ...] = ("IL6", "TNFA", "CRP", "FIB", "DDIMER_FEU")

# LOINC codes that docs/biomarkers.md §1 names as *not* belonging to a catalogued analyte.
REJECTED_LOINC: dict[str, str] = {
    "48664-7": "LOINC 48664-7 is PT-derived fibrinogen, not Clauss fibrinogen (FIB, 3255-7); "
    "it is not accepted (biomarkers.md §1).",
    "3256-5": "LOINC 3256-5 is fibrinogen antigen, not Clauss fibrinogen (FIB, 3255-7); "
    "it is not accepted (biomarkers.md §1).",
    "76485-2": "LOINC 76485-2 is CRP in molar units (nmol/L); no exact conversion factor is "
    "documented, send CRP as 1988-5 or hs-CRP as 30522-7 in mass units (biomarkers.md §1).",
}


def all_analytes() -> tuple[Analyte, ...]:
    """Every catalogued analyte, in the order of docs/biomarkers.md §1."""
    return _ANALYTES


def core_analytes() -> tuple[Analyte, ...]:
    return tuple(_BY_CODE[code] for code in CORE_ANALYTE_CODES)


def analyte_by_code(code: str) -> Analyte:
    """The analyte with this registry code (case-insensitive, codes are upper-case)."""
    analyte = _BY_CODE.get(code.strip().upper())
    if analyte is None:
        known = ", ".join(_BY_CODE)
        raise UnknownAnalyteError(f"Unknown analyte code '{code}'. Known codes: {known}.")
    return analyte


def analyte_by_loinc(loinc: str) -> Analyte:
    """The analyte that accepts this LOINC code; explicit refusals carry their reason."""
    key = loinc.strip()
    if key in REJECTED_LOINC:
        raise RejectedLoincError(REJECTED_LOINC[key])
    analyte = _BY_LOINC.get(key)
    if analyte is None:
        raise UnknownAnalyteError(f"LOINC '{loinc}' is not in the registry's biomarker catalogue.")
    return analyte


def unit_spellings() -> dict[str, tuple[str, ...]]:
    """Every known unit symbol with its spelling variants, molar symbols included."""
    spellings = {symbol: _SPELLINGS.get(symbol, ()) for symbol in MOLAR_UNIT_SYMBOLS}
    spellings.update(_SPELLINGS)
    for analyte in _ANALYTES:
        for unit in analyte.units:
            spellings.setdefault(unit.symbol, unit.variants)
    return spellings


def catalogue_as_dict() -> dict[str, Any]:
    """The whole catalogue as plain, JSON-ready data for the data migration."""
    return {
        "analytes": [analyte.as_dict() for analyte in _ANALYTES],
        "core_analyte_codes": list(CORE_ANALYTE_CODES),
        "rejected_loinc": dict(REJECTED_LOINC),
    }
