"""The one-page visit entry (anthropometrics + any instruments) and the visit summary.

Scoring is server-side: "Calculate" re-renders the page with every valid section
scored, nothing stored; "Save visit" records the visit and every filled section, all or
nothing, through `assessments.services.visit_record`. A small script
(static/js/visit-entry.js) does the same "Calculate" in the background as fields change;
without JavaScript the buttons do it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from assessments import scoring, selectors, services
from assessments.forms import InstrumentForm
from assessments.scoring.base import body_mass_index
from assessments.scoring.fi_definition import prefill_from_context
from core.forms import add_service_errors
from core.idempotency import idempotent_form
from registry.access import can_write_patients, patient_get_for_user
from registry.forms import VisitForm
from registry.models import Visit, VisitKind

# Order of the sections on the page: physical performance first, questionnaires after.
SECTION_ORDER = [
    "fried", "cfs", "sppb", "gait_speed", "grip_strength", "six_minute_walk", "frail",
    "sof", "share_fi", "tfi", "gfi", "frailty_index", "spirometry", "sf36",
]


def _instruments() -> list[scoring.Instrument]:
    known = {i.code: i for i in scoring.all_instruments()}
    ordered = [known.pop(code) for code in SECTION_ORDER if code in known]
    return ordered + sorted(known.values(), key=lambda i: i.code)


def _prefill(patient, visit, existing) -> dict[str, dict]:
    """What the registry already knows, pre-filled for instruments not yet recorded:
    comorbidities (FRAIL illnesses, frailty-index items), BMI and grip (frailty index)."""
    conditions = set(patient.conditions.values_list("condition__code", flat=True))
    # The exact BMI of the recorded height and weight, not the database's float column, so
    # a BMI of exactly 25 or 30 takes the published side of the cut point (issue 16).
    bmi = body_mass_index(visit.height_cm, visit.weight_kg) if visit else None
    deficits = prefill_from_context(
        conditions, bmi=bmi, sex=patient.sex, grip_kg=_known_grip(existing)
    )
    return {
        "frailty_index": {"deficits": deficits},
        "frail": {"illnesses": sorted(conditions & _frail_illnesses())},
    }


def _known_grip(existing):
    if "grip_strength" in existing:
        return existing["grip_strength"].score
    if "fried" in existing:
        return existing["fried"].inputs.get("grip_kg")
    return None


def _frail_illnesses() -> set[str]:
    field = next(f for f in scoring.get("frail").fields if f.name == "illnesses")
    return set(field.choices)


def _sections(request, patient, visit, existing):
    prefill = _prefill(patient, visit, existing)
    data = request.POST if request.method == "POST" else None
    return [
        InstrumentForm(
            instrument, data,
            initial_inputs=existing[instrument.code].inputs
            if instrument.code in existing else prefill.get(instrument.code),
        )
        for instrument in _instruments()
    ]


def _score_sections(sections, context_visit) -> dict[str, dict]:
    """Score every filled, valid section against the visit being entered."""
    results = {}
    for section in sections:
        if not section.has_data() or not section.is_valid():
            continue
        try:
            _, results[section.instrument.code] = services.assessment_score(
                visit=context_visit, code=section.instrument.code, inputs=section.inputs()
            )
        except ValidationError as exc:
            section.add_scoring_errors(exc.message_dict)
    return results


@login_required
@idempotent_form
def visit_entry(request, study_id, pk=None):
    patient = patient_get_for_user(user=request.user, study_id=study_id, write=True)
    visit = get_object_or_404(patient.visits, pk=pk) if pk else None
    existing = {a.instrument: a for a in visit.assessments.all()} if visit else {}
    # A ModelForm's `initial` overrides its instance: suggest a kind for a new visit only,
    # or editing a baseline would pre-select (and save) "follow-up".
    initial = None if visit else {
        "kind": VisitKind.FOLLOW_UP if patient.visits.exists() else VisitKind.BASELINE
    }
    visit_form = VisitForm(request.POST or None, instance=visit, prefix="visit", initial=initial)
    sections = _sections(request, patient, visit, existing)
    results = {code: a.result() for code, a in existing.items()}
    status = 200
    if request.method == "POST":
        context_visit = _context_visit(visit_form, patient)
        results.update(_score_sections(sections, context_visit))
        if _has_errors(visit_form, sections):
            status = 400
        elif request.POST.get("action") == "save":
            saved = _save(request, patient, visit, visit_form, sections)
            if saved:
                messages.success(request, f"Visit of {saved.date:%d %b %Y} saved.")
                return redirect("assessments:visit_summary", study_id=study_id, pk=saved.pk)
            status = 400
    return render(
        request,
        "assessments/visit_entry.html",
        {
            "patient": patient, "visit": visit, "visit_form": visit_form,
            "sections": [(s, results.get(s.instrument.code)) for s in sections],
        },
        status=status,
    )


def _context_visit(visit_form, patient) -> Visit | None:
    """An unsaved visit carrying the entered date and anthropometrics, for scoring."""
    if not visit_form.is_valid():
        return None
    fields = ("date", "kind", "weight_kg", "height_cm")
    return Visit(patient=patient, **{k: visit_form.cleaned_data.get(k) for k in fields})


def _has_errors(visit_form, sections) -> bool:
    return not visit_form.is_valid() or any(s.has_data() and s.errors for s in sections)


def _save(request, patient, visit, visit_form, sections) -> Visit | None:
    """Record the visit and every filled section at once, or nothing (errors shown)."""
    filled = {s.instrument.code: s for s in sections if s.has_data()}
    try:
        recorded = services.visit_record(
            actor=request.user, patient=patient, visit=visit, **visit_form.cleaned_data,
            assessments=[(code, section.inputs()) for code, section in filled.items()],
        )
    except services.VisitRecordError as exc:
        if exc.instrument is None:
            add_service_errors(visit_form, exc)
        else:
            filled[exc.instrument].add_scoring_errors(exc.message_dict)
        return None
    return recorded.visit


@login_required
def visit_summary(request, study_id, pk):
    patient = patient_get_for_user(user=request.user, study_id=study_id)
    visit = get_object_or_404(patient.visits, pk=pk)
    return render(
        request,
        "assessments/visit_summary.html",
        {
            "patient": patient,
            "summary": selectors.visit_summary(visit=visit),
            "can_write": can_write_patients(request.user),
        },
    )
