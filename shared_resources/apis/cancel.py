"""Taking back a request (the school) or the undelivered part of an allocation (an officer)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from shared_resources import selectors
from shared_resources.apis.common import RequestOutputSerializer, request_scope
from shared_resources.services.cancel import allocation_cancel, request_withdraw


class WithdrawInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CancelAllocationInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class RequestWithdrawApi(TenantAPIView):
    """A head or SENDCO withdraws their school's request while it waits for a decision
    (pending or waiting list). 409 ``request_not_open`` once decided."""

    required_action = Action.REQUEST_SHARED_RESOURCE

    @extend_schema(request=WithdrawInputSerializer, responses=RequestOutputSerializer)
    def post(self, request: Request, body_slug: str, resourcerequest_id: int) -> Response:
        found = selectors.request_get(tenant=self.tenant, request_id=resourcerequest_id, school_ids=request_scope(self))
        s = WithdrawInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        request_withdraw(actor=self.actor, tenant=self.tenant, request_id=found.pk, **s.validated_data)
        return Response(RequestOutputSerializer(selectors.request_get(tenant=self.tenant, request_id=found.pk)).data)


class AllocationCancelApi(TenantAPIView):
    """Cancel the undelivered units of an allocation, with the reason: they go back to the
    term. Delivered units stay (409 ``all_delivered`` when everything was delivered)."""

    required_action = Action.ALLOCATE_SHARED_RESOURCES

    @extend_schema(request=CancelAllocationInputSerializer, responses=RequestOutputSerializer)
    def post(self, request: Request, body_slug: str, allocation_id: int) -> Response:
        allocation = selectors.allocation_get(tenant=self.tenant, allocation_id=allocation_id)
        s = CancelAllocationInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        allocation_cancel(actor=self.actor, tenant=self.tenant, allocation_id=allocation.pk, **s.validated_data)
        return Response(
            RequestOutputSerializer(selectors.request_get(tenant=self.tenant, request_id=allocation.request_id)).data
        )
