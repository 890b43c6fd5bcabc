"""Longitudinal API routes (included at /api/v1/ by config/api_router.py)."""

from django.urls import include, path

from longitudinal.api import views

urlpatterns = [
    path(
        "patients/<str:study_id>/timeline/",
        views.PatientTimelineApi.as_view(),
        name="patient-timeline",
    ),
    path("cohort/summary/", views.CohortSummaryApi.as_view(), name="cohort-summary"),
    path("", include("longitudinal.exports.api")),
]
