"""Pages for studies, enrolment, interventions, adverse events, due visits and
notifications. Thin: access helpers check who, services decide, selectors read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.forms import save_or_rerender
from core.idempotency import idempotent_form
from registry.access import (
    can_manage_studies,
    can_view_studies,
    patient_get_for_study_data,
    patient_reads_record,
    require_study_manager,
    sites_visible_to,
)
from registry.studies import blinding, selectors, services
from registry.studies.forms import (
    AdverseEventForm,
    AllocationEditForm,
    AllocationUploadForm,
    ArmForm,
    EnrollmentForm,
    InterventionForm,
    StudyForm,
    TimepointForm,
)

FORM_TEMPLATE = "registry/study_form.html"


def _require_reader(user) -> None:
    if not can_view_studies(user):
        raise PermissionDenied("Your account has no registry role.")


def _managed_study(request, code):
    require_study_manager(request.user)
    return selectors.study_get(user=request.user, key=code)


def _form_page(request, form, save, *, title, submit, back, intro=""):
    """A one-form page; `back` is (url, label) for the breadcrumb and Cancel link."""
    context = {"title": title, "submit": submit, "back_url": back[0], "back_label": back[1],
               "intro": intro}
    return save_or_rerender(request, form, save=save, template=FORM_TEMPLATE, context=context)


def _study_back(study):
    return reverse("registry:study_detail", args=[study.code]), f"{study.code} — {study.name}"


def _patient_back(patient):
    url = reverse("registry:patient_detail", args=[patient.study_id])
    return url, f"{patient.study_id} — {patient.full_name}"


# --- Studies ----------------------------------------------------------------------------


@login_required
def study_list(request):
    _require_reader(request.user)
    return render(request, "registry/study_list.html", {
        "studies": selectors.study_list(user=request.user),
        "can_manage": can_manage_studies(request.user),
    })


@login_required
def study_detail(request, code):
    _require_reader(request.user)
    study = selectors.study_get(user=request.user, key=code)
    show_arms = blinding.arm_visible(request.user, study)
    return render(request, "registry/study_detail.html", {
        "study": study,
        "arms": study.arms.all(),
        "timepoints": study.timepoints.all(),
        "progress": selectors.enrolment_progress(user=request.user, study=study),
        "show_arms": show_arms,
        "can_manage": can_manage_studies(request.user),
        "can_allocate": can_manage_studies(request.user) and show_arms,
    })


@login_required
@idempotent_form
def study_create(request):
    require_study_manager(request.user)
    form = StudyForm(request.POST or None, initial={"blinded": True})

    def save(data):
        study = services.study_create(actor=request.user, **data)
        messages.success(request, f"Study {study.code} created with the default schedule.")
        return redirect("registry:study_detail", code=study.code)

    return _form_page(
        request, form, save, title="New study", submit="Create study",
        back=(reverse("registry:study_list"), "Studies"),
        intro="The default visit schedule (baseline, months 1, 3, 6 and 12) is added; "
              "you can change it on the study page.",
    )


@login_required
@idempotent_form
def study_edit(request, code):
    study = _managed_study(request, code)
    form = StudyForm(request.POST or None, instance=study)

    def save(data):
        services.study_update(actor=request.user, study=study, **data)
        messages.success(request, "Study saved.")
        return redirect("registry:study_detail", code=study.code)

    return _form_page(request, form, save, title=f"Edit {study.code}", submit="Save study",
                      back=_study_back(study))


@login_required
@idempotent_form
def arm_create(request, code):
    study = _managed_study(request, code)
    form = ArmForm(request.POST or None)

    def save(data):
        arm = services.arm_create(actor=request.user, study=study, **data)
        messages.success(request, f"Arm {arm.code} added.")
        return redirect("registry:study_detail", code=study.code)

    return _form_page(request, form, save, title=f"New arm of {study.code}", submit="Add arm",
                      back=_study_back(study))


@login_required
@idempotent_form
def arm_edit(request, code, pk):
    study = _managed_study(request, code)
    arm = get_object_or_404(study.arms, pk=pk)
    form = ArmForm(request.POST or None, instance=arm)

    def save(data):
        services.arm_update(actor=request.user, arm=arm, **data)
        messages.success(request, "Arm saved.")
        return redirect("registry:study_detail", code=study.code)

    return _form_page(request, form, save, title=f"Edit arm {arm.code}", submit="Save arm",
                      back=_study_back(study))


@login_required
@idempotent_form
def timepoint_create(request, code):
    study = _managed_study(request, code)
    form = TimepointForm(request.POST or None)

    def save(data):
        timepoint = services.timepoint_create(actor=request.user, study=study, **data)
        messages.success(request, f"Timepoint {timepoint.name} added.")
        return redirect("registry:study_detail", code=study.code)

    return _form_page(request, form, save, title=f"New timepoint of {study.code}",
                      submit="Add timepoint", back=_study_back(study))


@login_required
@idempotent_form
def timepoint_edit(request, code, pk):
    study = _managed_study(request, code)
    timepoint = get_object_or_404(study.timepoints, pk=pk)
    form = TimepointForm(request.POST or None, instance=timepoint)

    def save(data):
        services.timepoint_update(actor=request.user, timepoint=timepoint, **data)
        messages.success(request, "Timepoint saved.")
        return redirect("registry:study_detail", code=study.code)

    return _form_page(request, form, save, title=f"Edit {timepoint.name}",
                      submit="Save timepoint", back=_study_back(study))


# --- Allocation lists ---------------------------------------------------------------------


def _allocating_study(request, code):
    study = _managed_study(request, code)
    if not blinding.arm_visible(request.user, study):
        raise PermissionDenied(
            "Allocation lists reveal the arms of a blinded study: only unblinded "
            "coordinators and administrators can see them."
        )
    return study


@login_required
@idempotent_form
def allocation_list(request, code):
    study = _allocating_study(request, code)
    form = AllocationUploadForm(request.POST or None, request.FILES or None)

    def save(text):
        added = services.allocations_upload(actor=request.user, study=study, text=text)
        messages.success(request, f"{len(added)} allocations added.")
        return redirect("registry:allocation_list", code=study.code)

    allocations = selectors.allocations_for(user=request.user, study=study)
    used = (getattr(a, "enrollment", None) for a in allocations)  # None: not used yet
    patient_reads_record(user=request.user, patient_ids=[e.patient_id for e in used if e])
    return save_or_rerender(
        request, form, save=lambda data: save(data["file"]),
        template="registry/allocation_list.html",
        context={"study": study, "allocations": allocations},
    )


@login_required
@idempotent_form
def allocation_edit(request, code, pk):
    study = _allocating_study(request, code)
    allocation = get_object_or_404(
        study.allocations.filter(site__in=sites_visible_to(request.user)), pk=pk
    )
    form = AllocationEditForm(request.POST or None, study=study,
                              initial={"arm": allocation.arm_id})

    def save(data):
        services.allocation_update(actor=request.user, allocation=allocation, **data)
        messages.success(request, "Allocation changed; the reason is kept in its history.")
        return redirect("registry:allocation_list", code=study.code)

    return _form_page(
        request, form, save, submit="Change allocation",
        title=f"Change allocation {allocation.sequence} of site {allocation.site.code}",
        back=(reverse("registry:allocation_list", args=[study.code]), "Allocation list"),
    )


# --- Safety -------------------------------------------------------------------------------


@login_required
def safety_table(request, code):
    _require_reader(request.user)
    study = selectors.study_get(user=request.user, key=code)
    return render(request, "registry/safety_table.html", {
        "study": study, "table": selectors.safety_table(user=request.user, study=study),
        "measures": selectors.MEASURES,
    })


@login_required
def safety_patients(request, code, measure):
    _require_reader(request.user)
    study = selectors.study_get(user=request.user, key=code)
    if measure not in selectors.MEASURE_LABELS:
        raise Http404("No such measure.")
    table = selectors.safety_table(user=request.user, study=study)
    group = selectors.safety_group(table=table, key=request.GET.get("arm", ""))
    enrollments = group.patients[measure]
    patient_reads_record(user=request.user, patient_ids=[e.patient_id for e in enrollments])
    return render(request, "registry/safety_patients.html", {
        "study": study, "group": group, "measure": selectors.MEASURE_LABELS[measure],
        "enrollments": enrollments,
    })


# --- Due visits and notifications ---------------------------------------------------------


@login_required
def visits_due(request):
    _require_reader(request.user)
    sites = sites_visible_to(request.user)
    site_code = request.GET.get("site", "")
    if site_code and not sites.filter(code=site_code).exists():
        site_code = ""  # never hint at sites the person cannot see
    planned = selectors.visits_due(
        user=request.user, today=timezone.localdate(), site_code=site_code
    )
    patient_reads_record(user=request.user, patient_ids=[p.enrollment.patient_id for p in planned])
    return render(request, "registry/visits_due.html", {
        "planned": planned, "sites": sites, "site_code": site_code,
        "today": timezone.localdate(),
    })


@login_required
def notification_list(request):
    notifications = list(selectors.notifications_for(user=request.user)[:200])
    patient_reads_record(user=request.user, patient_ids=[n.patient_id for n in notifications])
    return render(request, "registry/notifications.html", {"notifications": notifications})


@login_required
@idempotent_form
@require_POST
def notifications_read(request):
    ids = [i for i in request.POST.getlist("id") if i.isascii() and i.isdigit() and len(i) < 19]
    count = services.notifications_mark_read(
        user=request.user, ids=None if request.POST.get("all") else ids
    )
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read.")
    return redirect("registry:notification_list")


# --- A patient's enrolment, interventions and adverse events -------------------------------


@login_required
@idempotent_form
def enrollment_create(request, study_id):
    patient = patient_get_for_study_data(user=request.user, study_id=study_id, write=True)
    form = EnrollmentForm(request.POST or None, user=request.user)

    def save(data):
        enrollment = services.enrollment_create(actor=request.user, patient=patient, **data)
        label = blinding.arm_label_for(request.user, enrollment)
        messages.success(request, f"Enrolled in {enrollment.study.code} (arm: {label}).")
        return redirect("registry:patient_detail", study_id=patient.study_id)

    return _form_page(request, form, save, title="Enrol in a study", submit="Enrol",
                      back=_patient_back(patient))


@login_required
@idempotent_form
def intervention_create(request, study_id):
    patient = patient_get_for_study_data(user=request.user, study_id=study_id, write=True)
    only = list(patient.enrollments.values_list("pk", flat=True)[:2])
    initial = {"enrollment": only[0]} if len(only) == 1 else {}
    form = InterventionForm(request.POST or None, patient=patient, initial=initial)

    def save(data):
        services.intervention_create(actor=request.user, patient=patient, **data)
        messages.success(request, "Intervention recorded.")
        return redirect("registry:patient_detail", study_id=patient.study_id)

    return _form_page(request, form, save, title="Record an intervention",
                      submit="Save intervention", back=_patient_back(patient))


@login_required
@idempotent_form
def intervention_edit(request, study_id, pk):
    patient = patient_get_for_study_data(user=request.user, study_id=study_id, write=True)
    item = get_object_or_404(patient.interventions.select_related("enrollment__study"), pk=pk)
    # The form would show the dose and product, which reveal the arm of a blinded study.
    blinding.require_unmasked(request.user, item)
    form = InterventionForm(request.POST or None, patient=patient, instance=item)

    def save(data):
        services.intervention_update(actor=request.user, intervention=item, **data)
        messages.success(request, "Intervention saved.")
        return redirect("registry:patient_detail", study_id=patient.study_id)

    return _form_page(request, form, save, title="Edit intervention",
                      submit="Save intervention", back=_patient_back(patient))


@login_required
@idempotent_form
def adverse_event_create(request, study_id):
    patient = patient_get_for_study_data(user=request.user, study_id=study_id, write=True)
    form = AdverseEventForm(request.POST or None)

    def save(data):
        services.adverse_event_create(actor=request.user, patient=patient, **data)
        messages.success(request, "Adverse event recorded.")
        return redirect("registry:patient_detail", study_id=patient.study_id)

    return _form_page(
        request, form, save, title="Record an adverse event", submit="Save adverse event",
        back=_patient_back(patient),
        intro="Treatment-emergence is derived from the first intervention; do not enter it.",
    )


@login_required
@idempotent_form
def adverse_event_edit(request, study_id, pk):
    patient = patient_get_for_study_data(user=request.user, study_id=study_id, write=True)
    event = get_object_or_404(patient.adverse_events, pk=pk)
    form = AdverseEventForm(request.POST or None, instance=event)

    def save(data):
        services.adverse_event_update(actor=request.user, event=event, **data)
        messages.success(request, "Adverse event saved.")
        return redirect("registry:patient_detail", study_id=patient.study_id)

    return _form_page(request, form, save, title="Edit adverse event",
                      submit="Save adverse event", back=_patient_back(patient))


