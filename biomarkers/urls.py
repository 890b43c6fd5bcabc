"""biomarkers pages, mounted at /labs/."""

from django.urls import path

from biomarkers import views

app_name = "biomarkers"

urlpatterns = [
    path("patients/<str:study_id>/results/new/", views.panel_entry, name="panel_entry"),
    path(
        "patients/<str:study_id>/results/<int:pk>/history/",
        views.result_history,
        name="result_history",
    ),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.parked_detail, name="parked_detail"),
    path("uploads/", views.upload_create, name="upload_create"),
    path("uploads/<uuid:public_id>/", views.upload_detail, name="upload_detail"),
    path("uploads/<uuid:public_id>/report.csv", views.upload_report, name="upload_report"),
]
