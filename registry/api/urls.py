from django.urls import path
from rest_framework.routers import SimpleRouter

from registry.api.views import PatientViewSet, PatientVisitsApi
from registry.studies.api import (
    PatientAdverseEventsApi,
    PatientEnrollmentsApi,
    PatientInterventionsApi,
    StudyArmsApi,
    StudyDetailApi,
    StudyListApi,
    StudySafetyApi,
)

router = SimpleRouter()
router.register("patients", PatientViewSet, basename="patient")

urlpatterns = [
    *router.urls,
    path(
        "patients/<str:study_id>/visits/",
        PatientVisitsApi.as_view(),
        name="patient-visits",
    ),
    path(
        "patients/<str:study_id>/enrolments/",
        PatientEnrollmentsApi.as_view(),
        name="patient-enrolments",
    ),
    path(
        "patients/<str:study_id>/interventions/",
        PatientInterventionsApi.as_view(),
        name="patient-interventions",
    ),
    path(
        "patients/<str:study_id>/adverse-events/",
        PatientAdverseEventsApi.as_view(),
        name="patient-adverse-events",
    ),
    path("studies/", StudyListApi.as_view(), name="study-list"),
    path("studies/<str:key>/", StudyDetailApi.as_view(), name="study-detail"),
    path("studies/<str:key>/arms/", StudyArmsApi.as_view(), name="study-arms"),
    path("studies/<str:key>/safety/", StudySafetyApi.as_view(), name="study-safety"),
]
