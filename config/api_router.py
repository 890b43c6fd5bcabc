"""The one DRF router for /api/v1/ (cookiecutter-django style)."""

from django.urls import include, path

from registry.api import urls as registry_urls

app_name = "api"

urlpatterns = [
    path("", include(registry_urls)),
]
