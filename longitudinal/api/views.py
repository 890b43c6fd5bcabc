"""Timeline and cohort-summary endpoints (docs/longitudinal.md describes both)."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from longitudinal import selectors, timeline
from longitudinal.filters import CohortFilterForm
from longitudinal.snapshots import snapshots_refresh_changed
from registry.access import can_view_cohort, patient_get_for_user

COHORT_PARAMETERS = [
    OpenApiParameter("site", str, description="Site code"),
    OpenApiParameter("sex", str, enum=["female", "male"]),
    OpenApiParameter("age_band", str, enum=["65-74", "75-84", "85+"]),
    OpenApiParameter("age_min", int),
    OpenApiParameter("age_max", int),
    OpenApiParameter("study", str, description="Study code"),
    OpenApiParameter("arm", str, description="Arm code (unblinded users only)"),
    OpenApiParameter("enrolled_from", str, description="YYYY-MM-DD"),
    OpenApiParameter("enrolled_to", str, description="YYYY-MM-DD"),
    OpenApiParameter("condition", str, description="Condition code"),
]


class PatientTimelineApi(APIView):
    """Every instrument's and analyte's series on one time axis, plus interventions and
    adverse events; change from baseline per measure."""

    @extend_schema(responses={200: dict})
    def get(self, request, study_id):
        patient = patient_get_for_user(user=request.user, study_id=study_id)
        data = timeline.patient_timeline(patient=patient, user=request.user)
        return Response(timeline.as_json(data))


class CohortSummaryApi(APIView):
    """The cohort dashboard's figures for the filtered, site-scoped cohort."""

    @extend_schema(parameters=COHORT_PARAMETERS, responses={200: dict})
    def get(self, request):
        if not can_view_cohort(request.user):
            raise PermissionDenied("Cohort figures are for coordinators and administrators.")
        form = CohortFilterForm(request.query_params, user=request.user)
        if not form.is_valid():
            errors = form.errors.get_json_data()
            raise exceptions.ValidationError(
                {field: [e["message"] for e in items] for field, items in errors.items()}
            )
        snapshots_refresh_changed()
        return Response(selectors.cohort_summary(user=request.user, form=form))
