"""Query parameters of the result lists (docs/biomarkers.md: analyte, date_from, date_to)."""

import django_filters

from biomarkers.models import LabResult


class LabResultFilterSet(django_filters.FilterSet):
    analyte = django_filters.CharFilter(field_name="analyte__code", lookup_expr="iexact")
    date_from = django_filters.DateFilter(field_name="collected_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="collected_at", lookup_expr="date__lte")

    class Meta:
        model = LabResult
        fields = ["analyte", "date_from", "date_to"]


class LabReadBackFilterSet(LabResultFilterSet):
    external_id = django_filters.CharFilter(field_name="external_id")

    class Meta(LabResultFilterSet.Meta):
        fields = [*LabResultFilterSet.Meta.fields, "external_id"]
