"""Assessment pages, mounted at /assessments/."""

from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("<str:study_id>/visits/new/", views.visit_entry, name="visit_entry"),
    path("<str:study_id>/visits/<int:pk>/", views.visit_summary, name="visit_summary"),
    path("<str:study_id>/visits/<int:pk>/edit/", views.visit_entry, name="visit_entry_edit"),
]
