"""One FilterSet drives the HTML patient list and the API's query parameters."""

import django_filters
from django.db.models import Q

from registry.access import sites_visible_to
from registry.models import Patient, Sex, Site


class PatientFilterSet(django_filters.FilterSet):
    """Search by name, study id or MRN; filter by site and sex."""

    q = django_filters.CharFilter(
        method="search", label="Search", help_text="Name, study id or MRN"
    )
    site = django_filters.ModelChoiceFilter(
        queryset=Site.objects.all(), to_field_name="code", empty_label="All my sites"
    )
    sex = django_filters.ChoiceFilter(choices=Sex.choices, empty_label="Any")

    class Meta:
        model = Patient
        fields = ["q", "site", "sex", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer only the sites the person can see: the list never hints at others.
        sites = sites_visible_to(self.request.user) if self.request else Site.objects.none()
        self.filters["site"].queryset = sites
        self.form.fields["site"].queryset = sites

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        query = Q(study_id__iexact=value) | Q(mrn__iexact=value)
        for term in value.split():
            query |= Q(given_name__icontains=term) | Q(family_name__icontains=term)
        return queryset.filter(query)
