"""factory_boy factories. Patients get their study id the way the service assigns it."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from registry.models import Patient, Site, StaffProfile, Visit
from registry.services import study_id_for


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"S{n}")
    name = factory.LazyAttribute(lambda o: f"Site {o.code}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


def staff(username: str, role: str, sites) -> object:
    user = UserFactory(username=username)
    profile = StaffProfile.objects.create(user=user, role=role)
    profile.sites.set(sites)
    return user


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient
        skip_postgeneration_save = True

    site = factory.SubFactory(SiteFactory)
    mrn = factory.Sequence(lambda n: f"MRN{n:05d}")
    given_name = "Edith"
    family_name = factory.Sequence(lambda n: f"Family{n}")
    date_of_birth = dt.date(1945, 6, 1)
    sex = "female"
    enrolled_on = dt.date(2025, 1, 15)

    @factory.post_generation
    def assign_study_id(obj, create, extracted, **kwargs):
        if create and not obj.study_id:
            obj.study_id = study_id_for(obj.pk)
            obj.save(update_fields=["study_id"])


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    patient = factory.SubFactory(PatientFactory)
    date = dt.date(2025, 1, 15)
    kind = "baseline"
    weight_kg = 62
    height_cm = 160
