"""Export pages: request form (cohort filters + options), job progress, download, log.

Thin: exports.services decides and records; registry.access scopes. Coordinators and
administrators only; a job is visible to its requester and to administrators.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render

from core.forms import add_service_errors
from core.idempotency import idempotent_form
from longitudinal.exports import formats, services
from longitudinal.filters import CohortFilterForm
from longitudinal.models import ExportKind, ExportStatus

REFRESH_SECONDS = 2


class ExportOptionsForm(forms.Form):
    """What to export and how; the service checks that the options fit together."""

    kind = forms.ChoiceField(choices=ExportKind.choices, initial=ExportKind.TIDY,
                             widget=forms.RadioSelect, label="Format")
    deidentified = forms.BooleanField(
        required=False, initial=True, label="De-identified",
        help_text="A pseudonym instead of the study id; no names, MRN, site or birth date; "
                  "ages over 89 as 90+.",
    )
    recipient = forms.CharField(
        required=False, max_length=100, label="Recipient or project",
        help_text="Who receives the file, e.g. “MSC-DF statistics team”. De-identified "
                  "exports with the same label have the same pseudonyms and date shifts, "
                  "so re-exports line up; other labels get unrelated ones. Leave empty for "
                  "the registry's own project pseudonyms.",
    )
    date_mode = forms.ChoiceField(
        label="Dates",
        choices=[
            (formats.DATE_SHIFTED, "Shifted by a secret per-patient offset (de-identified)"),
            (formats.DATE_FROM_BASELINE, "Days from baseline"),
            (formats.DATE_ACTUAL, "Actual dates (identified exports only)"),
        ],
        initial=formats.DATE_SHIFTED,
        help_text="Shifted dates keep every interval within a patient exact.",
    )
    dictionary_format = forms.ChoiceField(
        label="Dictionary file", choices=[("csv", "CSV"), ("md", "Markdown")], initial="csv",
        help_text="Only for the data dictionary.",
    )


@login_required
@idempotent_form
def export_create(request):
    """The export form; GET parameters pre-fill the cohort filters (e.g. from the dashboard)."""
    services.export_rights_require(user=request.user)
    posted = request.method == "POST"
    options = ExportOptionsForm(request.POST if posted else None)
    cohort = CohortFilterForm(
        request.POST if posted else None,
        initial=request.GET.dict() if not posted else None,
        user=request.user,
    )
    if posted and options.is_valid() & cohort.is_valid():
        try:
            with transaction.atomic():
                job = services.export_request(
                    user=request.user,
                    kind=options.cleaned_data["kind"],
                    deidentified=options.cleaned_data["deidentified"],
                    date_mode=options.cleaned_data["date_mode"],
                    dictionary_format=options.cleaned_data["dictionary_format"],
                    recipient=options.cleaned_data["recipient"],
                    filters={k: request.POST.get(k, "") for k in cohort.fields},
                )
            return redirect("longitudinal:export_detail", public_id=job.public_id)
        except ValidationError as exc:
            _add_errors(exc, options, cohort)
    recent = services.export_jobs_for(user=request.user).filter(requested_by=request.user)
    return render(
        request,
        "longitudinal/export_form.html",
        {"options": options, "cohort": cohort, "recent": recent[:10]},
        status=400 if posted else 200,
    )


def _add_errors(exc: ValidationError, options, cohort) -> None:
    """Service errors next to the field they name, in whichever form holds it."""
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    for field, messages in by_field.items():
        form = cohort if field in cohort.fields or field == "filters" else options
        add_service_errors(form, ValidationError({field: messages}))


@login_required
def export_detail(request, public_id):
    """Progress page: refreshes itself (no JavaScript needed) until the export ends."""
    services.export_rights_require(user=request.user)
    job = services.export_job_get(user=request.user, public_id=public_id)
    running = job.status in (ExportStatus.PENDING, ExportStatus.RUNNING)
    response = render(request, "longitudinal/export_detail.html", {
        "job": job,
        "percent": services.export_percent(job=job),
        "refresh": REFRESH_SECONDS if running else None,
    })
    if running:
        response["Refresh"] = str(REFRESH_SECONDS)  # browsers honour it without JavaScript
    return response


@login_required
def export_download(request, public_id):
    """The file, streamed from disk; only to its requester or an administrator."""
    services.export_rights_require(user=request.user)
    job, path = services.export_download_open(user=request.user, public_id=public_id)
    name = formats.export_filename(kind=job.kind, dictionary_format=job.filters.get("format"))
    stamp = job.requested_at.strftime("%Y%m%d-%H%M")
    content_type = "text/markdown" if path.suffix == ".md" else "text/csv"
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=name.replace(".", f"-{stamp}.", 1),
        content_type=f"{content_type}; charset=utf-8",
    )


@login_required
def export_log(request):
    """Who exported what, with which filters, when (administrators: everyone's)."""
    services.export_rights_require(user=request.user)
    page = Paginator(services.export_jobs_for(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "longitudinal/export_log.html", {"page": page})
