"""The lab panel saved twice stores one result and raises one alert (issue 9).

Two guards: the form token (double click, back to the same page and resubmit) and the
natural key patient + analyte + collection time + value (a reloaded page carries a new
token, so only the stored result can tell).
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from biomarkers import services
from biomarkers.models import LabResult, ResultStatus
from longitudinal.models import Alert
from tests.factories import VisitFactory
from tests.html_forms import page_form

pytestmark = pytest.mark.django_db

COLLECTED = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
CRP_HIGH = {"analyte": "CRP", "value": "12.5", "unit": "mg/L"}  # ≥10 mg/L: an alert


@pytest.fixture
def visit(patient_a):
    return VisitFactory(patient=patient_a, date=COLLECTED.date())


def _panel(client, patient, **values) -> tuple[str, dict]:
    """The panel page's form as rendered, with the values a clinician typed."""
    url = reverse("biomarkers:panel_entry", args=[patient.study_id])
    data = page_form(client.get(url).text, url).submission()
    data.update({name: [value] for name, value in values.items()})
    return url, data


def _alerts_after_opening_the_patient(client, patient) -> int:
    client.get(reverse("registry:patient_detail", args=[patient.study_id]))  # evaluates alerts
    return Alert.objects.filter(patient=patient).count()


def test_a_double_submitted_panel_stores_each_result_and_alert_once(client_a, patient_a, visit):
    url, data = _panel(client_a, patient_a, value_CRP="12.5", value_IL6="3.1")

    first = client_a.post(url, data)
    second = client_a.post(url, data)

    assert first.status_code == second.status_code == 302
    assert second.url == first.url
    assert sorted(LabResult.objects.values_list("analyte", flat=True)) == ["CRP", "IL6"]
    assert _alerts_after_opening_the_patient(client_a, patient_a) == 1


def test_a_panel_resubmitted_from_a_reloaded_page_is_already_recorded(
    client_a, patient_a, visit
):
    url, data = _panel(client_a, patient_a, value_CRP="12.5", value_IL6="3.1")
    client_a.post(url, data)
    url, fresh = _panel(client_a, patient_a, value_CRP="12.5", value_IL6="3.1")
    assert fresh["form_token"] != data["form_token"]

    response = client_a.post(url, fresh)

    assert response.status_code == 400
    assert "Already recorded: 12.5 mg/L collected at 09:00" in response.text
    assert "Already recorded: 3.1 pg/mL" in response.text
    assert LabResult.objects.count() == 2
    assert _alerts_after_opening_the_patient(client_a, patient_a) == 1


def test_the_same_result_entered_twice_is_already_recorded(clinician_a, visit):
    services.lab_panel_enter(actor=clinician_a, visit=visit, collected_at=COLLECTED,
                             entries=[CRP_HIGH])
    with pytest.raises(ValidationError) as refused:
        services.lab_panel_enter(actor=clinician_a, visit=visit, collected_at=COLLECTED,
                                 entries=[CRP_HIGH, {"analyte": "IL6", "value": "3.1",
                                                     "unit": "pg/mL"}])
    assert list(refused.value.message_dict) == ["CRP"]
    assert "Already recorded" in refused.value.message_dict["CRP"][0]
    assert LabResult.objects.count() == 1  # the panel is all or nothing: IL-6 waits


def test_the_same_value_in_another_unit_is_the_same_result(clinician_a, visit):
    services.lab_panel_enter(actor=clinician_a, visit=visit, collected_at=COLLECTED,
                             entries=[CRP_HIGH])
    with pytest.raises(ValidationError):
        services.lab_panel_enter(actor=clinician_a, visit=visit, collected_at=COLLECTED,
                                 entries=[{"analyte": "CRP", "value": "1.25", "unit": "mg/dL"}])
    assert LabResult.objects.count() == 1


@pytest.mark.parametrize("change", [
    {"value": "12.6"},  # another value
    {"value": "<12.5"},  # a censored value is not the number itself
])
def test_a_different_value_at_the_same_time_is_stored(clinician_a, visit, change):
    services.lab_panel_enter(actor=clinician_a, visit=visit, collected_at=COLLECTED,
                             entries=[CRP_HIGH])
    services.lab_panel_enter(actor=clinician_a, visit=visit, collected_at=COLLECTED,
                             entries=[{**CRP_HIGH, **change}])
    assert LabResult.objects.count() == 2


def test_the_same_value_at_another_time_is_stored(clinician_a, visit):
    for collected in (COLLECTED, COLLECTED + dt.timedelta(hours=3)):
        services.lab_panel_enter(actor=clinician_a, visit=visit, collected_at=collected,
                                 entries=[CRP_HIGH])
    assert LabResult.objects.count() == 2


def test_a_retracted_result_can_be_entered_again(clinician_a, visit):
    services.lab_panel_enter(actor=clinician_a, visit=visit, collected_at=COLLECTED,
                             entries=[CRP_HIGH])
    LabResult.objects.update(status=ResultStatus.ENTERED_IN_ERROR)

    services.lab_panel_enter(actor=clinician_a, visit=visit, collected_at=COLLECTED,
                             entries=[CRP_HIGH])

    assert LabResult.objects.exclude(status=ResultStatus.ENTERED_IN_ERROR).count() == 1
