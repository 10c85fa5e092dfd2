"""Evidence API under ``/api/v1/bodies/<body_slug>/``: a case's documents, uploading one
(multipart, field ``file``), the audited download, and removing one from a draft."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from core.api import created
from exceptional_resource.apis.pupils import case_reach
from exceptional_resource.selectors import evidence as selectors
from exceptional_resource.selectors.auditor_scope import case_within_or_404
from exceptional_resource.services import evidence as services
from exceptional_resource.views.evidence import evidence_file_response


class EvidenceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size_bytes = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_by = serializers.CharField(source="uploaded_by_label")
    uploaded_at = serializers.DateTimeField()


class EvidenceListApi(TenantAPIView):
    """The case's documents, oldest first."""

    required_action = Action.VIEW_CASE

    @extend_schema(responses=EvidenceOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = selectors.evidence_case_get(
            tenant=self.tenant, case_id=case_id, school_ids=self.access.school_ids(Action.VIEW_CASE)
        )
        case_within_or_404(tenant=self.tenant, case=case, scope=case_reach(self))
        documents = selectors.evidence_list(tenant=self.tenant, case_id=case.pk)
        return Response(EvidenceOutputSerializer(documents, many=True).data)


class EvidenceUploadApi(TenantAPIView):
    """Attach a PDF, Word, Excel, PNG or JPEG file (up to ``UPLOAD_MAX_BYTES``) while the
    case is a draft, submitted or answering a request for information."""

    required_action = Action.VIEW_CASE
    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(
            allow_empty_file=True, error_messages={"required": "Select a file to upload.", "invalid": "Select a file."}
        )

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses={201: EvidenceOutputSerializer})
    def post(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = selectors.evidence_case_get(
            tenant=self.tenant, case_id=case_id, school_ids=self.access.school_ids(Action.VIEW_CASE)
        )
        case_within_or_404(tenant=self.tenant, case=case, scope=case_reach(self))  # out of reach: 404, not 403
        self.require(Action.RAISE_CASE, case)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        document = services.evidence_upload(
            actor=self.actor, tenant=self.tenant, case_id=case.pk, upload=s.validated_data["file"]
        )
        return created(EvidenceOutputSerializer(document).data)


class EvidenceDownloadApi(TenantAPIView):
    """The file itself, as an attachment of the type checked at upload. Audited."""

    required_action = Action.VIEW_CASE

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request: Request, body_slug: str, casedocument_id: int) -> object:
        document = selectors.evidence_get(
            tenant=self.tenant, casedocument_id=casedocument_id, school_ids=self.access.school_ids(Action.VIEW_CASE)
        )
        case_within_or_404(tenant=self.tenant, case=document.case, scope=case_reach(self))
        document, handle = services.evidence_download(actor=self.actor, tenant=self.tenant, casedocument_id=document.pk)
        return evidence_file_response(document, handle)


class EvidenceRemoveApi(TenantAPIView):
    """Remove a document from a draft case."""

    required_action = Action.VIEW_CASE

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, body_slug: str, casedocument_id: int) -> Response:
        document = selectors.evidence_get(
            tenant=self.tenant, casedocument_id=casedocument_id, school_ids=self.access.school_ids(Action.VIEW_CASE)
        )
        case_within_or_404(tenant=self.tenant, case=document.case, scope=case_reach(self))  # as a missing one
        self.require(Action.RAISE_CASE, document.case)
        services.evidence_remove(actor=self.actor, tenant=self.tenant, casedocument_id=document.pk)
        return Response(status=204)
