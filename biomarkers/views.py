"""Server-rendered pages: manual panel entry, result history, the parked-result inbox and
CSV uploads with their progress page. Thin: registry.access scopes, services decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from biomarkers import selectors, services
from biomarkers.forms import LabPanelForm, LabUploadForm, ParkedDiscardForm, ParkedMatchForm
from biomarkers.models import LabResult, UploadStatus
from core.forms import add_service_errors, save_or_rerender
from core.idempotency import idempotent_form
from registry.access import can_view_cohort, patient_get_for_user

REFRESH_SECONDS = 2


@login_required
@idempotent_form
def panel_entry(request, study_id):
    """A clinician enters a panel for one of the patient's visits."""
    patient = patient_get_for_user(user=request.user, study_id=study_id, write=True)
    visits = list(patient.visits.order_by("-date"))
    if not visits:
        messages.info(request, "Record a visit first: laboratory panels belong to a visit.")
        return redirect("registry:patient_detail", study_id=study_id)
    requested = request.GET.get("visit", "").strip()
    if requested and _known_visit(requested, visits) is None:
        raise BadRequest("The visit in the address (?visit=) is not one of this patient's visits.")
    initial = {"visit": _known_visit(requested, visits) or visits[0].pk}
    form = LabPanelForm(
        request.POST or None,
        initial=initial,
        analytes=selectors.analytes_for_entry(),
        visits=visits,
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.lab_panel_enter(
                    actor=request.user,
                    visit=form.visits[form.cleaned_data["visit"]],
                    collected_at=form.collected_at(),
                    entries=form.entries(),
                )
            messages.success(request, "Laboratory results saved; canonical values below.")
            url = request.path + f"?visit={form.cleaned_data['visit']}"
            return redirect(url)
        except ValidationError as exc:
            _panel_errors(form, exc)
    visit_pk = _known_visit(form["visit"].value(), visits)
    saved = LabResult.objects.none()
    if visit_pk is not None:
        saved = selectors.lab_results_for_patient(patient=patient).filter(visit_id=visit_pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "biomarkers/panel_entry.html",
        {"patient": patient, "form": form, "saved": saved},
        status=status,
    )


def _known_visit(raw, visits) -> int | None:
    """The id of the patient's visit named by request text ("12"), else None: the text may
    be anything a person or a link sends ("abc", another patient's visit)."""
    return {str(visit.pk): visit.pk for visit in visits}.get(str(raw).strip())


def _panel_errors(form, exc: ValidationError) -> None:
    """Service errors are keyed by analyte code: show them on that analyte's value."""
    for code, errors in exc.message_dict.items():
        field = f"value_{code}"
        form.add_error(field if field in form.fields else None, errors)


@login_required
def result_history(request, study_id, pk):
    patient = patient_get_for_user(user=request.user, study_id=study_id)
    result = selectors.lab_result_get(patient=patient, pk=pk)
    return render(
        request,
        "biomarkers/result_history.html",
        {
            "patient": patient,
            "result": result,
            "versions": selectors.lab_result_history(result=result),
        },
    )


# --- parked inbox --------------------------------------------------------------------------


def _require_cohort(user) -> None:
    if not can_view_cohort(user):
        raise PermissionDenied("The laboratory inbox is for coordinators and administrators.")


@login_required
def inbox(request):
    _require_cohort(request.user)
    rows = selectors.parked_results_for(user=request.user)[:200]
    return render(request, "biomarkers/inbox.html", {"rows": rows})


@login_required
@idempotent_form
def parked_detail(request, pk):
    _require_cohort(request.user)
    parked = selectors.parked_result_get(user=request.user, pk=pk)
    match_form, discard_form = ParkedMatchForm(), ParkedDiscardForm()
    status = 200
    if request.method == "POST":
        status = 400
        match_form, discard_form, done = _decide(request, parked)
        if done:
            return redirect("biomarkers:inbox")
    return render(
        request,
        "biomarkers/parked_detail.html",
        {
            "parked": parked,
            "match_form": match_form,
            "discard_form": discard_form,
            "history": selectors.parked_result_history(parked=parked),
        },
        status=status,
    )


def _decide(request, parked):
    """Run the match or discard the coordinator chose; (forms, finished?)."""
    match_form = ParkedMatchForm(request.POST if "match" in request.POST else None)
    discard_form = ParkedDiscardForm(request.POST if "discard" in request.POST else None)
    try:
        with transaction.atomic():
            if match_form.is_bound and match_form.is_valid():
                patient = patient_get_for_user(
                    user=request.user, study_id=match_form.cleaned_data["study_id"].strip()
                )
                services.parked_result_match(actor=request.user, parked=parked, patient=patient)
                messages.success(request, f"Result matched to {patient.study_id}.")
                return match_form, discard_form, True
            if discard_form.is_bound and discard_form.is_valid():
                services.parked_result_discard(
                    actor=request.user, parked=parked, note=discard_form.cleaned_data["note"]
                )
                messages.success(request, "Result discarded.")
                return match_form, discard_form, True
    except Http404:
        match_form.add_error("study_id", "No patient with this study id at your sites.")
    except ValidationError as exc:
        add_service_errors(match_form if match_form.is_bound else discard_form, exc)
    return match_form, discard_form, False


# --- CSV uploads ---------------------------------------------------------------------------


@login_required
@idempotent_form
def upload_create(request):
    _require_cohort(request.user)
    form = LabUploadForm(request.POST or None, request.FILES or None)

    def save(data):
        filename, content = data["file"]
        upload = services.lab_upload_create(
            actor=request.user, source_name=data["source_name"], filename=filename,
            content=content,
        )
        return redirect("biomarkers:upload_detail", public_id=upload.public_id)

    # A lazy queryset: read only when the form is shown again.
    uploads = selectors.lab_uploads_for(user=request.user)[:20]
    return save_or_rerender(
        request, form, save=save, template="biomarkers/upload_form.html",
        context={"uploads": uploads},
    )


@login_required
def upload_detail(request, public_id):
    """The progress page: refreshes itself (no JavaScript needed) until the task ends."""
    _require_cohort(request.user)
    upload = selectors.lab_upload_get(user=request.user, public_id=public_id)
    running = upload.status in (UploadStatus.QUEUED, UploadStatus.RUNNING)
    response = render(
        request,
        "biomarkers/upload_detail.html",
        {"upload": upload, "refresh": REFRESH_SECONDS if running else None},
    )
    if running:
        response["Refresh"] = str(REFRESH_SECONDS)  # browsers honour it without JavaScript
    return response


@login_required
def upload_report(request, public_id):
    _require_cohort(request.user)
    upload = selectors.lab_upload_get(user=request.user, public_id=public_id)
    if upload.status != UploadStatus.DONE:
        raise Http404("The report is ready when processing has finished.")
    response = HttpResponse(upload.report, content_type="text/csv; charset=utf-8")
    stem = upload.filename.rsplit(".", 1)[0] or "upload"
    response["Content-Disposition"] = f'attachment; filename="{stem}-outcomes.csv"'
    return response
