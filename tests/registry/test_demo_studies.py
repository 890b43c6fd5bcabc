"""The demo study of seed_demo: blinded, four arms, enrolled and infused patients."""

import pytest
from django.core.management import call_command

from registry.demo import USERS
from registry.models import AdverseEvent, Intervention, Study
from registry.studies import selectors as study_selectors

pytestmark = pytest.mark.django_db


def test_the_demo_study_is_seeded_once(django_user_model):
    call_command("seed_demo", "--force", patients_per_site=4)
    study = Study.objects.get(code="MSC-FRAIL-DF")
    counts = (study.enrollments.count(), Intervention.objects.count())
    call_command("seed_demo", "--force", patients_per_site=4)
    assert (study.enrollments.count(), Intervention.objects.count()) == counts
    assert study.blinded and [a.dose_unit for a in study.arms.exclude(placebo=True)] == [
        "million cells"
    ] * 3
    assert Intervention.objects.filter(volume_ml=80, rate_ml_min=2).count() == counts[0]
    assert AdverseEvent.objects.filter(serious=True).exists()
    unblinded = {u.username for u in django_user_model.objects.all()
                 if u.has_perm("registry.unblinded")}
    assert unblinded == {"admin", "coordinator"}
    assert len(USERS) == 4


def test_the_demo_has_one_te_sae_within_a_month(django_user_model):
    call_command("seed_demo", "--force", patients_per_site=4)
    admin = django_user_model.objects.get(username="admin")
    table = study_selectors.safety_table(user=admin, study=Study.objects.get(code="MSC-FRAIL-DF"))
    assert table.total.count("te_sae_1m") == 1
