"""Study pages. Part of the registry's URLconf (namespace `registry`, mounted under
/patients/): registry/urls.py puts `urlpatterns` before the patient routes, so that
"studies/" is never read as a patient's study id, and `patient_urlpatterns` after them."""

from django.urls import path

from registry.studies import views

urlpatterns = [
    path("studies/", views.study_list, name="study_list"),
    path("studies/new/", views.study_create, name="study_create"),
    path("studies/<slug:code>/", views.study_detail, name="study_detail"),
    path("studies/<slug:code>/edit/", views.study_edit, name="study_edit"),
    path("studies/<slug:code>/arms/new/", views.arm_create, name="arm_create"),
    path("studies/<slug:code>/arms/<int:pk>/edit/", views.arm_edit, name="arm_edit"),
    path("studies/<slug:code>/schedule/new/", views.timepoint_create, name="timepoint_create"),
    path(
        "studies/<slug:code>/schedule/<int:pk>/edit/", views.timepoint_edit,
        name="timepoint_edit",
    ),
    path("studies/<slug:code>/allocations/", views.allocation_list, name="allocation_list"),
    path(
        "studies/<slug:code>/allocations/<int:pk>/edit/", views.allocation_edit,
        name="allocation_edit",
    ),
    path("studies/<slug:code>/safety/", views.safety_table, name="safety_table"),
    path(
        "studies/<slug:code>/safety/<slug:measure>/", views.safety_patients,
        name="safety_patients",
    ),
    path("visits-due/", views.visits_due, name="visits_due"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]

# A patient's study records, addressed by the patient's study id.
patient_urlpatterns = [
    path(
        "<str:study_id>/enrolments/new/", views.enrollment_create, name="enrollment_create"
    ),
    path(
        "<str:study_id>/interventions/new/", views.intervention_create,
        name="intervention_create",
    ),
    path(
        "<str:study_id>/interventions/<int:pk>/edit/", views.intervention_edit,
        name="intervention_edit",
    ),
    path(
        "<str:study_id>/adverse-events/new/", views.adverse_event_create,
        name="adverse_event_create",
    ),
    path(
        "<str:study_id>/adverse-events/<int:pk>/edit/", views.adverse_event_edit,
        name="adverse_event_edit",
    ),
]
