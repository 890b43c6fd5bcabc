"""REST endpoints for patients and visits. Same services and selectors as the pages,
so both answer the same."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.response import Response

from core.api import validated_input
from registry import selectors, services
from registry.access import patient_get_for_user, patient_reads_record
from registry.api.serializers import PatientInput, PatientOutput, VisitInput, VisitOutput
from registry.filtersets import PatientFilterSet
from registry.models import Visit


class PatientViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Patients visible to the person, addressed by study id."""

    lookup_field = "study_id"
    lookup_value_regex = "[^/]+"
    filterset_class = PatientFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            selectors.patient_list(user=self.request.user)
            .prefetch_related("conditions__condition")
            .order_by("study_id")
        )

    def paginate_queryset(self, queryset):
        # The list shows names, MRNs and birth dates: note the patients of this page.
        page = super().paginate_queryset(queryset)
        patient_reads_record(user=self.request.user, patient_ids=[p.pk for p in page or ()])
        return page

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return PatientInput
        return PatientOutput

    def get_object(self):
        write = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return patient_get_for_user(
            user=self.request.user, study_id=self.kwargs["study_id"], write=write
        )

    @extend_schema(
        request=PatientInput,
        responses={201: PatientOutput},
        examples=[
            OpenApiExample(
                "New patient",
                request_only=True,
                value={
                    "site": "A", "mrn": "A-123456", "given_name": "Margaret",
                    "family_name": "Hill", "date_of_birth": "1944-03-14", "sex": "female",
                    "enrolled_on": "2025-06-02",
                },
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        data = validated_input(PatientInput, request.data)
        patient = services.patient_create(actor=request.user, **data)
        return Response(_patient_out(patient), status=status.HTTP_201_CREATED)

    @extend_schema(request=PatientInput, responses={200: PatientOutput})
    def partial_update(self, request, *args, **kwargs):
        patient = self.get_object()
        data = validated_input(PatientInput, request.data, partial=True)
        services.patient_update(actor=request.user, patient=patient, **data)
        return Response(_patient_out(patient))


def _patient_out(patient) -> dict:
    return PatientOutput(selectors.patient_detail(patient=patient)).data


class PatientVisitsApi(generics.ListCreateAPIView):
    """A patient's visits, oldest first; clinicians of the site add visits."""

    serializer_class = VisitOutput
    queryset = Visit.objects.none()  # the real queryset is scoped in get_queryset

    def _patient(self, *, write=False):
        return patient_get_for_user(
            user=self.request.user, study_id=self.kwargs["study_id"], write=write
        )

    def get_queryset(self):
        patient = self._patient()
        return patient.visits.select_related("entered_by").order_by("date")

    @extend_schema(
        request=VisitInput,
        responses={201: VisitOutput},
        examples=[
            OpenApiExample(
                "Baseline visit",
                request_only=True,
                value={"date": "2025-06-02", "kind": "baseline", "weight_kg": "61.5",
                       "height_cm": "158.0", "notes": ""},
            )
        ],
    )
    def post(self, request, *args, **kwargs):
        patient = self._patient(write=True)
        data = validated_input(VisitInput, request.data)
        visit = services.visit_create(actor=request.user, patient=patient, **data)
        return Response(VisitOutput(visit).data, status=status.HTTP_201_CREATED)

