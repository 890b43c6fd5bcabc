from django.urls import path

from registry import views
from registry.studies import urls as study_urls

app_name = "registry"

urlpatterns = [
    # Study pages come first: "studies/" must not be read as a patient's study id.
    *study_urls.urlpatterns,
    path("", views.patient_list, name="patient_list"),
    path("new/", views.patient_create, name="patient_create"),
    path("<str:study_id>/", views.patient_detail, name="patient_detail"),
    path("<str:study_id>/edit/", views.patient_edit, name="patient_edit"),
    path("<str:study_id>/history/", views.patient_history, name="patient_history"),
    path("<str:study_id>/conditions/", views.condition_add, name="condition_add"),
    path(
        "<str:study_id>/conditions/<int:pk>/remove/",
        views.condition_remove,
        name="condition_remove",
    ),
    path("<str:study_id>/visits/new/", views.visit_create, name="visit_create"),
    path("<str:study_id>/visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    *study_urls.patient_urlpatterns,
]
