"""Admin: reference data and staff roles. Clinical records are read-only here, with
their history; they are changed through the registry's pages and API only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from registry.models import (
    AccessLog,
    AdverseEvent,
    Allocation,
    Condition,
    Enrollment,
    Intervention,
    Notification,
    Patient,
    Site,
    StaffProfile,
    Study,
    Visit,
)


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


# --- Studies (issue 5). Protocol objects are edited on the registry's study pages (which
# apply the rules); the admin shows them, and clinical study data, read-only with history.
@admin.register(Study)
class StudyAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "registration_id", "blinded"]


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    list_display = ["patient", "study", "arm", "enrolled_on", "allocation"]
    list_filter = ["study"]


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ["study", "site", "sequence", "arm"]
    list_filter = ["study", "site"]


@admin.register(Intervention)
class InterventionAdmin(ReadOnlyAdmin):
    list_display = ["patient", "kind", "product", "start_date"]
    list_filter = ["kind"]


@admin.register(AdverseEvent)
class AdverseEventAdmin(ReadOnlyAdmin):
    list_display = ["patient", "onset_date", "description", "serious", "outcome"]
    list_filter = ["serious", "outcome"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "kind", "created_at", "read_at"]
