"""Laboratory keys learn no patient facts, reach only the sites they serve, and are
throttled one key at a time (docs/security.md "Laboratory keys").

The cast's ``lab_key`` serves sites A and B. "Same answer" below means the same status,
outcome and words once the identifier the key itself sent is blanked out: what a key
could compare while probing.
"""

import importlib
import json

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.core.management import CommandError, call_command

from biomarkers.api.throttling import LabClientRateThrottle
from biomarkers.models import LabClient, LabResult, LabSource, LabUpload, ParkedLabResult
from tests.factories import PatientFactory, SiteFactory

pytestmark = pytest.mark.django_db

BEFORE_BIRTH = "1940-03-01T08:15:00+00:00"  # patient_a was born on 1945-06-01
FHIR = "application/fhir+json"


@pytest.fixture
def patient_c(db):
    return PatientFactory(site=SiteFactory(code="C"), mrn="C-1")


def item(study_id, external_id, **overrides) -> dict:
    data = {
        "patient": {"study_id": study_id}, "analyte": "CRP", "value": "12.5", "unit": "mg/L",
        "collected_at": "2025-03-01T08:15:00+01:00", "external_id": external_id,
        "status": "final",
    }  # fmt: skip
    return {**data, **overrides}


def batch(lab_api, *items) -> list[dict]:
    response = lab_api.post("/api/v1/lab-results/", {"results": list(items)})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def blanked(answer: dict, identifier: str) -> str:
    """An answer as a probe sees it, without the identifier it sent itself."""
    answer = {k: v for k, v in answer.items() if k not in ("index", "id")}
    return json.dumps(answer, sort_keys=True).replace(identifier, "<id>")


# --- no patient facts ----------------------------------------------------------------------


def test_a_result_before_birth_is_parked_like_one_for_nobody(lab_api, patient_a):
    before_birth, nobody = batch(
        lab_api,
        item(patient_a.study_id, "K-1", collected_at=BEFORE_BIRTH),
        item("FR-999999", "K-2", collected_at=BEFORE_BIRTH),
    )
    assert before_birth["outcome"] == "parked"
    assert blanked(before_birth, patient_a.study_id) == blanked(nobody, "FR-999999")
    assert "birth" not in json.dumps(before_birth)
    assert LabResult.objects.count() == 0


def test_bisecting_a_birth_date_learns_nothing(lab_api, patient_a):
    """Either side of the birth date the key sees the same two outcomes: parked or created,
    each identical to the answer for an unknown patient or any known one."""
    answers = batch(
        lab_api,
        *(item(patient_a.study_id, f"K-{year}", collected_at=f"{year}-06-01T12:00:00+00:00")
          for year in (1944, 1946)),
    )  # fmt: skip
    assert [a["outcome"] for a in answers] == ["parked", "created"]
    assert all(not a["errors"] for a in answers)


def test_a_fhir_observation_before_birth_is_accepted_for_review_like_one_for_nobody(
    lab_api, patient_a
):
    def observation(study_id, identifier):
        return {
            "resourceType": "Observation",
            "identifier": [{"system": "https://lab.example.org", "value": identifier}],
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "1988-5"}]},
            "subject": {"identifier": {"system": "urn:frailty-registry:study-id",
                                       "value": study_id}},
            "effectiveDateTime": BEFORE_BIRTH,
            "valueQuantity": {"value": 12.5, "system": "http://unitsofmeasure.org",
                              "code": "mg/L"},
        }  # fmt: skip

    answers = [
        lab_api.post("/api/v1/fhir/Observation", json.dumps(observation(sid, ident)), FHIR)
        for sid, ident in ((patient_a.study_id, "O-1"), ("FR-999999", "O-2"))
    ]
    assert [a.status_code for a in answers] == [202, 202]
    known, unknown = (a.content.decode() for a in answers)
    assert known.replace(patient_a.study_id, "<id>") == unknown.replace("FR-999999", "<id>")


def test_a_coordinator_matching_it_is_told_the_reason(client, lab_api, coordinator, patient_a):
    batch(lab_api, item(patient_a.study_id, "K-1", collected_at=BEFORE_BIRTH))
    parked = ParkedLabResult.objects.get()
    client.force_login(coordinator)
    response = client.post(
        f"/labs/inbox/{parked.pk}/", {"match": "1", "study_id": patient_a.study_id}
    )
    assert response.status_code == 400
    assert "cannot be collected before birth" in response.content.decode()


# --- a key reaches the sites it serves -------------------------------------------------------


@pytest.mark.parametrize("by", ["study id", "site and MRN"])
def test_a_patient_of_a_site_the_key_does_not_serve_is_parked_like_nobody(
    lab_api, patient_a, patient_c, by
):
    if by == "study id":
        other, nobody = item(patient_c.study_id, "K-1"), item("FR-999999", "K-2")
        ids = (patient_c.study_id, "FR-999999")
    else:
        other = item(None, "K-1", patient={"site": "C", "mrn": "C-1"})
        nobody = item(None, "K-2", patient={"site": "C", "mrn": "C-404"})
        ids = ("C-1", "C-404")
    served = item(patient_a.study_id, "K-3")
    other_answer, nobody_answer, served_answer = batch(lab_api, other, nobody, served)
    assert other_answer["outcome"] == "parked" and served_answer["outcome"] == "created"
    assert blanked(other_answer, ids[0]) == blanked(nobody_answer, ids[1])
    assert set(LabResult.objects.values_list("patient", flat=True)) == {patient_a.pk}


def test_a_key_of_site_a_cannot_retract_what_it_cannot_reach(client, patient_b, site_a):
    b_lab, b_key = LabClient.objects.create_key(name="Site B lab")
    b_lab.sites.set([patient_b.site])
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {b_key}"}
    client.post("/api/v1/lab-results/", {"results": [item(patient_b.study_id, "X-1")]},
                content_type="application/json", **headers)  # fmt: skip
    b_lab.sites.set([site_a])  # the lab no longer serves B
    retraction = item(patient_b.study_id, "X-1", status="entered-in-error")
    answer = client.post("/api/v1/lab-results/", {"results": [retraction]},
                         content_type="application/json", **headers).json()  # fmt: skip
    assert answer["results"][0]["outcome"] == "parked"
    assert LabResult.objects.get(external_id="X-1").status == "final"


# --- creating keys, existing keys, the admin -----------------------------------------------


def test_create_lab_client_needs_the_sites_it_serves(capsys, site_a, site_b):
    with pytest.raises(CommandError, match="--site"):
        call_command("create_lab_client", "No Site Lab")
    with pytest.raises(CommandError, match="Unknown site code.*Z.*Known: A, B"):
        call_command("create_lab_client", "Typo Lab", "--site", "Z")
    call_command("create_lab_client", "Two Site Lab", "--site", "A", "--site", "B")
    lab = LabClient.objects.get(name="Two Site Lab")
    assert sorted(lab.sites.values_list("code", flat=True)) == ["A", "B"]
    assert "for site(s) A, B" in capsys.readouterr().out
    assert not LabClient.objects.filter(name__in=["No Site Lab", "Typo Lab"]).exists()


MIGRATION = importlib.import_module("biomarkers.migrations.0005_lab_client_sites_and_feed_owner")


def test_keys_that_existed_before_serve_every_site_after_the_migration(site_a, site_b):
    old, _ = LabClient.objects.create_key(name="Old Lab")
    MIGRATION.give_keys_every_site(django_apps, None)
    assert sorted(old.sites.values_list("code", flat=True)) == ["A", "B"]


def test_a_feed_one_person_uploaded_to_becomes_theirs(coordinator, admin_user):
    mine = LabSource.objects.create(code="file:lis", name="LIS", kind="file")
    shared = LabSource.objects.create(code="file:shared", name="Shared", kind="file")
    for source, users in ((mine, [coordinator]), (shared, [coordinator, admin_user])):
        for user in users:
            LabUpload.objects.create(uploaded_by=user, source=source, filename="f.csv")
    MIGRATION.give_feeds_their_uploader(django_apps, None)
    mine.refresh_from_db()
    shared.refresh_from_db()
    assert (mine.owner, mine.code) == (coordinator, f"file:u{coordinator.pk}:lis")
    assert (shared.owner, shared.code) == (None, "file:shared")


def test_the_admin_shows_and_edits_the_sites_of_a_key(client, django_user_model, site_a, site_b):
    lab, _ = LabClient.objects.create_key(name="Admin Lab")
    lab.sites.set([site_a])
    client.force_login(django_user_model.objects.create_superuser("root", "r@x.org", "pw"))
    listing = client.get("/admin/biomarkers/labclient/").content.decode()
    assert "Admin Lab" in listing and ">A<" in listing
    page = client.get(f"/admin/biomarkers/labclient/{lab.pk}/change/").content.decode()
    assert 'name="sites"' in page
    response = client.post(
        f"/admin/biomarkers/labclient/{lab.pk}/change/",
        {"name": "Admin Lab", "sites": [site_a.pk, site_b.pk]},
    )
    assert response.status_code == 302
    assert sorted(lab.sites.values_list("code", flat=True)) == ["A", "B"]


# --- throttling, one key at a time ---------------------------------------------------------


@pytest.fixture
def two_a_minute(settings):
    settings.LAB_KEY_THROTTLE_RATE = "2/minute"
    cache.clear()
    yield
    cache.clear()


def test_a_key_over_its_limit_gets_429_with_retry_after(lab_api, patient_a, two_a_minute):
    for n in range(2):
        assert lab_api.get("/api/v1/lab-results/").status_code == 200, n
    response = lab_api.post("/api/v1/lab-results/", {"results": [item(patient_a.study_id, "T")]})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    body = response.json()
    assert set(body) == {"detail", "errors"} and "throttled" in body["detail"]
    assert LabResult.objects.count() == 0


def test_fhir_and_hl7_answer_429_in_their_own_shape(lab_api, two_a_minute):
    lab_api.get("/api/v1/lab-results/")
    lab_api.get("/api/v1/lab-results/")
    fhir = lab_api.post("/api/v1/fhir/Observation", "{}", FHIR)
    assert fhir.status_code == 429 and fhir["Retry-After"]
    outcome = fhir.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "throttled"
    hl7 = lab_api.post("/api/v1/hl7/oru", "MSH|^~\\&|", "x-application/hl7-v2+er7")
    # An interface engine reads the ACK: AE (try again later), never AR (bad message).
    assert hl7.status_code == 429 and hl7["Retry-After"]
    assert hl7["Content-Type"].startswith("x-application/hl7-v2+er7")
    assert "MSA|AE|" in hl7.content.decode() and "throttled" in hl7.content.decode().lower()


def test_each_key_has_its_own_budget_and_people_are_not_counted(
    client, lab_api, clinician_a, two_a_minute
):
    for _ in range(3):
        lab_api.get("/api/v1/lab-results/")
    _, other_key = LabClient.objects.create_key(name="Other Lab")
    other = client.get("/api/v1/lab-results/", HTTP_AUTHORIZATION=f"Api-Key {other_key}")
    assert other.status_code == 200
    client.force_login(clinician_a)
    assert [client.get("/api/v1/patients/").status_code for _ in range(3)] == [200] * 3


def test_an_unreachable_cache_lets_laboratory_results_through(
    lab_api, two_a_minute, monkeypatch
):
    class Down:
        def get(self, *args, **kwargs):
            raise ConnectionError("cache down")

        set = get

    monkeypatch.setattr(LabClientRateThrottle, "cache", Down())
    assert [lab_api.get("/api/v1/lab-results/").status_code for _ in range(3)] == [200] * 3


def test_reading_back_a_result_shows_no_flag_derived_from_the_patient(lab_api, patient_a):
    # patient_a is 79 on collection: the age-adjusted D-dimer cut-off would be 790 ng/mL FEU.
    d_dimer = item(patient_a.study_id, "DD-1", analyte="DDIMER_FEU", value="900", unit="ng/mL")
    (answer,) = batch(lab_api, d_dimer)
    assert answer["outcome"] == "created"
    assert "age-adjusted" in json.dumps(LabResult.objects.get().flags)  # people see it
    (read_back,) = lab_api.get("/api/v1/lab-results/").json()["results"]
    assert "flags" not in read_back and "790" not in json.dumps(read_back)


@pytest.mark.services
def test_the_budget_is_shared_by_processes_through_redis(lab_api, settings):
    """Through a real Redis, as production runs it: a second connection (another web
    process) sees the count the first one made, and the key is refused past it."""
    import os
    import uuid

    import environ
    import redis
    from django.core.cache import caches

    from conftest import need_service

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        need_service(f"Redis is not reachable at {url} ({exc})")
    prefix = f"test-throttle-{uuid.uuid4()}"  # never clear() a Redis others may use
    settings.CACHES = {"default": {**environ.Env.cache_url_config(url), "KEY_PREFIX": prefix}}
    settings.LAB_KEY_THROTTLE_RATE = "2/minute"
    key = f"throttle_lab_client_{LabClient.objects.get().pk}"
    try:
        assert [lab_api.get("/api/v1/lab-results/").status_code for _ in range(2)] == [200] * 2
        other_process = caches.create_connection("default")
        assert type(other_process).__name__ == "RedisCache"
        assert len(other_process.get(key)) == 2
        refused = lab_api.get("/api/v1/lab-results/")
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    finally:
        caches["default"].delete(key)
