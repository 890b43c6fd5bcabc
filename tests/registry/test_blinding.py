"""Blinding by construction: a blinded person cannot tell a placebo patient from an
active one on any route that shows interventions (issue 9, "Blinding, by construction").

Two patients of one blinded study are built identically except for the arm, the dose and
the product. Every route in `ROUTES` is read by a blinded clinician and a blinded
coordinator for both patients; once what is specific to a patient (study id, names, MRN,
database ids, timestamps, CSRF and form tokens) is replaced by placeholders, the two answers must
be the same text. A new route that shows interventions is one line in `ROUTES`.
"""

import csv
import datetime as dt
import difflib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import Assessment
from longitudinal.snapshots import snapshots_refresh_changed
from registry.models import InterventionKind, Route
from registry.studies import blinding
from registry.studies import selectors as study_selectors
from registry.studies import services as study_services
from tests.factories import PatientFactory, VisitFactory
from tests.registry.conftest import INFUSION_DAY, grant_unblinded, infuse, make_study

pytestmark = pytest.mark.django_db

ENROLLED_ON = dt.date(2025, 1, 20)
# What differs between the two patients: the arm and what reveals it.
PLACEBO = {"arm": "PBO", "product": "Saline placebo", "dose": None, "dose_unit": ""}
ACTIVE = {"arm": "D100", "product": "Allogeneic MSC", "dose": Decimal(100),
          "dose_unit": "million cells"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # export files


@dataclass
class Case:
    """One patient of the blinded study and the records that route paths need."""

    patient: object
    enrollment: object
    intervention: object

    def private(self) -> dict[str, str]:
        """Values specific to this patient, each with the placeholder that replaces it."""
        p = self.patient
        return {p.study_id: "<STUDY-ID>", p.mrn: "<MRN>", p.given_name: "<GIVEN>",
                p.family_name: "<FAMILY>"}


def _build(*, admin, clinician, study, given, family, mrn, arm) -> Case:
    """A patient enrolled from the allocation list, infused once, with the same visit,
    assessment and adverse event as the other; only `arm` (with dose and product)
    differs."""
    patient = PatientFactory(site=clinician.staff_profile.sites.get(), given_name=given,
                             family_name=family, mrn=mrn)
    enrollment = study_services.enrollment_create(
        actor=clinician, patient=patient, study=study, enrolled_on=ENROLLED_ON,
        use_allocation=True,
    )
    assert enrollment.arm.code == arm["arm"]
    intervention = study_services.intervention_create(
        actor=admin, patient=patient, enrollment=enrollment,
        kind=InterventionKind.CELL_THERAPY, product=arm["product"], dose=arm["dose"],
        dose_unit=arm["dose_unit"], route=Route.INTRAVENOUS, start_date=INFUSION_DAY,
        end_date=INFUSION_DAY, volume_ml=Decimal(80), rate_ml_min=Decimal(2),
        description="Single infusion", notes="Tolerated well",
    )
    # A correction of the product wording: history must not tell which one changed.
    study_services.intervention_update(
        actor=admin, intervention=intervention, product=arm["product"] + ", lot 2"
    )
    for day, score in ((ENROLLED_ON, 4), (INFUSION_DAY + dt.timedelta(days=90), 5)):
        visit = VisitFactory(patient=patient, date=day,
                             kind="baseline" if day == ENROLLED_ON else "follow_up")
        Assessment.objects.create(visit=visit, instrument="cfs", version="cfs-v1", inputs={},
                                  score=score, category="prefrail")
    study_services.adverse_event_create(
        actor=admin, patient=patient, onset_date=INFUSION_DAY + dt.timedelta(days=3),
        description="Headache", severity="mild", relatedness="possible", outcome="recovered",
    )
    return Case(patient, enrollment, intervention)


@pytest.fixture
def cases(admin_user, clinician_a, site_a) -> tuple[Case, Case]:
    admin = grant_unblinded(admin_user)
    study = make_study(admin)
    study_services.allocations_upload(
        actor=admin, study=study, text="site,sequence,arm\nA,1,PBO\nA,2,D100\n"
    )
    placebo = _build(admin=admin, clinician=clinician_a, study=study, given="Ingrid",
                     family="Quillfeather", mrn="A-701", arm=PLACEBO)
    active = _build(admin=admin, clinician=clinician_a, study=study, given="Ottilie",
                    family="Rookwood", mrn="A-702", arm=ACTIVE)
    snapshots_refresh_changed()
    return placebo, active


# --- Routes that show a patient's interventions (or anything derived from the arm) -------
# Each reads one route for one patient and returns its text with the patient-specific
# parts replaced. Add a route here and every test below covers it.

ID_KEYS = {"id", "visit_id", "created_at", "modified_at", "study_id"}
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
CSRF = re.compile(
    r'(name="(?:csrfmiddlewaretoken|form_token)" value=|csrf[_-]?token["\']?[:=]\s*)"[^"]*"',
    re.IGNORECASE,
)
PATH_ID = re.compile(r"/\d+/")


def _replace_private(text: str, case: Case) -> str:
    for value, mark in case.private().items():
        text = text.replace(value, mark)
    return text


def _html(client, url, case: Case) -> str:
    response = client.get(url)
    text = response.content.decode()
    text = CSRF.sub("<CSRF>", text)
    text = PATH_ID.sub("/<ID>/", TIMESTAMP.sub("<TIMESTAMP>", text))
    return f"{response.status_code}\n{_replace_private(text, case)}"


def _scrub(value):
    """JSON with database ids and timestamps replaced, keys kept."""
    if isinstance(value, dict):
        return {k: "<ID>" if k in ID_KEYS else _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _json(client, url, case: Case) -> str:
    response = client.get(url)
    text = json.dumps(_scrub(response.json()), sort_keys=True, indent=1)
    return f"{response.status_code}\n{_replace_private(text, case)}"


@dataclass(frozen=True)
class Shown:
    """A route: how to read it for one patient, the answer expected, who may read it."""

    read: Callable  # (client, case, capture) -> normalised text starting with the status
    status: int = 200
    readers: tuple = ("clinician_a", "coordinator")
    # What an unblinded person reads here of the active patient (None: nothing of the arm).
    reveals: str | None = ACTIVE["product"] + ", lot 2"


def page(name: str, *extra: str, **kwargs) -> Shown:
    def read(client, case: Case, capture) -> str:
        args = [case.patient.study_id, *(getattr(case, e).pk for e in extra)]
        return _html(client, reverse(name, args=args), case)
    return Shown(read, **kwargs)


def api(name: str, **kwargs) -> Shown:
    def read(client, case: Case, capture) -> str:
        return _json(client, reverse(name, args=[case.patient.study_id]), case)
    return Shown(read, **kwargs)


def export(kind: str) -> Shown:
    """The patient's rows of an identified export of the study, through the pages."""
    def read(client, case: Case, capture) -> str:
        with capture(execute=True):
            response = client.post("/exports/", {
                "kind": kind, "date_mode": "date", "dictionary_format": "csv",
                "study": "MSC-DF",
            })
        assert response.status_code == 302, response.content.decode()[:2000]
        download = client.get(response.url + "download/")
        text = b"".join(download.streaming_content).decode()
        rows = [r for r in csv.DictReader(io.StringIO(text)) if r.get("mrn") == case.patient.mrn]
        assert rows, "the export has no row for the patient"
        return f"{download.status_code}\n" + _replace_private(json.dumps(rows, indent=1), case)
    # Exports are for coordinators and administrators; they show the arm code.
    return Shown(read, readers=("coordinator",), reveals='"arm": "D100"')


ROUTES = {
    "patient page": page("registry:patient_detail"),
    "patient history": page("registry:patient_history"),
    "timeline page": page("longitudinal:timeline"),
    "intervention edit (refusal message)": page(
        "registry:intervention_edit", "intervention", status=403
    ),
    "interventions API": api("api:patient-interventions"),
    "enrolments API": api("api:patient-enrolments", reveals="100 million cells"),
    "adverse events API": api("api:patient-adverse-events", reveals=None),
    "timeline API": api("api:patient-timeline"),
    "tidy export": export("tidy"),
    "wide export": export("wide"),
}


def _diff(placebo: str, active: str) -> str:
    lines = difflib.unified_diff(placebo.splitlines(), active.splitlines(), "placebo",
                                 "active", n=1, lineterm="")
    return "the placebo and the active patient differ:\n" + "\n".join(list(lines)[:60])


@pytest.mark.parametrize("reader", ["clinician_a", "coordinator"])
@pytest.mark.parametrize("route", ROUTES)
def test_a_blinded_person_sees_placebo_and_active_patients_alike(
    client, request, cases, route, reader, django_capture_on_commit_callbacks
):
    shown = ROUTES[route]
    if reader not in shown.readers:
        pytest.skip(f"{reader} may not read this route")
    client.force_login(request.getfixturevalue(reader))
    seen = [shown.read(client, case, django_capture_on_commit_callbacks) for case in cases]
    assert seen[0].split("\n", 1)[0] == str(shown.status)
    assert seen[0] == seen[1], _diff(*seen)
    for arm in (PLACEBO, ACTIVE):
        assert arm["product"] not in seen[0]
    assert "million cells" not in seen[0]


# --- Unblinded people and open-label studies see what was recorded ---------------------


@pytest.mark.parametrize("route", ROUTES)
def test_the_unblinded_see_each_patient_as_recorded(
    client, cases, unblinded_coordinator, route, django_capture_on_commit_callbacks
):
    shown = ROUTES[route]
    if shown.reveals is None:
        pytest.skip("this route shows nothing of the arm")
    client.force_login(unblinded_coordinator)
    placebo, active = (
        shown.read(client, case, django_capture_on_commit_callbacks) for case in cases
    )
    assert active.split("\n", 1)[0] == "200"  # the edit form opens for them
    assert shown.reveals in active and shown.reveals not in placebo


def test_the_unblinded_read_every_value_in_the_api(client, cases, unblinded_coordinator):
    client.force_login(unblinded_coordinator)
    placebo, active = (
        client.get(reverse("api:patient-interventions", args=[c.patient.study_id]))
        .json()["results"][0]
        for c in cases
    )
    assert (active["product"], active["dose"], active["dose_unit"]) == (
        "Allogeneic MSC, lot 2", "100 million cells", "million cells"
    )
    assert (placebo["product"], placebo["dose"], placebo["dose_unit"]) == (
        "Saline placebo, lot 2", None, ""
    )
    assert (active["volume_ml"], active["rate_ml_min"], active["notes"]) == (
        "80.0", "2.00", "Tolerated well"
    )


def test_an_open_label_study_shows_everything_to_everyone(client, admin_user, clinician_a,
                                                          patient_a):
    study = make_study(admin_user, code="OPEN-1", blinded=False)
    enrollment = study_services.enrollment_create(
        actor=clinician_a, patient=patient_a, study=study, arm=study.arms.get(code="D100"),
        enrolled_on=ENROLLED_ON,
    )
    infuse(clinician_a, enrollment)
    client.force_login(clinician_a)  # no unblinded permission
    sid = patient_a.study_id
    item = client.get(f"/api/v1/patients/{sid}/interventions/").json()["results"][0]
    assert (item["product"], item["dose"], item["volume_ml"]) == (
        "Allogeneic MSC", "100 million cells", "80.0"
    )
    enrolment = client.get(f"/api/v1/patients/{sid}/enrolments/").json()["results"][0]
    assert (enrolment["arm"], enrolment["arm_code"]) == ("100 million cells", "D100")
    timeline = client.get(f"/api/v1/patients/{sid}/timeline/").json()
    assert timeline["interventions"][0]["dose"] == "100 million cells"
    for url in (f"/patients/{sid}/", f"/patients/{sid}/history/", f"/timeline/{sid}/"):
        text = client.get(url).content.decode()
        assert "100 million cells" in text and "<em>blinded</em>" not in text, url


# --- The masking layer itself ----------------------------------------------------------


def _blinded_infusion(admin, enrollment, **values):
    return study_services.intervention_create(
        actor=admin, patient=enrollment.patient, enrollment=enrollment,
        kind=InterventionKind.CELL_THERAPY, route=Route.INTRAVENOUS,
        start_date=INFUSION_DAY, **values,
    )


def test_every_arm_revealing_field_is_masked_whatever_its_value(
    client, admin_user, clinician_a, study, patient_a
):
    """One infusion with every optional field empty, one with each filled: a blinded
    person reads the same keys, types and text for both, on the page and in the API."""
    admin = grant_unblinded(admin_user)
    enrollment = study_services.enrollment_create(
        actor=admin, patient=patient_a, study=study, arm=study.arms.get(code="PBO"),
        enrolled_on=ENROLLED_ON,
    )
    _blinded_infusion(admin, enrollment, product="Placebo")
    _blinded_infusion(
        admin, enrollment, product="MSC", description="Bag 2 of 2", dose=Decimal(200),
        dose_unit="million cells", volume_ml=Decimal(120), rate_ml_min=Decimal("2.5"),
        notes="Flushed with saline",
    )
    client.force_login(clinician_a)
    items = client.get(f"/api/v1/patients/{patient_a.study_id}/interventions/").json()
    empty, filled = (_scrub(item) for item in items["results"])
    assert empty == filled
    assert {k for k, v in filled.items() if v == "blinded"} == blinding.INTERVENTION_FIELDS
    rows = study_selectors.patient_study_data(patient=patient_a, user=clinician_a)
    shown = [{k: v for k, v in row.items() if k != "intervention"}
             for row in rows["interventions"]]
    assert shown[0] == shown[1] and shown[0]["dose"] == "blinded"


def test_interventions_outside_any_study_are_not_masked(client, clinician_a, study, patient_a):
    study_services.intervention_create(
        actor=clinician_a, patient=patient_a, kind=InterventionKind.EXERCISE,
        product="Vivifrail programme", dose=Decimal(3), dose_unit="sessions per week",
        route=Route.NOT_APPLICABLE, start_date=INFUSION_DAY,
    )
    client.force_login(clinician_a)
    item = client.get(f"/api/v1/patients/{patient_a.study_id}/interventions/").json()
    assert item["results"][0]["product"] == "Vivifrail programme"
    assert item["results"][0]["dose"] == "3 sessions per week"


def test_what_a_blinded_person_records_is_answered_masked(
    client, admin_user, clinician_a, study, patient_a
):
    enrollment = study_services.enrollment_create(
        actor=grant_unblinded(admin_user), patient=patient_a, study=study,
        arm=study.arms.get(code="D200"), enrolled_on=ENROLLED_ON,
    )
    client.force_login(clinician_a)
    created = client.post(
        f"/api/v1/patients/{patient_a.study_id}/interventions/",
        {"study": "MSC-DF", "kind": "cell_therapy_infusion", "product": "MSC or placebo",
         "dose": "200", "dose_unit": "million cells", "route": "intravenous",
         "start_date": INFUSION_DAY.isoformat()},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["dose"] == created.json()["product"] == "blinded"
    assert enrollment.interventions.get().dose == Decimal(200)  # stored as given
