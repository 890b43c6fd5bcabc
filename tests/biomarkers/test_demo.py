"""The biomarker demo step: plausible panels, written once however often seed_demo runs."""

import pytest
from django.core.management import call_command

from biomarkers.models import LabResult

pytestmark = pytest.mark.django_db


def test_the_demo_panels_are_idempotent_and_plausible(capsys):
    call_command("seed_demo", "--force", patients_per_site=2)
    count = LabResult.objects.count()
    assert count > 0 and "new demo results" in capsys.readouterr().out
    call_command("seed_demo", "--force", patients_per_site=2)
    assert LabResult.objects.count() == count
    assert set(LabResult.objects.values_list("analyte_id", flat=True)) == {
        "IL6", "TNFA", "CRP", "FIB", "DDIMER_FEU"
    }  # fmt: skip
