"""REST endpoints for studies, arms, enrolments, interventions, adverse events and the
safety table. Same services and selectors as the pages, so both answer the same."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import validated_input
from registry.access import (
    patient_get_for_study_data,
    patient_reads_record,
    require_study_manager,
)
from registry.models import AdverseEvent, Arm, Enrollment, Intervention, Study
from registry.studies import selectors, services
from registry.studies.serializers import (
    AdverseEventInput,
    AdverseEventOutput,
    ArmInput,
    ArmOutput,
    EnrollmentInput,
    EnrollmentOutput,
    InterventionInput,
    InterventionOutput,
    SafetyOutput,
    StudyInput,
    StudyOutput,
)

# --- Studies and arms ---------------------------------------------------------------------


class StudyListApi(generics.ListCreateAPIView):
    """Studies with their arms (protocol definitions) and visit schedule."""

    serializer_class = StudyOutput
    queryset = Study.objects.none()

    def get_queryset(self):
        return selectors.study_list(user=self.request.user).prefetch_related(
            "arms", "timepoints"
        )

    @extend_schema(
        request=StudyInput,
        responses={201: StudyOutput},
        examples=[OpenApiExample(
            "Blinded dose-finding study", request_only=True,
            value={"code": "MSC-DF", "name": "Allogeneic MSCs in frailty, dose finding",
                   "registration_id": "NCT02065245", "blinded": True, "description": "",
                   "default_schedule": True},
        )],
    )
    def post(self, request, *args, **kwargs):
        require_study_manager(request.user)
        data = validated_input(StudyInput, request.data)
        study = services.study_create(actor=request.user, **data)
        return Response(
            StudyOutput(study, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class StudyDetailApi(APIView):
    """One study, by code (or numeric id)."""

    @extend_schema(responses={200: StudyOutput})
    def get(self, request, key):
        study = selectors.study_get(user=request.user, key=key)
        counts = selectors.arm_enrolment_counts(user=request.user, study=study)
        context = {"request": request, "arm_counts": counts}
        return Response(StudyOutput(study, context=context).data)


class StudyArmsApi(APIView):
    """A study's arms; per-arm enrolment only for people who may see arms."""

    @extend_schema(responses={200: ArmOutput(many=True)})
    def get(self, request, key):
        study = selectors.study_get(user=request.user, key=key)
        counts = selectors.arm_enrolment_counts(user=request.user, study=study)
        context = {"request": request, "arm_counts": counts}
        return Response(ArmOutput(study.arms.all(), many=True, context=context).data)

    @extend_schema(
        request=ArmInput,
        responses={201: ArmOutput},
        examples=[OpenApiExample(
            "100 million cells", request_only=True,
            value={"code": "D100", "name": "100 million cells", "description": "",
                   "dose": "100", "dose_unit": "million cells", "placebo": False},
        )],
    )
    def post(self, request, key):
        require_study_manager(request.user)
        study = selectors.study_get(user=request.user, key=key)
        arm = services.arm_create(actor=request.user, study=study,
                                  **validated_input(ArmInput, request.data))
        return Response(ArmOutput(arm, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class StudySafetyApi(APIView):
    """The safety table: per arm for the unblinded, pooled otherwise; with the patients."""

    @extend_schema(responses={200: SafetyOutput})
    def get(self, request, key):
        study = selectors.study_get(user=request.user, key=key)
        table = selectors.safety_table(user=request.user, study=study)
        # The answer lists the study ids behind each count: note those patients.
        shown = (e.patient_id for rows in table.total.patients.values() for e in rows)
        patient_reads_record(user=request.user, patient_ids=shown)
        return Response({
            "study": study.code,
            "pooled": not table.unblinded,
            "measures": dict(selectors.MEASURES),
            "arms": [_group_out(g) for g in table.groups],
            "total": _group_out(table.total),
        })


def _group_out(group) -> dict:
    return {
        "arm": group.key or None,
        "label": group.label,
        "counts": {m: len(rows) for m, rows in group.patients.items()},
        "patients": {m: [e.patient.study_id for e in rows] for m, rows in group.patients.items()},
    }


# --- A patient's enrolments, interventions and adverse events -----------------------------


class _PatientListApi(generics.ListCreateAPIView):
    """Shared plumbing: the patient by study id, access-logged, site-scoped."""

    def _patient(self, *, write=False):
        return patient_get_for_study_data(
            user=self.request.user, study_id=self.kwargs["study_id"], write=write
        )

    def _read_patient(self):
        return self._patient()  # the read is noted for the access log by registry.access


class PatientEnrollmentsApi(_PatientListApi):
    """A patient's studies; arm, arm code and allocation read "blinded" in a study
    blinded to you."""

    serializer_class = EnrollmentOutput
    queryset = Enrollment.objects.none()

    def get_queryset(self):
        return self._read_patient().enrollments.select_related(
            "study", "arm", "allocation"
        ).order_by("enrolled_on", "id")

    @extend_schema(
        request=EnrollmentInput,
        responses={201: EnrollmentOutput},
        examples=[OpenApiExample(
            "From the allocation list", request_only=True,
            value={"study": "MSC-DF", "enrolled_on": "2025-06-02", "use_allocation": True},
        )],
    )
    def post(self, request, *args, **kwargs):
        patient = self._patient(write=True)
        data = validated_input(EnrollmentInput, request.data)
        code = data.pop("arm", "")
        if code:
            data["arm"] = Arm.objects.filter(study=data["study"], code=code).first()
            if data["arm"] is None:
                raise ValidationError({"arm": [
                    f"Study {data['study'].code} has no arm “{code}”."
                ]})
        enrollment = services.enrollment_create(actor=request.user, patient=patient, **data)
        return Response(EnrollmentOutput(enrollment, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class PatientInterventionsApi(_PatientListApi):
    """A patient's interventions; in a study blinded to you every arm-revealing field
    (product, description, dose, dose unit, volume, rate, notes) reads "blinded"."""

    serializer_class = InterventionOutput
    queryset = Intervention.objects.none()

    def get_queryset(self):
        return self._read_patient().interventions.select_related(
            "enrollment__study", "entered_by"
        ).order_by("start_date", "id")

    @extend_schema(
        request=InterventionInput,
        responses={201: InterventionOutput},
        examples=[OpenApiExample(
            "One MSC infusion", request_only=True,
            value={"study": "MSC-DF", "kind": "cell_therapy_infusion",
                   "product": "Allogeneic MSC", "dose": "100", "dose_unit": "million cells",
                   "route": "intravenous", "start_date": "2025-06-09",
                   "end_date": "2025-06-09", "volume_ml": "80", "rate_ml_min": "2"},
        )],
    )
    def post(self, request, *args, **kwargs):
        patient = self._patient(write=True)
        data = validated_input(InterventionInput, request.data)
        code = data.pop("study", "")
        if code:
            data["enrollment"] = patient.enrollments.filter(study__code=code).first()
            if data["enrollment"] is None:
                raise ValidationError({"study": [
                    f"The patient is not enrolled in a study “{code}”."
                ]})
        item = services.intervention_create(actor=request.user, patient=patient, **data)
        return Response(InterventionOutput(item, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


def _with_flags(events, *, first):
    """Attach the derived treatment-emergence to each event for the serializer."""
    for row in selectors.adverse_event_rows(events=events, first_intervention=first):
        row.event.study_day = row.flags.study_day
        row.event.treatment_emergent = row.flags.treatment_emergent
        row.event.te_sae_1m = row.flags.te_sae_1m
        yield row.event


class PatientAdverseEventsApi(_PatientListApi):
    """A patient's adverse events with derived treatment-emergence and TE-SAE ≤ 1 month."""

    serializer_class = AdverseEventOutput
    queryset = AdverseEvent.objects.none()

    def _first(self, patient):
        return selectors.patient_first_intervention(interventions=patient.interventions.all())

    def get_queryset(self):
        patient = self._read_patient()
        events = patient.adverse_events.select_related("entered_by").order_by("onset_date", "id")
        return list(_with_flags(events, first=self._first(patient)))

    @extend_schema(
        request=AdverseEventInput,
        responses={201: AdverseEventOutput},
        examples=[OpenApiExample(
            "Serious: hospitalisation", request_only=True,
            value={"onset_date": "2025-06-21", "resolved_on": "2025-06-30",
                   "description": "Community-acquired pneumonia", "severity": "severe",
                   "serious": True, "criterion_hospitalisation": True,
                   "relatedness": "unlikely", "action_taken": "treated",
                   "outcome": "recovered"},
        )],
    )
    def post(self, request, *args, **kwargs):
        patient = self._patient(write=True)
        data = validated_input(AdverseEventInput, request.data)
        event = services.adverse_event_create(actor=request.user, patient=patient, **data)
        event = next(_with_flags([event], first=self._first(patient)))
        return Response(AdverseEventOutput(event, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)
