"""Requests, decisions, delivery, what each school has, shares against SEN, and the rules."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.grouping_scope import school_choices
from accounts.policy import Action
from accounts.web import TenantAPIView
from core.api import created, idempotent
from shared_resources import selectors
from shared_resources.apis.common import RequestOutputSerializer, paginate, request_scope
from shared_resources.models import RequestStatus
from shared_resources.services.allocation import (
    allocation_rules_publish,
    delivery_record,
    request_allocate,
    request_create,
    request_decline,
    request_waitlist,
)


class _Api(TenantAPIView):
    required_action = Action.VIEW_SHARED_RESOURCES


class RequestListApi(_Api):
    """Requests oldest first (they are decided as they come); a head or SENDCO sees their school's."""

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=RequestStatus.choices, required=False)

    @extend_schema(parameters=[FilterSerializer], responses=RequestOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        qs = selectors.request_list(
            tenant=self.tenant, school_ids=request_scope(self), status=f.validated_data.get("status")
        )
        return paginate(self, request, qs, RequestOutputSerializer)


class RequestCreateApi(_Api):
    """A head or SENDCO asks for a share of one term of a resource for their own school,
    optionally for one of its cases."""

    class InputSerializer(serializers.Serializer):
        capacityperiod_id = serializers.IntegerField(min_value=1)
        school_id = serializers.IntegerField(min_value=1)
        units = serializers.IntegerField(min_value=1, max_value=100_000)
        case_id = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        starts_on = serializers.DateField(required=False, allow_null=True, default=None)
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={201: RequestOutputSerializer})
    def post(self, request: Request, body_slug: str) -> Response:
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        period = selectors.period_get(tenant=self.tenant, period_id=data.pop("capacityperiod_id"))
        made = request_create(actor=self.actor, tenant=self.tenant, period_id=period.pk, **data)
        return created(RequestOutputSerializer(selectors.request_get(tenant=self.tenant, request_id=made.pk)).data)


class _DecisionApi(_Api):
    def output(self, request_id: int) -> Response:
        return Response(RequestOutputSerializer(selectors.request_get(tenant=self.tenant, request_id=request_id)).data)


class RequestAllocateApi(_DecisionApi):
    """Allocate the request (all it asked for, or ``units``) from the term's remaining
    capacity. 409 ``capacity_full`` beyond it; nothing is written."""

    class InputSerializer(serializers.Serializer):
        units = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)

    @idempotent
    @extend_schema(request=InputSerializer, responses=RequestOutputSerializer)
    def post(self, request: Request, body_slug: str, resourcerequest_id: int) -> Response:
        found = selectors.request_get(tenant=self.tenant, request_id=resourcerequest_id)
        self.require(Action.ALLOCATE_SHARED_RESOURCES)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        request_allocate(actor=self.actor, tenant=self.tenant, request_id=found.pk, **s.validated_data)
        return self.output(found.pk)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class RequestWaitlistApi(_DecisionApi):
    """Put the request on the waiting list, with the reason."""

    @extend_schema(request=ReasonSerializer, responses=RequestOutputSerializer)
    def post(self, request: Request, body_slug: str, resourcerequest_id: int) -> Response:
        found = selectors.request_get(tenant=self.tenant, request_id=resourcerequest_id)
        self.require(Action.ALLOCATE_SHARED_RESOURCES)
        s = ReasonSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        request_waitlist(actor=self.actor, tenant=self.tenant, request_id=found.pk, **s.validated_data)
        return self.output(found.pk)


class RequestDeclineApi(_DecisionApi):
    """Decline the request against the published rules, with the reason."""

    @extend_schema(request=ReasonSerializer, responses=RequestOutputSerializer)
    def post(self, request: Request, body_slug: str, resourcerequest_id: int) -> Response:
        found = selectors.request_get(tenant=self.tenant, request_id=resourcerequest_id)
        self.require(Action.ALLOCATE_SHARED_RESOURCES)
        s = ReasonSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        request_decline(actor=self.actor, tenant=self.tenant, request_id=found.pk, **s.validated_data)
        return self.output(found.pk)


class DeliveryRecordApi(_Api):
    """Record days or sessions delivered (or places occupied) against an allocation."""

    class InputSerializer(serializers.Serializer):
        delivered_on = serializers.DateField()
        units = serializers.IntegerField(min_value=1, max_value=100_000)
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        allocation_id = serializers.IntegerField()
        delivered_on = serializers.DateField()
        units = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request, body_slug: str, allocation_id: int) -> Response:
        allocation = selectors.allocation_get(tenant=self.tenant, allocation_id=allocation_id)
        if not (self.access.can(Action.MANAGE_SHARED_RESOURCES) or self.access.can(Action.ALLOCATE_SHARED_RESOURCES)):
            self.require(Action.ALLOCATE_SHARED_RESOURCES)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        delivery = delivery_record(
            actor=self.actor, tenant=self.tenant, allocation_id=allocation.pk, **s.validated_data
        )
        return created(self.OutputSerializer(delivery).data)


class SchoolPositionsApi(_Api):
    """What each school has: per term of each resource, allocated, delivered, left and still
    asked for. A head or SENDCO sees their own school's."""

    class OutputSerializer(serializers.Serializer):
        school_id = serializers.IntegerField()
        resource_name = serializers.CharField()
        unit = serializers.CharField()
        period_label = serializers.CharField()
        allocated = serializers.IntegerField()
        delivered = serializers.IntegerField()
        left = serializers.IntegerField()
        requested = serializers.IntegerField()

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        positions = selectors.school_positions(tenant=self.tenant, school_ids=request_scope(self))
        rows = [
            {"school_id": school_id, **vars(p), "left": p.left}
            for school_id, items in sorted(positions.items())
            for p in items
        ]
        return Response(self.OutputSerializer(rows, many=True).data)


class ResourceSharesApi(_Api):
    """Each grouping school's share of the resource against its pupils with SEN (census),
    exact. Body-wide readers only."""

    required_action = Action.VIEW_POOL

    class OutputSerializer(serializers.Serializer):
        school_id = serializers.IntegerField(source="school.pk")
        school_name = serializers.CharField(source="school.name")
        allocated = serializers.IntegerField()
        delivered = serializers.IntegerField()
        share_pct = serializers.IntegerField(allow_null=True)
        sen_pupils = serializers.CharField(source="sen_pupils_shown")
        sen_share = serializers.CharField(source="sen_share_shown")

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request: Request, body_slug: str, sharedresource_id: int) -> Response:
        resource = selectors.resource_get(tenant=self.tenant, resource_id=sharedresource_id)
        school_ids = [pk for pk, _ in school_choices(tenant=self.tenant)]
        shares = selectors.school_shares(tenant=self.tenant, resource=resource, school_ids=school_ids)
        return Response(self.OutputSerializer(shares, many=True).data)


class RulesApi(_Api):
    """The allocation rules, newest version first."""

    class OutputSerializer(serializers.Serializer):
        version = serializers.IntegerField()
        effective_from = serializers.DateField()
        rules = serializers.ListField(child=serializers.CharField())

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        return Response(self.OutputSerializer(selectors.rules_list(tenant=self.tenant), many=True).data)


class RulesPublishApi(RulesApi):
    """Publish a new version of the allocation rules (body admins and finance officers)."""

    class InputSerializer(serializers.Serializer):
        effective_from = serializers.DateField()
        rules = serializers.ListField(child=serializers.CharField(max_length=500), min_length=1, max_length=30)

    @extend_schema(request=InputSerializer, responses={201: RulesApi.OutputSerializer})
    def post(self, request: Request, body_slug: str) -> Response:
        self.require(Action.MANAGE_SHARED_RESOURCES)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        version = allocation_rules_publish(actor=self.actor, tenant=self.tenant, **s.validated_data)
        return created(self.OutputSerializer(version).data)
