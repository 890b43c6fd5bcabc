"""Biomarker part of the demo cohort: a plausible panel at each demo patient's visits.

Values are log-normal around published older-adult medians (docs/biomarkers.md §3) and rise
with age; a few results arrive censored ("<0.5") the way assays report them. Idempotent:
each result has a stable external id within the demo source, so a second run answers
"unchanged" for every one and adds nothing.
"""

import random
from datetime import datetime, time

from django.utils import timezone

from biomarkers import services
from biomarkers.parsing.jsonitem import json_record
from biomarkers.patient_scope import patient_scope_registry
from registry.models import Visit

# analyte -> (median at 75 y in canonical unit, rise per year of age, log-sd, unit, LOD)
PANEL = {
    "IL6": (2.5, 0.03, 0.55, "pg/mL", 0.5),
    "TNFA": (1.5, 0.015, 0.4, "pg/mL", 0.3),
    "CRP": (2.5, 0.02, 0.8, "mg/L", 0.5),
    "FIB": (340.0, 0.004, 0.15, "mg/dL", None),
    "DDIMER_FEU": (600.0, 0.03, 0.5, "ng/mL", 150.0),
}
VISITS_WITH_LABS = 3  # the first visits of each patient get a panel


def seed(*, context) -> str:
    rng = random.Random(4)  # same values on every machine
    source = services.lab_source_for_file(name="Demo laboratory", owner=None)
    actor = context["users"]["admin"]
    records = []
    visits = Visit.objects.select_related("patient").order_by("patient_id", "date")
    seen: dict[int, int] = {}
    for visit in visits:
        seen[visit.patient_id] = seen.get(visit.patient_id, 0) + 1
        if seen[visit.patient_id] <= VISITS_WITH_LABS:
            records.extend(_panel(rng, visit, len(records)))
    report = services.lab_results_ingest(
        source=source, records=records, scope=patient_scope_registry(), actor=actor
    )
    summary = report.summary()
    return (
        f"Biomarkers: {summary['created']} new demo results "
        f"({summary['unchanged']} already present, {summary['rejected']} rejected)."
    )


def _panel(rng: random.Random, visit: Visit, start: int):
    patient = visit.patient
    age = (visit.date - patient.date_of_birth).days / 365.25
    collected = timezone.make_aware(datetime.combine(visit.date, time(8, 30)))
    for offset, (code, (median, rise, sd, unit, lod)) in enumerate(PANEL.items()):
        value = median * (1 + rise) ** (age - 75) * rng.lognormvariate(0, sd)
        shown = f"<{lod}" if lod and value < lod else f"{value:.2f}"
        yield json_record(
            start + offset,
            {
                "patient": {"study_id": patient.study_id},
                "analyte": code,
                "value": shown,
                "unit": unit,
                "collected_at": collected.isoformat(),
                "external_id": f"DEMO-{patient.study_id}-{visit.date:%Y%m%d}-{code}",
                "status": "final",
                "specimen": "citrated plasma" if code in ("FIB", "DDIMER_FEU") else "serum",
            },
        )
