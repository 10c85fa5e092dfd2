"""Legal-hold API under ``/api/v1/bodies/<body_slug>/cases/<case_id>/legal-hold/``: read the
case's holds, place one, lift the one in force (decision officers and the body's admin)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from core.api import created
from exceptional_resource.selectors.holds import hold_case_get, hold_list
from exceptional_resource.services.holds import REASON_MAX, legal_hold_lift, legal_hold_place


class HoldOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_id = serializers.IntegerField()
    reason = serializers.CharField()
    placed_by = serializers.CharField(source="placed_by_label")
    placed_at = serializers.DateTimeField()
    lifted_at = serializers.DateTimeField(allow_null=True)
    lifted_by = serializers.CharField(source="lifted_by_label")
    lift_reason = serializers.CharField()


class HoldStateSerializer(serializers.Serializer):
    in_force = serializers.BooleanField()
    holds = HoldOutputSerializer(many=True)


class HoldReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX)


class LegalHoldApi(TenantAPIView):
    required_action = Action.MANAGE_LEGAL_HOLD
    step_up_methods = frozenset({"POST"})  # placing a hold needs a fresh authenticator code

    @extend_schema(responses=HoldStateSerializer)
    def get(self, request: Request, body_slug: str, case_id: int) -> Response:
        self.require(Action.MANAGE_LEGAL_HOLD)
        case = hold_case_get(tenant=self.tenant, case_id=case_id)
        holds = hold_list(tenant=self.tenant, case=case)
        return Response(HoldStateSerializer({"in_force": any(h.lifted_at is None for h in holds), "holds": holds}).data)

    @extend_schema(request=HoldReasonSerializer, responses={201: HoldOutputSerializer})
    def post(self, request: Request, body_slug: str, case_id: int) -> Response:
        hold_case_get(tenant=self.tenant, case_id=case_id)  # another body's case: 404 before any input check
        self.require(Action.MANAGE_LEGAL_HOLD)
        s = HoldReasonSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        hold = legal_hold_place(
            actor=self.actor, tenant=self.tenant, case_id=case_id, reason=s.validated_data["reason"]
        )
        return created(HoldOutputSerializer(hold).data)


class LegalHoldLiftApi(TenantAPIView):
    required_action = Action.MANAGE_LEGAL_HOLD
    step_up_methods = frozenset({"POST"})  # lifting it too

    @extend_schema(request=HoldReasonSerializer, responses=HoldOutputSerializer)
    def post(self, request: Request, body_slug: str, case_id: int) -> Response:
        hold_case_get(tenant=self.tenant, case_id=case_id)
        self.require(Action.MANAGE_LEGAL_HOLD)
        s = HoldReasonSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        hold = legal_hold_lift(actor=self.actor, tenant=self.tenant, case_id=case_id, reason=s.validated_data["reason"])
        return Response(HoldOutputSerializer(hold).data)
