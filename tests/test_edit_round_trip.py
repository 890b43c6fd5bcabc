"""Saving an edit form exactly as it was rendered changes nothing (issue 9).

Editing must never change a field the person did not touch: every edit page is opened,
its own form read the way a browser submits it (inputs, checked boxes, the selected
option of each select, textareas) and posted straight back. Afterwards every row of
the registry's tables is what it was, and no history row records a change.

Adding an edit form: add one `EditForm` row to EDIT_FORMS (and, if it needs an object the
`records` fixture lacks, create it there). `test_every_edit_route_is_walked` fails when an
`*_edit` route is not listed.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse

from assessments.services import assessment_submit
from registry.models import AeOutcome, Relatedness, Severity, Visit
from registry.services import visit_create
from registry.studies import services as study_services
from tests.html_forms import page_form
from tests.registry.conftest import grant_unblinded, infuse, make_study
from tests.test_url_matrix import _route_names

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("core", "registry", "assessments", "biomarkers", "longitudinal", "quality")
# Tables an edit may write to without changing clinical data, with the reason.
NOT_CLINICAL_DATA = {
    "registry.AccessLog": "who opened which record: every page read appends to it",
    "core.FormSubmission": "the one-time token of the submission itself",
}


@dataclass(frozen=True)
class EditForm:
    """One edit page: who may open it and which objects its URL names."""

    route: str
    actor: str  # "clinician" (clinician at site A) or "unblinded" (unblinded coordinator)
    kwargs: Callable[[dict], dict]
    button: str | None = None  # the submit button's value, when the form has several
    # Fields a person must type on every save (never pre-filled), e.g. a reason.
    typed: dict = field(default_factory=dict)


EDIT_FORMS = [
    EditForm("registry:patient_edit", "clinician", lambda r: {"study_id": r["sid"]}),
    EditForm("registry:visit_edit", "clinician",
             lambda r: {"study_id": r["sid"], "pk": r["baseline"].pk}),
    EditForm("registry:visit_edit", "clinician",
             lambda r: {"study_id": r["sid"], "pk": r["follow_up"].pk}),
    EditForm("assessments:visit_entry_edit", "clinician",
             lambda r: {"study_id": r["sid"], "pk": r["baseline"].pk}, button="save"),
    EditForm("assessments:visit_entry_edit", "clinician",
             lambda r: {"study_id": r["sid"], "pk": r["follow_up"].pk}, button="save"),
    EditForm("registry:study_edit", "unblinded", lambda r: {"code": r["study"].code}),
    EditForm("registry:arm_edit", "unblinded",
             lambda r: {"code": r["study"].code, "pk": r["arm"].pk}),
    EditForm("registry:timepoint_edit", "unblinded",
             lambda r: {"code": r["study"].code, "pk": r["study"].timepoints.first().pk}),
    EditForm("registry:allocation_edit", "unblinded",
             lambda r: {"code": r["study"].code, "pk": r["allocation"].pk},
             typed={"reason": "Checked against the trial statistician's list"}),
    EditForm("registry:intervention_edit", "unblinded",
             lambda r: {"study_id": r["sid"], "pk": r["intervention"].pk}),
    EditForm("registry:adverse_event_edit", "clinician",
             lambda r: {"study_id": r["sid"], "pk": r["adverse_event"].pk}),
]


@pytest.fixture
def records(admin_user, patient_a):
    """One of each editable record, with the values most likely to drift: a baseline
    visit, notes over several lines, decimals, unchecked and checked boxes, a blinded
    study with a placebo arm and an empty dose, saved assessments."""
    baseline = visit_create(
        actor=admin_user, patient=patient_a, date=dt.date(2025, 1, 15), kind="baseline",
        weight_kg=Decimal("61.5"), height_cm=Decimal("160"),
        notes="Came with her daughter.\nFasting.",
    )
    follow_up = visit_create(
        actor=admin_user, patient=patient_a, date=dt.date(2025, 5, 1), kind="follow_up"
    )
    for visit, level in ((baseline, 4), (follow_up, 5)):
        assessment_submit(actor=admin_user, visit=visit, instrument="cfs", inputs={"level": level})
    assessment_submit(actor=admin_user, visit=baseline, instrument="gait_speed",
                      inputs={"distance_m": 4, "time_s": 5.2})
    study = make_study(admin_user)
    arm = study.arms.get(code="PBO")
    enrollment = study_services.enrollment_create(
        actor=grant_unblinded(admin_user), patient=patient_a, study=study,
        arm=study.arms.get(code="D100"), enrolled_on=dt.date(2025, 1, 20),
    )
    [allocation] = study_services.allocations_upload(
        actor=admin_user, study=study, text="site,sequence,arm\nA,7,PBO\n"
    )
    event = study_services.adverse_event_create(
        actor=admin_user, patient=patient_a, onset_date=dt.date(2025, 2, 3),
        description="Infusion reaction", severity=Severity.MODERATE, serious=True,
        criterion_hospitalisation=True, relatedness=Relatedness.POSSIBLE,
        outcome=AeOutcome.RECOVERED, notes="Fever 38.4 °C.\nResolved in 24 h.",
    )
    return {
        "sid": patient_a.study_id, "baseline": baseline, "follow_up": follow_up,
        "study": study, "arm": arm, "allocation": allocation,
        "intervention": infuse(admin_user, enrollment), "adverse_event": event,
    }


@pytest.fixture
def actors(clinician_a, coordinator):
    return {"clinician": clinician_a, "unblinded": grant_unblinded(coordinator)}


def _tracked_models():
    for model in apps.get_models():
        label = model._meta.label
        if (model._meta.app_label in PROJECT_APPS and label not in NOT_CLINICAL_DATA
                and not model.__name__.startswith("Historical")):
            yield model


def _bookkeeping(model) -> set[str]:
    """Timestamps Django sets on every save (auto_now): not something a person edits."""
    return {f.attname for f in model._meta.concrete_fields if getattr(f, "auto_now", False)}


def _snapshot() -> dict:
    """Every row of every clinical table, bookkeeping timestamps left out."""
    data = {}
    for model in _tracked_models():
        fields = [f.attname for f in model._meta.concrete_fields
                  if f.attname not in _bookkeeping(model)]
        data[model._meta.label] = list(model._base_manager.order_by("pk").values(*fields))
    return data


def _history_models():
    return [model.history.model for model in _tracked_models() if hasattr(model, "history")]


def _history_marks() -> dict:
    return {h: (h.objects.order_by("-history_id").values_list("history_id", flat=True).first()
                or 0) for h in _history_models()}


def _history_changes_since(marks: dict) -> list[str]:
    """Each history row written since `marks` that records anything but "saved as is"."""
    found = []
    for history, mark in marks.items():
        tracked = history.instance_type
        for row in history.objects.filter(history_id__gt=mark):
            if row.history_type != "~":
                found.append(f"{tracked.__name__} history type {row.history_type!r}")
                continue
            diff = row.diff_against(row.prev_record, excluded_fields=_bookkeeping(tracked))
            found += [f"{tracked.__name__}.{c.field}: {c.old!r} -> {c.new!r}"
                      for c in diff.changes]
    return found


def _differences(before: dict, after: dict) -> list[str]:
    found = []
    for label, rows in before.items():
        if rows != after[label]:
            changed = [(b, a) for b, a in zip(rows, after[label], strict=False) if a != b]
            found.append(f"{label}: {changed or 'rows added or removed'}")
    return found


def test_every_edit_route_is_walked():
    edit_routes = {name for name in _route_names() if name.endswith("_edit")}
    assert edit_routes == {case.route for case in EDIT_FORMS}, "add a row to EDIT_FORMS"


@pytest.mark.parametrize(
    "case", EDIT_FORMS,
    ids=[f"{c.route.split(':')[1]}-{i}" for i, c in enumerate(EDIT_FORMS)],
)
def test_saving_an_edit_form_as_rendered_changes_nothing(client, records, actors, case):
    client.force_login(actors[case.actor])
    url = reverse(case.route, kwargs=case.kwargs(records))
    page = client.get(url)
    assert page.status_code == 200, page.content[:500]
    data = page_form(page.text, url).submission(button=case.button)
    data.update({name: [value] for name, value in case.typed.items()})
    before, marks = _snapshot(), _history_marks()

    response = client.post(url, data)

    assert response.status_code == 302, f"the form as rendered did not save:\n{response.text}"
    assert _differences(before, _snapshot()) == []
    assert _history_changes_since(marks) == []


def test_the_walker_sees_a_field_the_person_changed(client, records, actors):
    """The check itself can fail: change one field and it must be reported."""
    client.force_login(actors["clinician"])
    url = reverse("registry:visit_edit", args=[records["sid"], records["baseline"].pk])
    data = page_form(client.get(url).text, url).submission()
    data["notes"] = ["Changed on purpose."]
    before, marks = _snapshot(), _history_marks()

    client.post(url, data)

    assert any("Visit" in d for d in _differences(before, _snapshot()))
    assert any(c.startswith("Visit.notes") for c in _history_changes_since(marks))
    assert Visit.objects.get(pk=records["baseline"].pk).notes == "Changed on purpose."
