"""biomarkers API routes (see config/api_router.py)."""

from django.urls import path

from biomarkers.api import fhir, hl7, views

urlpatterns = [
    path("lab-results/", views.LabResultsApi.as_view(), name="lab-results"),
    path(
        "patients/<str:study_id>/lab-results/",
        views.PatientLabResultsApi.as_view(),
        name="patient-lab-results",
    ),
    path("fhir/Observation", fhir.FhirObservationApi.as_view(), name="fhir-observation"),
    path(
        "fhir/Observation/<int:pk>",
        fhir.FhirObservationReadApi.as_view(),
        name="fhir-observation-read",
    ),
    path("fhir", fhir.FhirBundleApi.as_view(), name="fhir-bundle"),
    path("hl7/oru", hl7.Hl7OruApi.as_view(), name="hl7-oru"),
]
