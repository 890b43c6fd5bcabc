"""Admin: export jobs are the export audit, so they are shown read-only."""

from django.contrib import admin

from longitudinal.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Who exported what, with which filters and when; nobody edits or deletes it."""

    list_display = ("requested_at", "requested_by", "kind", "deidentified", "status",
                    "rows_done")
    list_filter = ("kind", "deidentified", "status")
    search_fields = ("requested_by__username", "public_id")
    date_hierarchy = "requested_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
