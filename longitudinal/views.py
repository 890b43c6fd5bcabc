"""Pages: home (with alerts), patient timeline, cohort dashboard and its drill-downs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.idempotency import idempotent_form
from longitudinal import alerts, selectors, timeline
from longitudinal.filters import CohortFilterForm
from longitudinal.forms import AlertUndoForm
from longitudinal.models import CHANGE_MEASURES, TIMEPOINTS
from longitudinal.snapshots import snapshots_refresh_changed
from registry import selectors as registry_selectors
from registry.access import (
    can_view_cohort,
    patient_get_for_user,
    patient_reads_record,
    role_of,
    sites_visible_to,
)


@login_required
def home(request):
    patients = registry_selectors.patient_list(user=request.user)
    snapshots_refresh_changed()  # alerts of records changed since the last look
    recent = list(patients.order_by("-modified_at")[:8])
    open_alerts = list(alerts.open_alerts(patients=patients.values("pk"))[:20])
    patient_reads_record(
        user=request.user,
        patient_ids=[p.pk for p in recent] + [a.patient_id for a in open_alerts],
    )
    return render(
        request,
        "core/home.html",
        {
            "role": role_of(request.user),
            "sites": sites_visible_to(request.user),
            "patient_count": patients.count(),
            "recent": recent,
            "alerts": open_alerts,
            "can_acknowledge": alerts.can_acknowledge(request.user),
        },
    )


@login_required
def patient_timeline(request, study_id):
    patient = patient_get_for_user(user=request.user, study_id=study_id)
    data = timeline.patient_timeline(patient=patient, user=request.user)
    return render(
        request,
        "longitudinal/timeline.html",
        {
            "patient": patient,
            "timeline": data,
            "charts": timeline.timeline_charts(data),
            "table": timeline.group_by_date(data),
            "alerts": alerts.alerts_for_timeline(patient=patient),
            "can_acknowledge": alerts.can_acknowledge(request.user),
        },
    )


def _alert_to_decide(request, study_id, pk):
    """(patient, alert) for someone who may write the patient's data: 404 outside their
    sites, 403 for a read-only role (the service checks the same again)."""
    patient = patient_get_for_user(user=request.user, study_id=study_id, write=True)
    return patient, get_object_or_404(patient.alerts, pk=pk)


def _back(request, study_id):
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("registry:patient_detail", study_id=study_id)


@login_required
@idempotent_form
@require_POST
def alert_acknowledge(request, study_id, pk):
    _, alert = _alert_to_decide(request, study_id, pk)
    alerts.alert_acknowledge(user=request.user, alert=alert)
    messages.success(request, "Alert acknowledged.")
    return _back(request, study_id)


@login_required
@idempotent_form
@require_POST
def alert_undo(request, study_id, pk):
    """Withdraw an acknowledgement, with a reason; a missing reason answers 400 with a form."""
    patient, alert = _alert_to_decide(request, study_id, pk)
    form = AlertUndoForm(request.POST)
    if form.is_valid():
        try:
            reason = form.cleaned_data["reason"]
            alerts.alert_acknowledgement_withdraw(user=request.user, alert=alert, reason=reason)
            messages.success(request, "Acknowledgement withdrawn: the alert is open again.")
            return _back(request, study_id)
        except ValidationError as exc:
            add_service_errors(form, exc)
    context = {"patient": patient, "alert": alert, "form": form,
               "next": request.POST.get("next", "")}  # fmt: skip
    return render(request, "longitudinal/alert_undo.html", context, status=400)


def _cohort_form(request) -> CohortFilterForm:
    if not can_view_cohort(request.user):
        raise PermissionDenied("The cohort dashboard is for coordinators and administrators.")
    form = CohortFilterForm(request.GET, user=request.user)
    form.is_valid()
    return form


@login_required
def cohort_dashboard(request):
    form = _cohort_form(request)
    if form.errors:
        return render(request, "longitudinal/cohort.html", {"form": form}, status=400)
    snapshots_refresh_changed()
    summary = selectors.cohort_summary(user=request.user, form=form)
    return render(
        request,
        "longitudinal/cohort.html",
        {
            "form": form, "summary": summary, "query": request.GET.urlencode(),
            "change_rows": _change_rows(summary["change_from_baseline"]),
            "biomarker_rows": sorted(summary["biomarkers_by_category"]["analytes"].items()),
            "completeness_rows": sorted(summary["completeness"]["timepoints"].items(),
                                        key=lambda kv: TIMEPOINTS.index(kv[0])),
        },
    )


def _change_rows(change: dict) -> list[dict]:
    """Rows measure × timepoint, one cell per arm (or the pooled group)."""
    return [
        {
            "measure": measure, "timepoint": tp, "label": label,
            "cells": [(g, g["cells"][f"{measure}|{tp}"]) for g in change["groups"]],
        }
        for measure in CHANGE_MEASURES
        for tp, label in change["timepoints"].items()
    ]


@login_required
def cohort_patients(request):
    """The patients behind one number of the dashboard (same filters, same scoping)."""
    form = _cohort_form(request)
    if form.errors:
        return render(request, "longitudinal/cohort.html", {"form": form}, status=400)
    cell = request.GET.get("cell", "all")
    snapshots_refresh_changed()
    qs = selectors.cohort_queryset(user=request.user, form=form)
    try:
        qs = selectors.cell_filter(
            qs, cell, user=request.user, study=form.selected_study(), today=timezone.localdate()
        )
    except (ValueError, TypeError):
        return render(
            request, "longitudinal/cohort_patients.html",
            {"error": f"Unknown figure {cell!r}.", "form": form}, status=400,
        )
    page = Paginator(
        qs.select_related("patient", "site").order_by("patient__study_id"), 50
    ).get_page(request.GET.get("page"))
    patient_reads_record(user=request.user, patient_ids=[s.patient_id for s in page])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "longitudinal/cohort_patients.html",
        {"page": page, "cell": cell, "form": form, "query": query.urlencode()},
    )
