"""Assessment API routes (included at /api/v1/ by config/api_router.py)."""

from django.urls import path

from assessments.api import views

urlpatterns = [
    path("instruments/", views.InstrumentListApi.as_view(), name="instrument-list"),
    path(
        "instruments/<str:code>/", views.InstrumentDetailApi.as_view(), name="instrument-detail"
    ),
    path(
        "instruments/<str:code>/score/",
        views.InstrumentScoreApi.as_view(),
        name="instrument-score",
    ),
    path(
        "patients/<str:study_id>/assessments/",
        views.PatientAssessmentsApi.as_view(),
        name="patient-assessments",
    ),
]
