"""Admin: reference data and staff roles. Clinical records are read-only here, with
their history; they are changed through the registry's pages and API only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from registry.models import AccessLog, Condition, Patient, Site, StaffProfile, Visit


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name"]


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "in_frail_scale"]


@admin.register(StaffProfile)
class StaffProfileAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role"]
    list_filter = ["role", "sites"]
    filter_horizontal = ["sites"]


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Patient)
class PatientAdmin(ReadOnlyAdmin):
    list_display = ["study_id", "family_name", "given_name", "site", "status"]
    list_filter = ["site", "status"]
    search_fields = ["study_id", "mrn", "family_name"]


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ["patient", "date", "kind"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "patient", "method", "path"]
    list_filter = ["method"]
