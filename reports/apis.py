"""Report API: list and request runs, a run's status and progress, file downloads."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from core.api import created
from core.errors import ApplicationError
from reports import selectors, services
from reports.downloads import report_file_response
from reports.models import ReportRun
from reports.registry import report_type_get


class ReportFileOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    label = serializers.CharField(  # type: ignore[assignment]  # the field shadows Field.label only for mypy
        help_text='What the file is ("Summary", "Appendix A: each school, part 2 of 3"); empty if only its name says.'
    )
    content_type = serializers.CharField()
    size_bytes = serializers.IntegerField()
    sha256 = serializers.CharField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, obj: Any) -> str:
        return reverse(
            "reports-api:report-file",
            kwargs={"body_slug": self.context["body_slug"], "reportrun_id": obj.run_id, "reportfile_id": obj.pk},
        )


class ReportRunOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    report_type = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the field shadows Field.label only for mypy
    parameters = serializers.JSONField()
    status = serializers.ChoiceField(choices=ReportRun.Status.choices)
    progress_percent = serializers.IntegerField()
    progress_note = serializers.CharField()
    requested_by_label = serializers.CharField()
    error_message = serializers.CharField()
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    expired_at = serializers.DateTimeField(allow_null=True)
    files = ReportFileOutputSerializer(many=True, source="files.all")


class ReportRunListApi(TenantAPIView):
    """Runs of the report types your role may see, newest first."""

    required_action = Action.REQUEST_REPORT

    @extend_schema(responses=ReportRunOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        qs = selectors.report_run_list(tenant=self.tenant, access=self.access)
        return self.paginated(qs, ReportRunOutputSerializer, body_slug=body_slug)


class ReportRunRequestApi(TenantAPIView):
    """Queue a report. ``parameters`` are the report type's fields (for the governance
    pack: ``pool`` id and ``period_end`` date); errors come back per field."""

    required_action = Action.REQUEST_REPORT

    class InputSerializer(serializers.Serializer):
        report_type = serializers.CharField(max_length=60)
        parameters = serializers.DictField(required=False, default=dict)

    @extend_schema(request=InputSerializer, responses={201: ReportRunOutputSerializer})
    def post(self, request: Request, body_slug: str) -> Response:
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        rtype = report_type_get(s.validated_data["report_type"])
        if rtype is None or not self.access.can(rtype.action):
            raise exceptions.ValidationError({"report_type": ["Choose a report your role may request."]})
        self.require(rtype.action)
        if rtype.step_up:
            self.require_step_up()
        try:
            run = services.report_run_request(
                actor=self.actor, tenant=self.tenant, report_type=rtype.key, data=s.validated_data["parameters"]
            )
        except ApplicationError as exc:
            if exc.code == "invalid_parameters":
                raise exceptions.ValidationError({"parameters": exc.extra["fields"]}) from exc
            raise
        return created(ReportRunOutputSerializer(run, context={"body_slug": body_slug}).data)


class ReportRunDetailApi(TenantAPIView):
    required_action = Action.REQUEST_REPORT

    @extend_schema(responses=ReportRunOutputSerializer)
    def get(self, request: Request, body_slug: str, reportrun_id: int) -> Response:
        run = selectors.report_run_get(tenant=self.tenant, report_run_id=reportrun_id, access=self.access)
        return Response(ReportRunOutputSerializer(run, context={"body_slug": body_slug}).data)


class ReportFileDownloadApi(TenantAPIView):
    """The file itself, after its checksum is verified; each download is audited."""

    required_action = Action.REQUEST_REPORT

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request: Request, body_slug: str, reportrun_id: int, reportfile_id: int) -> FileResponse:
        run = selectors.report_run_get(tenant=self.tenant, report_run_id=reportrun_id, access=self.access)
        rtype = report_type_get(run.report_type)
        if rtype is not None and rtype.download_step_up:
            self.require(rtype.action)  # MFA set up, then a fresh code in X-MFA-Code
            self.require_step_up()
        report_file = selectors.report_file_get(tenant=self.tenant, run=run, report_file_id=reportfile_id)
        return report_file_response(actor=self.actor, tenant=self.tenant, run=run, report_file=report_file)
