"""export_request / export_run: the audit row, the file, failures and redelivery."""

import pytest
from django.core.exceptions import PermissionDenied

from longitudinal.exports import services as export_services
from longitudinal.exports import writers
from longitudinal.models import ExportJob, ExportStatus
from registry.models import StaffProfile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _request(capture, user, **kw):
    with capture(execute=True):
        job = export_services.export_request(user=user, kind=kw.pop("kind", "tidy"), **kw)
    job.refresh_from_db()
    return job


def test_a_request_is_recorded_then_run_after_commit(
    coordinator, patient_a, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        job = export_services.export_request(user=coordinator, kind="tidy",
                                             filters={"sex": "female"})
    assert job.status == ExportStatus.PENDING and len(callbacks) == 1
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.finished_at is not None
    assert job.filters["cohort"] == {"sex": "female"}
    path = media / job.file
    assert job.file == f"exports/{job.public_id}.csv" and path.is_file()
    assert path.read_text().startswith("pseudonym,sex,age_at_measure,date,")
    assert not list(media.glob("exports/*.part"))


def test_clinicians_cannot_request_exports(clinician_a):
    with pytest.raises(PermissionDenied):
        export_services.export_request(user=clinician_a, kind="tidy")
    assert not ExportJob.objects.exists()


def test_a_failure_ends_the_job_with_a_message(
    coordinator, monkeypatch, django_capture_on_commit_callbacks
):
    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writers, "export_write", boom)
    job = _request(django_capture_on_commit_callbacks, coordinator)
    assert job.status == ExportStatus.FAILED and "RuntimeError" in job.error


def test_rights_are_checked_again_when_the_export_runs(
    coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        job = export_services.export_request(user=coordinator, kind="tidy",
                                             filters={"site": "B"})
    StaffProfile.objects.get(user=coordinator).sites.remove(
        *StaffProfile.objects.get(user=coordinator).sites.filter(code="B"))
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and "Unknown site 'B'" in job.error


def test_a_broker_outage_fails_the_job_instead_of_leaving_it_waiting(
    coordinator, monkeypatch, django_capture_on_commit_callbacks
):
    from longitudinal import tasks

    def down(*args):
        raise ConnectionError("redis down")

    monkeypatch.setattr(tasks.export_run_task, "delay", down)
    job = _request(django_capture_on_commit_callbacks, coordinator)
    assert job.status == ExportStatus.FAILED and "could not be queued" in job.error


def test_a_redelivered_task_does_not_redo_a_finished_export(
    coordinator, django_capture_on_commit_callbacks
):
    job = _request(django_capture_on_commit_callbacks, coordinator, kind="dictionary")
    finished = job.finished_at
    export_services.export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.finished_at == finished
