"""Longitudinal pages: home, timelines, cohort dashboard."""

from django.urls import include, path

from longitudinal import views

app_name = "longitudinal"

urlpatterns = [
    path("timeline/<str:study_id>/", views.patient_timeline, name="timeline"),
    path(
        "timeline/<str:study_id>/alerts/<int:pk>/acknowledge/",
        views.alert_acknowledge,
        name="alert_acknowledge",
    ),
    path(
        "timeline/<str:study_id>/alerts/<int:pk>/undo/",
        views.alert_undo,
        name="alert_undo",
    ),
    path("cohort/", views.cohort_dashboard, name="cohort"),
    path("cohort/patients/", views.cohort_patients, name="cohort_patients"),
    path("exports/", include("longitudinal.exports.urls")),
]
