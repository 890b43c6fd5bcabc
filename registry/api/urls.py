from django.urls import path
from rest_framework.routers import SimpleRouter

from registry.api.views import PatientViewSet, PatientVisitsApi

router = SimpleRouter()
router.register("patients", PatientViewSet, basename="patient")

urlpatterns = [
    *router.urls,
    path(
        "patients/<str:study_id>/visits/",
        PatientVisitsApi.as_view(),
        name="patient-visits",
    ),
]
