"""The daily overdue-visit task: each site's clinicians get one notice per missed visit."""

import datetime as dt

import pytest
from django.core import mail

from registry import tasks
from registry.models import Notification
from registry.studies import selectors as study_selectors
from registry.studies import services as study_services
from tests.factories import VisitFactory
from tests.registry.conftest import INFUSION_DAY

pytestmark = pytest.mark.django_db

DAY_40 = INFUSION_DAY + dt.timedelta(days=40)  # month 1 window (day 23–37) has closed


@pytest.fixture
def with_email(clinician_a, clinician_b):
    for user in (clinician_a, clinician_b):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])


def test_it_notifies_the_sites_clinicians_once_and_emails_them(
    with_email, clinician_a, clinician_b, coordinator, enrolled_a, infusion_a,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        assert study_services.overdue_visits_notify(today=DAY_40) == 1
    notice = Notification.objects.get()
    assert notice.recipient == clinician_a  # not B's clinician, not the coordinator
    assert "Month 1" in notice.message and enrolled_a.patient.study_id in notice.message
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    with django_capture_on_commit_callbacks(execute=True):
        assert study_services.overdue_visits_notify(today=DAY_40 + dt.timedelta(days=1)) == 0
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1


def test_a_visit_in_the_window_is_not_overdue(clinician_a, enrolled_a, infusion_a):
    VisitFactory(patient=enrolled_a.patient, date=INFUSION_DAY - dt.timedelta(days=3))
    VisitFactory(patient=enrolled_a.patient, kind="follow_up",
                 date=INFUSION_DAY + dt.timedelta(days=29))
    assert study_services.overdue_visits_notify(today=DAY_40) == 0


def test_long_missed_visits_are_listed_but_not_notified(client_a, enrolled_a, infusion_a):
    # A first run on an old cohort must not send years of notices at once.
    much_later = INFUSION_DAY + dt.timedelta(days=300)
    assert study_services.overdue_visits_notify(today=much_later) == 0
    due = study_selectors.visits_due(user=enrolled_a.entered_by, today=much_later)
    assert {p.window.name for p in due if p.status == "overdue"} == {
        "Baseline", "Month 1", "Month 3", "Month 6"
    }


def test_the_celery_task_calls_the_service(clinician_a, enrolled_a, infusion_a, monkeypatch):
    called = {}
    monkeypatch.setattr(
        study_services, "overdue_visits_notify", lambda: called.setdefault("yes", 3)
    )
    assert tasks.notify_overdue_visits.delay().get() == 3 and called


def test_the_task_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["notify-overdue-study-visits"]
    assert entry["task"] == tasks.notify_overdue_visits.name
