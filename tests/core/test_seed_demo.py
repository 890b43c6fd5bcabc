"""seed_demo: idempotent, prints the logins, refuses to run with DEBUG off unless forced."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from registry.models import Patient, Visit

pytestmark = pytest.mark.django_db


def test_it_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("seed_demo", patients_per_site=1)


def test_it_is_idempotent_and_the_logins_work(capsys):
    call_command("seed_demo", "--force", patients_per_site=3)
    counts = (Patient.objects.count(), Visit.objects.count())
    call_command("seed_demo", "--force", patients_per_site=3)
    assert (Patient.objects.count(), Visit.objects.count()) == counts == (9, counts[1])
    assert counts[1] >= 9  # every patient has at least a baseline visit
    from assessments.models import Assessment

    # Every demo visit carries scored assessments, written once however often it runs.
    assert Assessment.objects.filter(instrument="fried").count() == counts[1]
    out = capsys.readouterr().out
    assert "clinician.a" in out and "frailty-demo" in out
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="clinician.a", password="frailty-demo")
