"""API for accounts. One view per operation; the view parses, calls, serialises."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.audit_scope import audit_log_scope
from accounts.models import Role
from accounts.policy import Action
from accounts.web import TenantAPIView, request_user
from core.api import created


class MembershipOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    role = serializers.ChoiceField(choices=Role.choices)
    school_urn = serializers.IntegerField(source="school.urn", allow_null=True, default=None)
    decision_limit_pence = serializers.IntegerField(allow_null=True)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)


class MembershipListApi(TenantAPIView):
    required_action = Action.MANAGE_MEMBERS

    class FilterSerializer(serializers.Serializer):
        include_ended = serializers.BooleanField(required=False, default=False)

    @extend_schema(parameters=[FilterSerializer], responses=MembershipOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.membership_list(tenant=self.tenant, include_ended=filters.validated_data["include_ended"])
        return self.paginated(qs, MembershipOutputSerializer)


class MembershipInviteApi(TenantAPIView):
    required_action = Action.MANAGE_MEMBERS

    class InputSerializer(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        full_name = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
        role = serializers.CharField(max_length=40)
        school_id = serializers.IntegerField(required=False, allow_null=True, default=None)
        decision_limit_pence = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)
        valid_from = serializers.DateField(required=False, allow_null=True, default=None)
        valid_to = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(request=InputSerializer, responses={201: MembershipOutputSerializer})
    def post(self, request: Request, body_slug: str) -> Response:
        self.require(Action.MANAGE_MEMBERS)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_invite(actor=self.actor, tenant=self.tenant, **serializer.validated_data)
        return created(MembershipOutputSerializer(membership).data)


class MembershipEndApi(TenantAPIView):
    required_action = Action.MANAGE_MEMBERS

    @extend_schema(request=None, responses=MembershipOutputSerializer)
    def post(self, request: Request, body_slug: str, membership_id: int) -> Response:
        self.require(Action.MANAGE_MEMBERS)
        membership = selectors.membership_get(tenant=self.tenant, membership_id=membership_id)
        membership = services.membership_end(actor=self.actor, tenant=self.tenant, membership_id=membership.pk)
        return Response(MembershipOutputSerializer(membership).data)


class AuditEventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_label")
    verb = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    object_label = serializers.CharField()
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)
    request_id = serializers.CharField()
    hash = serializers.CharField()
    prev_hash = serializers.CharField()


class AuditEventListApi(TenantAPIView):
    required_action = Action.VIEW_AUDIT

    class FilterSerializer(serializers.Serializer):
        verb = serializers.CharField(required=False, default="", allow_blank=True)
        object_type = serializers.CharField(required=False, default="", allow_blank=True)
        actor = serializers.CharField(required=False, default="", allow_blank=True)
        date_from = serializers.DateField(required=False, allow_null=True, default=None)
        date_to = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(parameters=[FilterSerializer], responses=AuditEventOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        # An auditor sees only the events of the funding periods granted to them (none: []).
        scope = audit_log_scope(access=self.access)
        qs = selectors.audit_event_list(tenant=self.tenant, scope=scope, **filters.validated_data)
        return self.paginated(qs, AuditEventOutputSerializer)


class MeApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class BodySerializer(serializers.Serializer):
            slug = serializers.CharField()
            legal_name = serializers.CharField()
            kind = serializers.CharField()
            roles = serializers.ListField(child=serializers.CharField())

        email = serializers.EmailField()
        full_name = serializers.CharField()
        bodies = BodySerializer(many=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        user = request_user(request)
        bodies: list[dict[str, Any]] = [
            {"slug": b.slug, "legal_name": b.legal_name, "kind": b.kind, "roles": sorted({m.role for m in ms})}
            for b, ms in selectors.body_list_for_user(user=user)
        ]
        data = {"email": user.email, "full_name": user.full_name, "bodies": bodies}
        return Response(self.OutputSerializer(data).data)
