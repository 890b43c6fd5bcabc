from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin

from biomarkers.models import LabClient


@admin.register(LabClient)
class LabClientAdmin(APIKeyModelAdmin):
    """Keys with the sites they serve: a key matches only patients of those sites."""

    list_display = (*APIKeyModelAdmin.list_display, "site_codes")
    list_filter = (*APIKeyModelAdmin.list_filter, "sites")
    filter_horizontal = ("sites",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("sites")

    @admin.display(description="sites")
    def site_codes(self, obj: LabClient) -> str:
        return ", ".join(site.code for site in obj.sites.all()) or "none (every result parked)"
