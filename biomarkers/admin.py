from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin

from biomarkers.models import LabClient


@admin.register(LabClient)
class LabClientAdmin(APIKeyModelAdmin):
    pass
