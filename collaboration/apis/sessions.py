"""Sessions and agreed actions in the API: one view per operation, the same services and
selectors as the pages. Never an amount, a case or a decision."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from collaboration.models import AgreedAction, ForumSession, SessionInvitation, SessionMaterial, SessionPurpose
from collaboration.selectors.forum import open_actions_for, session_get, session_list
from collaboration.services import actions as action_services
from collaboration.services import sessions as services
from core.api import created


def valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    s = serializer_class(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


class ForumSessionOutput(serializers.ModelSerializer):
    class Meta:
        model = ForumSession
        fields = ["id", "purpose", "title", "starts_at", "ends_at", "place", "status", "organiser_label"]


class ForumInvitationOutput(serializers.ModelSerializer):
    class Meta:
        model = SessionInvitation
        fields = ["invitee_id", "invitee_label", "response", "responded_at"]


class ForumMaterialOutput(serializers.ModelSerializer):
    class Meta:
        model = SessionMaterial
        fields = ["id", "original_name", "content_type", "size_bytes", "uploaded_by_label", "created_at"]


class AgreedActionOutput(serializers.ModelSerializer):
    class Meta:
        model = AgreedAction
        fields = [
            "id",
            "session_id",
            "peer_review_id",
            "description",
            "owner_id",
            "owner_label",
            "due_on",
            "status",
            "done_at",
        ]


class ForumSessionListApi(TenantAPIView):
    required_action = Action.COLLABORATE

    @extend_schema(responses=ForumSessionOutput(many=True), operation_id="collaboration_sessions")
    def get(self, request: Request, body_slug: str) -> Response:
        return self.paginated(session_list(tenant=self.tenant, access=self.access), ForumSessionOutput)


class ForumSessionScheduleApi(TenantAPIView):
    required_action = Action.ORGANISE_SESSION

    class InputSerializer(serializers.Serializer):
        purpose = serializers.ChoiceField(choices=SessionPurpose.choices)
        title = serializers.CharField(max_length=services.MAX_TITLE)
        starts_at = serializers.DateTimeField()
        ends_at = serializers.DateTimeField()
        place = serializers.CharField(max_length=services.MAX_PLACE)
        agenda = serializers.CharField(max_length=services.MAX_LONG_TEXT, required=False, allow_blank=True)
        invitee_ids = serializers.ListField(
            child=serializers.IntegerField(), allow_empty=False, max_length=services.MAX_INVITEES
        )

    @extend_schema(
        request=InputSerializer, responses={201: ForumSessionOutput}, operation_id="collaboration_session_schedule"
    )
    def post(self, request: Request, body_slug: str) -> Response:
        session = services.session_schedule(
            actor=self.actor, tenant=self.tenant, **valid(self.InputSerializer, request.data)
        )
        return created(ForumSessionOutput(session).data)


class ForumSessionDetailApi(TenantAPIView):
    required_action = Action.COLLABORATE

    class OutputSerializer(ForumSessionOutput):
        invitations = ForumInvitationOutput(many=True, source="invitations.all")
        materials = ForumMaterialOutput(many=True, source="materials.all")
        actions = AgreedActionOutput(many=True, source="actions.all")

        class Meta(ForumSessionOutput.Meta):
            fields = [*ForumSessionOutput.Meta.fields, "agenda", "notes", "invitations", "materials", "actions"]

    @extend_schema(responses=OutputSerializer, operation_id="collaboration_session_detail")
    def get(self, request: Request, body_slug: str, forumsession_id: int) -> Response:
        session = session_get(tenant=self.tenant, access=self.access, session_id=forumsession_id)
        return Response(self.OutputSerializer(session).data)


class ForumSessionAcceptApi(TenantAPIView):
    required_action = Action.COLLABORATE

    @extend_schema(request=None, responses=ForumInvitationOutput, operation_id="collaboration_session_accept")
    def post(self, request: Request, body_slug: str, forumsession_id: int) -> Response:
        invitation = services.session_invitation_accept(
            actor=self.actor, tenant=self.tenant, session_id=forumsession_id
        )
        return Response(ForumInvitationOutput(invitation).data)


class ForumSessionDeclineApi(TenantAPIView):
    required_action = Action.COLLABORATE

    @extend_schema(request=None, responses=ForumInvitationOutput, operation_id="collaboration_session_decline")
    def post(self, request: Request, body_slug: str, forumsession_id: int) -> Response:
        invitation = services.session_invitation_decline(
            actor=self.actor, tenant=self.tenant, session_id=forumsession_id
        )
        return Response(ForumInvitationOutput(invitation).data)


class ForumSessionNotesApi(TenantAPIView):
    required_action = Action.COLLABORATE

    class InputSerializer(serializers.Serializer):
        notes = serializers.CharField(max_length=services.MAX_LONG_TEXT)

    @extend_schema(request=InputSerializer, responses=ForumSessionOutput, operation_id="collaboration_session_notes")
    def post(self, request: Request, body_slug: str, forumsession_id: int) -> Response:
        # Access first (404), then the text: the service checks both in that order.
        notes = request.data.get("notes", "") if hasattr(request.data, "get") else None
        if not isinstance(notes, str):
            raise exceptions.ValidationError({"notes": ["Enter the notes as a string."]})
        session = services.session_notes_save(
            actor=self.actor, tenant=self.tenant, session_id=forumsession_id, notes=notes
        )
        return Response(ForumSessionOutput(session).data)


class ForumSessionHeldApi(TenantAPIView):
    required_action = Action.COLLABORATE

    @extend_schema(request=None, responses=ForumSessionOutput, operation_id="collaboration_session_held")
    def post(self, request: Request, body_slug: str, forumsession_id: int) -> Response:
        session = services.session_mark_held(actor=self.actor, tenant=self.tenant, session_id=forumsession_id)
        return Response(ForumSessionOutput(session).data)


class ForumSessionCancelApi(TenantAPIView):
    required_action = Action.COLLABORATE

    @extend_schema(request=None, responses=ForumSessionOutput, operation_id="collaboration_session_cancel")
    def post(self, request: Request, body_slug: str, forumsession_id: int) -> Response:
        session = services.session_cancel(actor=self.actor, tenant=self.tenant, session_id=forumsession_id)
        return Response(ForumSessionOutput(session).data)


class ForumMaterialAddApi(TenantAPIView):
    """Share a PDF, Word, Excel, PNG or JPEG file (checked like every upload) with the session."""

    required_action = Action.COLLABORATE
    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(
            allow_empty_file=True, error_messages={"required": "Select a file to upload.", "invalid": "Select a file."}
        )

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={201: ForumMaterialOutput},
        operation_id="collaboration_session_material_add",
    )
    def post(self, request: Request, body_slug: str, forumsession_id: int) -> Response:
        session_get(tenant=self.tenant, access=self.access, session_id=forumsession_id)  # 404 before the input
        data = valid(self.InputSerializer, request.data)
        material = services.session_material_add(
            actor=self.actor, tenant=self.tenant, session_id=forumsession_id, upload=data["file"]
        )
        return created(ForumMaterialOutput(material).data)


class ForumMaterialDownloadApi(TenantAPIView):
    """The shared file itself, as an attachment. Audited."""

    required_action = Action.COLLABORATE

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
        operation_id="collaboration_session_material_download",
    )
    def get(self, request: Request, body_slug: str, sessionmaterial_id: int) -> object:
        material, handle = services.session_material_open(
            actor=self.actor, tenant=self.tenant, session_material_id=sessionmaterial_id
        )
        return FileResponse(
            handle, as_attachment=True, filename=material.original_name, content_type=material.content_type
        )


class ActionInput(serializers.Serializer):
    description = serializers.CharField(max_length=action_services.MAX_DESCRIPTION)
    owner_id = serializers.IntegerField()
    due_on = serializers.DateField()


class ForumSessionActionApi(TenantAPIView):
    required_action = Action.COLLABORATE

    @extend_schema(
        request=ActionInput, responses={201: AgreedActionOutput}, operation_id="collaboration_session_action_add"
    )
    def post(self, request: Request, body_slug: str, forumsession_id: int) -> Response:
        session_get(tenant=self.tenant, access=self.access, session_id=forumsession_id)  # 404 before the input
        action = action_services.action_assign(
            actor=self.actor, tenant=self.tenant, session_id=forumsession_id, **valid(ActionInput, request.data)
        )
        return created(AgreedActionOutput(action).data)


class MyActionsApi(TenantAPIView):
    required_action = Action.COLLABORATE

    @extend_schema(responses=AgreedActionOutput(many=True), operation_id="collaboration_my_actions")
    def get(self, request: Request, body_slug: str) -> Response:
        return self.paginated(open_actions_for(tenant=self.tenant, user=self.actor), AgreedActionOutput)


class ActionDoneApi(TenantAPIView):
    required_action = Action.COLLABORATE

    @extend_schema(request=None, responses=AgreedActionOutput, operation_id="collaboration_action_done")
    def post(self, request: Request, body_slug: str, agreedaction_id: int) -> Response:
        action = action_services.action_complete(actor=self.actor, tenant=self.tenant, agreed_action_id=agreedaction_id)
        return Response(AgreedActionOutput(action).data)
