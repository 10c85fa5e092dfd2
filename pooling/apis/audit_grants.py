"""Auditors' per-pool access in the API: the administrators' grants, and an auditor's pools."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from core.api import created
from pooling import selectors
from pooling.selectors import audit_grants as grant_selectors
from pooling.services import audit_grants as services


class GrantOutput(serializers.Serializer):
    id = serializers.IntegerField()
    auditor_email = serializers.EmailField(source="user.email")
    pool_id = serializers.IntegerField(source="content_object_id")
    pool_label = serializers.CharField(source="content_object.label")
    valid_until = serializers.DateField()
    granted_by_label = serializers.CharField()


class AuditedPoolOutput(serializers.Serializer):
    id = serializers.IntegerField()
    period = serializers.CharField(source="label")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class GrantListApi(TenantAPIView):
    required_action = Action.MANAGE_MEMBERS

    @extend_schema(responses=GrantOutput(many=True), operation_id="pool_audit_grants_list")
    def get(self, request: Request, body_slug: str) -> Response:
        self.require(Action.MANAGE_MEMBERS)
        return Response(GrantOutput(grant_selectors.pool_audit_grant_list(tenant=self.tenant), many=True).data)


class GrantApi(TenantAPIView):
    required_action = Action.MANAGE_MEMBERS

    class InputSerializer(serializers.Serializer):
        pool_id = serializers.IntegerField()
        auditor_id = serializers.IntegerField()
        valid_until = serializers.DateField()

    @extend_schema(request=InputSerializer, responses={201: GrantOutput}, operation_id="pool_audit_grant")
    def post(self, request: Request, body_slug: str) -> Response:
        self.require(Action.MANAGE_MEMBERS)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        grant = services.pool_audit_grant(actor=self.actor, tenant=self.tenant, **s.validated_data)
        return created(GrantOutput(grant).data)


class GrantRevokeApi(TenantAPIView):
    required_action = Action.MANAGE_MEMBERS

    @extend_schema(request=None, responses={204: None}, operation_id="pool_audit_revoke")
    def post(self, request: Request, body_slug: str, poolauditgrant_id: int) -> Response:
        self.require(Action.MANAGE_MEMBERS)
        services.pool_audit_revoke(actor=self.actor, tenant=self.tenant, poolauditgrant_id=poolauditgrant_id)
        return Response(status=204)


class AuditPoolListApi(TenantAPIView):
    required_action = Action.EXPORT_AUDIT

    @extend_schema(responses=AuditedPoolOutput(many=True), operation_id="pool_audit_pools")
    def get(self, request: Request, body_slug: str) -> Response:
        pools = grant_selectors.audit_pool_list(tenant=self.tenant, user=self.actor)
        return Response(AuditedPoolOutput(pools, many=True).data)


class AuditPoolApi(TenantAPIView):
    required_action = Action.EXPORT_AUDIT

    class OutputSerializer(AuditedPoolOutput):
        headroom = serializers.DictField(child=serializers.IntegerField())

    @extend_schema(responses=OutputSerializer, operation_id="pool_audit_pool")
    def get(self, request: Request, body_slug: str, pool_id: int) -> Response:
        pool = services.pool_audit_read(actor=self.actor, tenant=self.tenant, pool_id=pool_id, via="api")
        headroom = selectors.pool_headroom(tenant=self.tenant, pool=pool).as_dict()
        data = {"id": pool.pk, "label": pool.label, "starts_on": pool.starts_on, "ends_on": pool.ends_on}
        return Response(self.OutputSerializer({**data, "headroom": headroom}).data)
