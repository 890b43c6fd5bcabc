"""Server-rendered pages for patients, conditions and visits. Thin: services decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.forms import add_service_errors, save_or_rerender
from core.idempotency import idempotent_form
from registry import selectors, services
from registry.access import (
    can_manage_studies,
    can_write_patients,
    patient_get_for_user,
    patient_reads_record,
    sites_for_study_data,
    sites_writable_by,
)
from registry.filtersets import PatientFilterSet
from registry.forms import PatientConditionForm, PatientForm, VisitForm
from registry.panels import panels_for
from registry.studies import selectors as study_selectors

PAGE_SIZE = 25


@login_required
def patient_list(request):
    filterset = PatientFilterSet(
        request.GET, queryset=selectors.patient_list(user=request.user), request=request
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    patient_reads_record(user=request.user, patient_ids=[p.pk for p in page])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/patient_list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": query.urlencode(),
            "can_write": can_write_patients(request.user),
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
        },
    )


@login_required
@idempotent_form
def patient_create(request):
    if not can_write_patients(request.user):
        raise PermissionDenied("Only clinicians and administrators can register patients.")
    sites = sites_writable_by(request.user)
    form = PatientForm(request.POST or None, sites=sites)

    def save(data):
        patient = services.patient_create(actor=request.user, **data)
        messages.success(request, f"Patient {patient.study_id} registered.")
        return redirect("registry:patient_detail", study_id=patient.study_id)

    return save_or_rerender(
        request, form, save=save, template="registry/patient_form.html",
        context={"patient": None},
    )


@login_required
def patient_detail(request, study_id):
    patient = patient_get_for_user(user=request.user, study_id=study_id)
    return render(
        request, "registry/patient_detail.html", _patient_page(request, patient)
    )


def _patient_page(request, patient, *, condition_form=None) -> dict:
    """Everything the patient page shows, including its study sections."""
    patient = selectors.patient_detail(patient=patient)
    visits = list(patient.visits.all())
    return {
        "patient": patient,
        "visits": visits,
        "visit_labels": study_selectors.visit_labels(patient=patient, visits=visits),
        "can_write": can_write_patients(request.user),
        "can_record_study": sites_for_study_data(request.user)
        .filter(pk=patient.site_id).exists(),
        "can_manage_studies": can_manage_studies(request.user),
        "condition_form": condition_form or PatientConditionForm(),
        "panels": panels_for(patient=patient, user=request.user),
        **study_selectors.patient_study_data(patient=patient, user=request.user),
    }


@login_required
@idempotent_form
def patient_edit(request, study_id):
    patient = patient_get_for_user(user=request.user, study_id=study_id, write=True)
    form = PatientForm(
        request.POST or None, instance=patient, sites=sites_writable_by(request.user)
    )

    def save(data):
        services.patient_update(actor=request.user, patient=patient, **data)
        messages.success(request, "Patient record saved.")
        return redirect("registry:patient_detail", study_id=patient.study_id)

    return save_or_rerender(
        request, form, save=save, template="registry/patient_form.html",
        context={"patient": patient},
    )


@login_required
def patient_history(request, study_id):
    patient = patient_get_for_user(user=request.user, study_id=study_id)
    return render(
        request,
        "registry/patient_history.html",
        {
            "patient": patient,
            "entries": selectors.patient_history(patient=patient, user=request.user),
            "accesses": selectors.access_log_for(patient=patient),
        },
    )


@login_required
@idempotent_form
@require_POST
def condition_add(request, study_id):
    patient = patient_get_for_user(user=request.user, study_id=study_id, write=True)
    form = PatientConditionForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                services.patient_condition_add(
                    actor=request.user, patient=patient, **form.cleaned_data
                )
            messages.success(request, f"{form.cleaned_data['condition']} added.")
            return redirect("registry:patient_detail", study_id=study_id)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(
        request, "registry/patient_detail.html",
        _patient_page(request, patient, condition_form=form), status=400,
    )


@login_required
@idempotent_form
@require_POST
def condition_remove(request, study_id, pk):
    patient = patient_get_for_user(user=request.user, study_id=study_id, write=True)
    record = get_object_or_404(patient.conditions.select_related("condition"), pk=pk)
    services.patient_condition_remove(actor=request.user, record=record)
    messages.success(request, f"{record.condition} removed.")
    return redirect("registry:patient_detail", study_id=study_id)


@login_required
@idempotent_form
def visit_create(request, study_id):
    patient = patient_get_for_user(user=request.user, study_id=study_id, write=True)
    initial = {"kind": "follow_up" if patient.visits.exists() else "baseline"}
    form = VisitForm(request.POST or None, initial=initial)

    def save(data):
        visit = services.visit_create(actor=request.user, patient=patient, **data)
        messages.success(request, f"Visit of {visit.date:%d %b %Y} saved.")
        return redirect("registry:patient_detail", study_id=study_id)

    return save_or_rerender(
        request, form, save=save, template="registry/visit_form.html",
        context={"patient": patient, "visit": None},
    )


@login_required
@idempotent_form
def visit_edit(request, study_id, pk):
    patient = patient_get_for_user(user=request.user, study_id=study_id, write=True)
    visit = get_object_or_404(patient.visits, pk=pk)
    form = VisitForm(request.POST or None, instance=visit)

    def save(data):
        services.visit_update(actor=request.user, visit=visit, **data)
        messages.success(request, "Visit saved.")
        return redirect("registry:patient_detail", study_id=study_id)

    return save_or_rerender(
        request, form, save=save, template="registry/visit_form.html",
        context={"patient": patient, "visit": visit},
    )
