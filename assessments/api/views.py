"""Instrument catalogue, stateless scoring and patient assessments (schema: /api/schema/)."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import scoring, selectors, services
from assessments.api.serializers import (
    AssessmentFilterInput,
    AssessmentInput,
    AssessmentOutput,
    ScoreInput,
)
from assessments.models import Assessment
from core.api import error_response
from registry.access import patient_get_for_user

FRIED_EXAMPLE = {
    "inputs": {
        "sex": "female", "height_cm": 158, "weight_kg": 55, "grip_kg": 16,
        "walk_15ft_s": 7.4, "kcal_per_week": 250, "cesd_effort": 1, "cesd_going": 0,
        "weight_loss_10lb": False,
    }
}


def _instrument_or_404(code: str):
    try:
        return scoring.get(code)
    except scoring.UnknownInstrument as exc:
        return error_response(str(exc), code=status.HTTP_404_NOT_FOUND)


class InstrumentListApi(APIView):
    """Every instrument with its input schema, version and citation."""

    @extend_schema(operation_id="instruments_list", responses={200: dict})
    def get(self, request):
        return Response([i.schema() for i in scoring.all_instruments()])


class InstrumentDetailApi(APIView):
    @extend_schema(operation_id="instruments_retrieve", responses={200: dict})
    def get(self, request, code):
        instrument = _instrument_or_404(code)
        if isinstance(instrument, Response):
            return instrument
        return Response(instrument.schema())


class InstrumentScoreApi(APIView):
    """Score inputs without storing anything. Any authenticated person may call it."""

    @extend_schema(
        request=ScoreInput,
        responses={200: dict},
        examples=[OpenApiExample("Fried phenotype", value=FRIED_EXAMPLE, request_only=True)],
    )
    def post(self, request, code):
        instrument = _instrument_or_404(code)
        if isinstance(instrument, Response):
            return instrument
        data = ScoreInput(data=request.data)
        data.is_valid(raise_exception=True)
        _, result = services.assessment_score(
            visit=None, code=code, inputs=data.validated_data["inputs"]
        )
        return Response(result)


class PatientAssessmentsApi(generics.ListCreateAPIView):
    """A patient's assessments (filters: instrument, date_from, date_to); clinicians add."""

    serializer_class = AssessmentOutput
    queryset = Assessment.objects.none()  # scoped in get_queryset

    def _patient(self, *, write=False):
        return patient_get_for_user(
            user=self.request.user, study_id=self.kwargs["study_id"], write=write
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("instrument", str),
            OpenApiParameter("date_from", str, description="YYYY-MM-DD"),
            OpenApiParameter("date_to", str, description="YYYY-MM-DD"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        patient = self._patient()
        filters = AssessmentFilterInput(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.assessments_for_patient(patient=patient)
        return _filtered(queryset, **filters.validated_data)

    @extend_schema(
        request=AssessmentInput,
        responses={201: AssessmentOutput},
        examples=[
            OpenApiExample(
                "CFS at a visit",
                request_only=True,
                value={"date": "2025-06-02", "instrument": "cfs", "inputs": {"level": 4}},
            )
        ],
    )
    def post(self, request, *args, **kwargs):
        patient = self._patient(write=True)
        data = AssessmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = services.assessment_submit_for_date(
            actor=request.user, patient=patient, **data.validated_data
        )
        return Response(AssessmentOutput(assessment).data, status=status.HTTP_201_CREATED)


def _filtered(queryset, *, instrument=None, date_from=None, date_to=None):
    if instrument:
        queryset = queryset.filter(instrument=instrument)
    if date_from:
        queryset = queryset.filter(visit__date__gte=date_from)
    if date_to:
        queryset = queryset.filter(visit__date__lte=date_to)
    return queryset
