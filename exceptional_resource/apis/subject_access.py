"""Subject-access API: ``POST pupils/<pupil_id>/subject-access/`` queues the pupil's export
(decision officers and the body's admin); ``subject-access/<id>/`` reads its status and files
and ``subject-access/<id>/files/<file_id>/`` downloads the zip, for the requester only."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from core.api import created
from core.errors import NotFound
from exceptional_resource.services.subject_access import subject_access_request
from exceptional_resource.subject_access import REPORT_KEY
from reports import selectors as report_selectors
from reports.downloads import report_file_response
from reports.models import ReportRun


class FileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size_bytes = serializers.IntegerField()
    sha256 = serializers.CharField()
    deleted_at = serializers.DateTimeField(allow_null=True)


class SubjectAccessOutputSerializer(serializers.Serializer):
    report_run_id = serializers.IntegerField(source="pk")
    status = serializers.CharField()
    description = serializers.CharField(source="label")
    files = FileSerializer(many=True, read_only=True)


def _run(view: TenantAPIView, reportrun_id: int) -> ReportRun:
    run = report_selectors.report_run_get(tenant=view.tenant, report_run_id=reportrun_id, access=view.access)
    if run.report_type != REPORT_KEY:
        raise NotFound("No such export.")
    return run


class SubjectAccessRequestApi(TenantAPIView):
    required_action = Action.ANSWER_SUBJECT_ACCESS
    step_up_methods = frozenset({"POST"})  # a fresh authenticator code (accounts.stepup)

    @extend_schema(request=None, responses={201: SubjectAccessOutputSerializer})
    def post(self, request: Request, body_slug: str, pupil_id: int) -> Response:
        self.require(Action.ANSWER_SUBJECT_ACCESS)
        run = subject_access_request(actor=self.actor, tenant=self.tenant, pupil_id=pupil_id)
        return created(SubjectAccessOutputSerializer(run).data)


class SubjectAccessRunApi(TenantAPIView):
    required_action = Action.ANSWER_SUBJECT_ACCESS

    @extend_schema(responses=SubjectAccessOutputSerializer)
    def get(self, request: Request, body_slug: str, reportrun_id: int) -> Response:
        self.require(Action.ANSWER_SUBJECT_ACCESS)
        return Response(SubjectAccessOutputSerializer(_run(self, reportrun_id)).data)


class SubjectAccessDownloadApi(TenantAPIView):
    required_action = Action.ANSWER_SUBJECT_ACCESS
    step_up_methods = frozenset({"GET"})  # the download needs a fresh authenticator code

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request: Request, body_slug: str, reportrun_id: int, reportfile_id: int) -> FileResponse:
        self.require(Action.ANSWER_SUBJECT_ACCESS)
        run = _run(self, reportrun_id)
        report_file = report_selectors.report_file_get(tenant=self.tenant, run=run, report_file_id=reportfile_id)
        return report_file_response(actor=self.actor, tenant=self.tenant, run=run, report_file=report_file)
