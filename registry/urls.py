from django.urls import path

from registry import study_views, views

app_name = "registry"

# Study pages come first: "studies/" must not be read as a patient's study id.
study_urlpatterns = [
    path("studies/", study_views.study_list, name="study_list"),
    path("studies/new/", study_views.study_create, name="study_create"),
    path("studies/<slug:code>/", study_views.study_detail, name="study_detail"),
    path("studies/<slug:code>/edit/", study_views.study_edit, name="study_edit"),
    path("studies/<slug:code>/arms/new/", study_views.arm_create, name="arm_create"),
    path("studies/<slug:code>/arms/<int:pk>/edit/", study_views.arm_edit, name="arm_edit"),
    path(
        "studies/<slug:code>/schedule/new/", study_views.timepoint_create,
        name="timepoint_create",
    ),
    path(
        "studies/<slug:code>/schedule/<int:pk>/edit/", study_views.timepoint_edit,
        name="timepoint_edit",
    ),
    path(
        "studies/<slug:code>/allocations/", study_views.allocation_list,
        name="allocation_list",
    ),
    path(
        "studies/<slug:code>/allocations/<int:pk>/edit/", study_views.allocation_edit,
        name="allocation_edit",
    ),
    path("studies/<slug:code>/safety/", study_views.safety_table, name="safety_table"),
    path(
        "studies/<slug:code>/safety/<slug:measure>/", study_views.safety_patients,
        name="safety_patients",
    ),
    path("visits-due/", study_views.visits_due, name="visits_due"),
    path("notifications/", study_views.notification_list, name="notification_list"),
    path("notifications/read/", study_views.notifications_read, name="notifications_read"),
]

urlpatterns = [
    *study_urlpatterns,
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
    path(
        "<str:study_id>/enrolments/new/", study_views.enrollment_create,
        name="enrollment_create",
    ),
    path(
        "<str:study_id>/interventions/new/", study_views.intervention_create,
        name="intervention_create",
    ),
    path(
        "<str:study_id>/interventions/<int:pk>/edit/", study_views.intervention_edit,
        name="intervention_edit",
    ),
    path(
        "<str:study_id>/adverse-events/new/", study_views.adverse_event_create,
        name="adverse_event_create",
    ),
    path(
        "<str:study_id>/adverse-events/<int:pk>/edit/", study_views.adverse_event_edit,
        name="adverse_event_edit",
    ),
]
