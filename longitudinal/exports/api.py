"""Export endpoints: POST /api/v1/exports/ to request, GET /api/v1/exports/{id}/ for status.

Same service as the export page; the file itself is downloaded from the `download_url`
(a browser page, session-authenticated) once the status is "done".
"""

from django.conf import settings
from django.db import transaction
from django.urls import path, reverse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from longitudinal.exports import formats, services
from longitudinal.models import ExportJob, ExportKind, ExportStatus


class ExportRequestInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ExportKind.choices)
    deidentified = serializers.BooleanField(default=True)
    date_mode = serializers.ChoiceField(
        choices=formats.DATE_MODES, required=False,
        help_text="shifted (default when de-identified), days_from_baseline, or date "
                  "(identified only; the default then).",
    )
    format = serializers.ChoiceField(
        choices=formats.DICTIONARY_FORMATS, default="csv",
        help_text="File format of the data dictionary (csv or md).",
    )
    recipient = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default="",
        help_text="Who receives the file (a team or project). De-identified exports with the "
                  "same label have the same pseudonyms and date shifts; other labels get "
                  "unrelated ones.",
    )
    filters = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=100), required=False,
        default=dict,
        help_text="Cohort filters, as on the dashboard: site, sex, age_band, age_min, "
                  "age_max, study, arm, enrolled_from, enrolled_to, condition.",
    )


class ExportJobOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    kind = serializers.CharField()
    deidentified = serializers.BooleanField()
    date_mode = serializers.SerializerMethodField()
    recipient = serializers.SerializerMethodField()
    filters = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=ExportStatus.choices)
    rows_done = serializers.IntegerField()
    rows_total = serializers.IntegerField(allow_null=True)
    percent = serializers.SerializerMethodField()
    error = serializers.CharField()
    requested_by = serializers.CharField(source="requested_by.username")
    requested_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    status_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    def get_date_mode(self, job) -> str:
        return job.filters.get("date_mode", "")

    def get_recipient(self, job) -> str:
        return job.filters.get("recipient", "")

    def get_filters(self, job) -> dict[str, str]:
        return job.filters.get("cohort", {})

    def get_percent(self, job) -> int:
        return services.export_percent(job=job)

    def get_status_url(self, job) -> str:
        return self._absolute(reverse("api:export-detail", args=[job.public_id]))

    def get_download_url(self, job) -> str | None:
        if job.status != ExportStatus.DONE:
            return None
        return self._absolute(reverse("longitudinal:export_download", args=[job.public_id]))

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


_EXAMPLE_JOB = {
    "id": "6f1c2d3e-0000-4000-8000-000000000001", "kind": "tidy", "deidentified": True,
    "date_mode": "shifted", "recipient": "MSC-DF statistics team",
    "filters": {"site": "A", "age_band": "75-84"},
    "status": "running", "rows_done": 120000, "rows_total": 480000, "percent": 25,
    "error": "", "requested_by": "coordinator", "requested_at": "2025-06-02T09:14:00Z",
    "finished_at": None,
    "status_url": "https://registry.example.org/api/v1/exports/6f1c2d3e-0000-4000-8000-000000000001/",
    "download_url": None,
}


class ExportListApi(APIView):
    """Request an export of the cohort (coordinators and administrators)."""

    @extend_schema(
        request=ExportRequestInput,
        responses={
            202: ExportJobOutput,
            400: OpenApiResponse(description="Unknown filter value, inverted range, bad option"),
            403: OpenApiResponse(description="No export rights, or arm filter when blinded"),
            503: OpenApiResponse(description="Task queue unavailable: the job is failed; "
                                             "retry after Retry-After seconds"),
        },
        examples=[
            OpenApiExample(
                "De-identified tidy export of site A, aged 75-84", request_only=True,
                value={"kind": "tidy", "deidentified": True, "date_mode": "shifted",
                       "recipient": "MSC-DF statistics team",
                       "filters": {"site": "A", "age_band": "75-84"}},
            ),
            OpenApiExample(
                "Wide export, days from baseline, one study", request_only=True,
                value={"kind": "wide", "deidentified": True,
                       "date_mode": "days_from_baseline", "filters": {"study": "MSC-DF"}},
            ),
            OpenApiExample("Queued", response_only=True, status_codes=["202"],
                           value={**_EXAMPLE_JOB, "status": "pending", "rows_done": 0,
                                  "rows_total": None, "percent": 0}),
        ],
    )
    def post(self, request):
        services.export_rights_require(user=request.user)
        data = ExportRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        job = services.export_request(
            user=request.user, kind=values["kind"], deidentified=values["deidentified"],
            date_mode=values.get("date_mode"), dictionary_format=values["format"],
            filters=values["filters"], recipient=values["recipient"],
        )
        out = ExportJobOutput(job, context={"request": request}).data
        response = Response(out, status=status.HTTP_202_ACCEPTED,
                            headers={"Location": out["status_url"]})
        # The job is queued when the request commits, after this view and before the
        # answer is rendered: the answer then tells the job's real state.
        transaction.on_commit(lambda: _real_state(response, job, request))
        return response


def _real_state(response: Response, job: ExportJob, request) -> None:
    """Queued (202), run already (eager mode), or failed: the task queue is down (503)."""
    job.refresh_from_db()
    out = ExportJobOutput(job, context={"request": request}).data
    response.data = out
    if job.status == ExportStatus.FAILED:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        response.data = {"detail": job.error, "errors": {}, "job": out}
        response["Retry-After"] = str(settings.RETRY_AFTER_SECONDS)


class ExportDetailApi(APIView):
    """An export's status and, once done, its download link (requester or administrator)."""

    @extend_schema(
        responses={200: ExportJobOutput, 404: OpenApiResponse(description="Not yours")},
        examples=[OpenApiExample("Running", value=_EXAMPLE_JOB, response_only=True)],
    )
    def get(self, request, public_id):
        services.export_rights_require(user=request.user)
        job: ExportJob = services.export_job_get(user=request.user, public_id=public_id)
        return Response(ExportJobOutput(job, context={"request": request}).data)


urlpatterns = [
    path("exports/", ExportListApi.as_view(), name="exports"),
    path("exports/<uuid:public_id>/", ExportDetailApi.as_view(), name="export-detail"),
]
