"""Export pages, included by longitudinal/urls.py under exports/."""

from django.urls import path

from longitudinal.exports import views

urlpatterns = [
    path("", views.export_create, name="export_create"),
    path("log/", views.export_log, name="export_log"),
    path("<uuid:public_id>/", views.export_detail, name="export_detail"),
    path("<uuid:public_id>/download/", views.export_download, name="export_download"),
]
