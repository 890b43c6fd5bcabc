"""Site scoping through the one access helper."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from registry.access import patient_get_for_user, patients_visible_to
from tests.factories import PatientFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_clinicians_see_only_their_sites(clinician_a, clinician_b, patient_a, patient_b):
    assert list(patients_visible_to(clinician_a)) == [patient_a]
    assert list(patients_visible_to(clinician_b)) == [patient_b]


def test_coordinators_see_their_assigned_sites_only(coordinator, patient_a, patient_b):
    other = PatientFactory(site=SiteFactory(code="C"))
    visible = set(patients_visible_to(coordinator))
    assert visible == {patient_a, patient_b}
    assert other not in visible


def test_administrators_see_every_site(admin_user, patient_a, patient_b):
    assert set(patients_visible_to(admin_user)) == {patient_a, patient_b}


def test_a_user_without_a_role_sees_nothing(patient_a):
    assert not patients_visible_to(UserFactory()).exists()


def test_another_sites_patient_is_not_found(clinician_b, patient_a):
    with pytest.raises(Http404):
        patient_get_for_user(user=clinician_b, study_id=patient_a.study_id)


def test_coordinators_read_but_cannot_write(coordinator, patient_a):
    assert patient_get_for_user(user=coordinator, study_id=patient_a.study_id) == patient_a
    with pytest.raises(PermissionDenied):
        patient_get_for_user(user=coordinator, study_id=patient_a.study_id, write=True)
