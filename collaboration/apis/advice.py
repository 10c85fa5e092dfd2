"""Collaboration API under ``/api/v1/bodies/<body_slug>/collaboration/``: one view per
operation, the same services and selectors as the pages. Never an amount, a decision, a
pupil's name, UPN or reference."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from collaboration.models import AdviceMessage, AdviceRequest
from collaboration.selectors.advice import advice_request_list_for_adviser, advice_request_list_for_school
from collaboration.services import advice as services
from core.api import created


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    s = serializer_class(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


class AdviceOutput(serializers.ModelSerializer):
    school = serializers.CharField(source="school.name")
    is_live = serializers.BooleanField()

    class Meta:
        model = AdviceRequest
        fields = ["id", "school", "asked_by_label", "adviser_label", "status", "expires_at", "is_live", "created_at"]


class MessageOutput(serializers.ModelSerializer):
    class Meta:
        model = AdviceMessage
        fields = ["id", "kind", "author_label", "text", "created_at", "attached_at"]


class ProvisionOutput(serializers.Serializer):
    provision = serializers.CharField()
    staff_role = serializers.CharField()
    group_size = serializers.IntegerField()
    sessions_per_week = serializers.IntegerField()
    minutes_per_session = serializers.IntegerField()
    weeks = serializers.IntegerField()


class AdviceOutcomeOutput(serializers.Serializer):
    description = serializers.CharField()
    measure = serializers.CharField()
    review_on = serializers.DateField()


class SummaryOutput(serializers.Serializer):
    year_group = serializers.CharField()
    sen_status = serializers.CharField()
    primary_need = serializers.CharField()
    secondary_need = serializers.CharField()
    provision = ProvisionOutput(many=True)
    outcomes = AdviceOutcomeOutput(many=True)


class AdviceListApi(TenantAPIView):
    required_action = Action.COLLABORATE

    class OutputSerializer(serializers.Serializer):
        asked = AdviceOutput(many=True)
        to_advise = AdviceOutput(many=True)

    @extend_schema(responses=OutputSerializer, operation_id="collaboration_advice_list")
    def get(self, request: Request, body_slug: str) -> Response:
        asked = (
            advice_request_list_for_school(tenant=self.tenant, school_ids=self.access.school_ids(Action.SEEK_ADVICE))
            if self.access.can(Action.SEEK_ADVICE)
            else []
        )
        to_advise = advice_request_list_for_adviser(tenant=self.tenant, user=self.actor)
        return Response(self.OutputSerializer({"asked": asked, "to_advise": to_advise}).data)


class AdviceRequestApi(TenantAPIView):
    required_action = Action.SEEK_ADVICE

    class InputSerializer(serializers.Serializer):
        case_id = serializers.IntegerField()
        adviser_id = serializers.IntegerField()
        question = serializers.CharField(max_length=services.MAX_TEXT)
        days = serializers.IntegerField(min_value=services.MIN_DAYS, max_value=services.MAX_DAYS)

    @extend_schema(request=InputSerializer, responses={201: AdviceOutput}, operation_id="collaboration_advice_request")
    def post(self, request: Request, body_slug: str) -> Response:
        data = _valid(self.InputSerializer, request.data)
        advice = services.advice_request_create(actor=self.actor, tenant=self.tenant, **data)
        return created(AdviceOutput(advice).data)


class AdviceDetailApi(TenantAPIView):
    required_action = Action.COLLABORATE

    class OutputSerializer(serializers.Serializer):
        request = AdviceOutput()
        question = serializers.CharField(source="request.question")
        as_adviser = serializers.BooleanField()
        summary = SummaryOutput(allow_null=True)
        messages = MessageOutput(many=True, source="request.messages.all")

    @extend_schema(responses=OutputSerializer, operation_id="collaboration_advice_detail")
    def get(self, request: Request, body_slug: str, advicerequest_id: int) -> Response:
        view = services.advice_request_open(actor=self.actor, tenant=self.tenant, advice_request_id=advicerequest_id)
        return Response(self.OutputSerializer(view).data)


class TextInput(serializers.Serializer):
    text = serializers.CharField(max_length=services.MAX_TEXT)


def _text(request: Request) -> str:
    """The message text, checked by the service after access (so another body's request
    or one the caller may not use is a 404 before any complaint about the text)."""
    text = request.data.get("text", "") if hasattr(request.data, "get") else None
    if not isinstance(text, str):
        raise exceptions.ValidationError({"text": ["Enter the text as a string."]})
    return text


class AdviseApi(TenantAPIView):
    required_action = Action.COLLABORATE

    @extend_schema(request=TextInput, responses={201: MessageOutput}, operation_id="collaboration_advice_give")
    def post(self, request: Request, body_slug: str, advicerequest_id: int) -> Response:
        message = services.advice_give(
            actor=self.actor, tenant=self.tenant, advice_request_id=advicerequest_id, text=_text(request)
        )
        return created(MessageOutput(message).data)


class ReplyApi(TenantAPIView):
    required_action = Action.SEEK_ADVICE

    @extend_schema(request=TextInput, responses={201: MessageOutput}, operation_id="collaboration_advice_reply")
    def post(self, request: Request, body_slug: str, advicerequest_id: int) -> Response:
        message = services.advice_reply(
            actor=self.actor, tenant=self.tenant, advice_request_id=advicerequest_id, text=_text(request)
        )
        return created(MessageOutput(message).data)


class RevokeApi(TenantAPIView):
    required_action = Action.SEEK_ADVICE

    @extend_schema(request=None, responses=AdviceOutput, operation_id="collaboration_advice_revoke")
    def post(self, request: Request, body_slug: str, advicerequest_id: int) -> Response:
        advice = services.advice_request_revoke(
            actor=self.actor, tenant=self.tenant, advice_request_id=advicerequest_id
        )
        return Response(AdviceOutput(advice).data)


class AttachApi(TenantAPIView):
    required_action = Action.SEEK_ADVICE

    @extend_schema(request=None, responses=MessageOutput, operation_id="collaboration_advice_attach")
    def post(self, request: Request, body_slug: str, advicemessage_id: int) -> Response:
        message = services.advice_attach_as_evidence(
            actor=self.actor, tenant=self.tenant, advice_message_id=advicemessage_id
        )
        return Response(MessageOutput(message).data)
