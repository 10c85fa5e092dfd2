"""Subject-access API: ``POST pupils/<pupil_id>/subject-access/`` queues the pupil's export
(decision officers and the body's admin); the run and its file are read and downloaded
through the reports API (``reports/<id>/``), by the requester only."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from core.api import created
from exceptional_resource.services.subject_access import subject_access_request


class SubjectAccessOutputSerializer(serializers.Serializer):
    report_run_id = serializers.IntegerField(source="pk")
    status = serializers.CharField()
    description = serializers.CharField(source="label")


class SubjectAccessRequestApi(TenantAPIView):
    required_action = Action.ANSWER_SUBJECT_ACCESS

    @extend_schema(request=None, responses={201: SubjectAccessOutputSerializer})
    def post(self, request: Request, body_slug: str, pupil_id: int) -> Response:
        run = subject_access_request(actor=self.actor, tenant=self.tenant, pupil_id=pupil_id)
        return created(SubjectAccessOutputSerializer(run).data)
