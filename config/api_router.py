"""All /api/v1/ routes, one include per app (cookiecutter-django's api_router)."""

from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("", include("registry.api.urls")),
    path("", include("assessments.api.urls")),
    path("", include("biomarkers.api.urls")),
    path("", include("longitudinal.api.urls")),
]
