"""The register, capacity per term and funding from the pool."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from core.api import created, idempotent
from core.errors import NotFound
from pooling.models import InstalmentSchedule
from shared_resources import selectors
from shared_resources.apis.common import (
    FundingOutputSerializer,
    PenceField,
    PeriodOutputSerializer,
    ResourceOutputSerializer,
    paginate,
)
from shared_resources.models import CapacityBasis, CapacityUnit, ResourceKind
from shared_resources.services.edit import resource_update
from shared_resources.services.funding import funding_commit, funding_end, funding_vary
from shared_resources.services.register import capacity_period_set, resource_register


class _Api(TenantAPIView):
    required_action = Action.VIEW_SHARED_RESOURCES


class _ReadApi(TenantAPIView):
    """Reads an auditor may also make, through a live per-pool grant (``read_scope``)."""

    required_action = Action.VIEW_BODY

    def pool_scope(self) -> set[int] | None:
        try:
            return selectors.read_scope(self.access, self.tenant, self.actor)
        except NotFound as exc:
            raise exceptions.NotFound() from exc

    def http_method_not_allowed(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        """Someone who may not read shared resources gets 404 for any method, not 405."""
        self.pool_scope()
        return super().http_method_not_allowed(request, *args, **kwargs)


class ResourceListApi(_ReadApi):
    """The body's shared resources, with what their active fundings commit. An auditor
    sees those funded from the pools granted to them."""

    step_up_methods = frozenset({"POST"})  # a new resource can name a payee and its bank details

    class FilterSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=ResourceKind.choices, required=False)

    @extend_schema(parameters=[FilterSerializer], responses=ResourceOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        qs = selectors.resource_list(tenant=self.tenant, kind=f.validated_data.get("kind"), pool_ids=self.pool_scope())
        return paginate(self, request, qs, ResourceOutputSerializer)


class ResourceInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    areas_of_need = serializers.ListField(child=serializers.CharField(max_length=10), max_length=20)
    capacity_unit = serializers.ChoiceField(choices=CapacityUnit.choices)
    capacity_basis = serializers.ChoiceField(choices=CapacityBasis.choices)
    host_school_id = serializers.IntegerField(min_value=1)
    payee = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contract_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    fte_hundredths = serializers.IntegerField(min_value=1, max_value=10_000, required=False, allow_null=True)
    annual_cost_pence = PenceField(required=False, allow_null=True)
    places = serializers.IntegerField(min_value=1, max_value=10_000, required=False, allow_null=True)
    cost_per_place_pence = PenceField(required=False, allow_null=True)
    contract_value_pence = PenceField(required=False, allow_null=True)
    sort_code = serializers.CharField(
        max_length=8, required=False, allow_blank=True, help_text="The payee's sort code: pays them directly."
    )
    account_number = serializers.CharField(max_length=10, required=False, allow_blank=True)
    payment_reference = serializers.CharField(max_length=18, required=False, allow_blank=True)
    remittance_email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    payee_address = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ResourceUpdateInputSerializer(ResourceInputSerializer):
    cost_change_reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text="Required when the cost of a funded resource changes: its fundings are varied in proportion.",
    )


# The values a PATCH starts from: the resource as it stands (bank details are never echoed).
_FIELD_NAMES: list[str] = list(ResourceInputSerializer().fields)
_EDITABLE = [
    name
    for name in _FIELD_NAMES
    if name not in ("sort_code", "account_number", "payment_reference", "remittance_email", "payee_address")
]


class ResourceDetailOutputSerializer(ResourceOutputSerializer):
    periods = PeriodOutputSerializer(many=True)
    fundings = FundingOutputSerializer(many=True)


def _detail(view: TenantAPIView, resource_id: int, pool_ids: set[int] | None = None) -> dict[str, Any]:
    resource = selectors.resource_get(tenant=view.tenant, resource_id=resource_id, pool_ids=pool_ids)
    resource.periods_rows = selectors.period_rows(tenant=view.tenant, resource=resource)  # type: ignore[attr-defined]
    data = dict(ResourceOutputSerializer(resource).data)
    data["periods"] = PeriodOutputSerializer(resource.periods_rows, many=True).data  # type: ignore[attr-defined]
    data["fundings"] = FundingOutputSerializer(
        selectors.funding_list(tenant=view.tenant, resource=resource, pool_ids=pool_ids), many=True
    ).data
    return data


class ResourceCreateApi(_Api):
    """Register a post, a support base or a commissioned service (body admins and finance
    officers). Which fields are required depends on ``kind``."""

    class InputSerializer(ResourceInputSerializer):
        kind = serializers.ChoiceField(choices=ResourceKind.choices)

    @extend_schema(request=InputSerializer, responses={201: ResourceDetailOutputSerializer})
    def post(self, request: Request, body_slug: str) -> Response:
        self.require(Action.MANAGE_SHARED_RESOURCES)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        resource = resource_register(actor=self.actor, tenant=self.tenant, **s.validated_data)
        return created(_detail(self, resource.pk))


class ResourceDetailApi(_ReadApi):
    """One resource with its capacity per term (booked, delivered, free, waiting) and
    fundings; PATCH changes some of its details (the rest stay as they are), with the same
    rules as ``update/``."""

    step_up_methods = frozenset({"PATCH"})  # an edit can change bank details or a funded cost

    @extend_schema(responses=ResourceDetailOutputSerializer)
    def get(self, request: Request, body_slug: str, sharedresource_id: int) -> Response:
        return Response(_detail(self, sharedresource_id, self.pool_scope()))

    @extend_schema(request=ResourceUpdateInputSerializer(partial=True), responses=ResourceDetailOutputSerializer)
    def patch(self, request: Request, body_slug: str, sharedresource_id: int) -> Response:
        resource = selectors.resource_get(tenant=self.tenant, resource_id=sharedresource_id, pool_ids=self.pool_scope())
        self.require(Action.MANAGE_SHARED_RESOURCES)
        s = ResourceUpdateInputSerializer(data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        current = {name: getattr(resource, name) for name in _EDITABLE}
        resource_update(
            actor=self.actor, tenant=self.tenant, resource_id=resource.pk, **(current | dict(s.validated_data))
        )
        return Response(_detail(self, resource.pk))


class ResourceUpdateApi(_Api):
    """Change a resource's details (its kind stays): every field, as when registering it."""

    step_up_methods = frozenset({"POST", "PATCH"})  # money or bank details: a fresh code (X-MFA-Code)

    @extend_schema(request=ResourceUpdateInputSerializer, responses=ResourceDetailOutputSerializer)
    def post(self, request: Request, body_slug: str, sharedresource_id: int) -> Response:
        resource = selectors.resource_get(tenant=self.tenant, resource_id=sharedresource_id)
        self.require(Action.MANAGE_SHARED_RESOURCES)
        s = ResourceUpdateInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        resource_update(actor=self.actor, tenant=self.tenant, resource_id=resource.pk, **s.validated_data)
        return Response(_detail(self, resource.pk))


class PeriodSetApi(_Api):
    """Set the capacity of a term or year: a new one, or ``capacityperiod_id``'s. Terms of
    one resource never overlap and never hold less than is allocated."""

    class InputSerializer(serializers.Serializer):
        capacityperiod_id = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        name = serializers.CharField(max_length=40, help_text="The term's or year's name, like Spring 2027.")
        starts_on = serializers.DateField()
        ends_on = serializers.DateField()
        capacity_units = serializers.IntegerField(min_value=0, max_value=1_000_000)

    @extend_schema(request=InputSerializer, responses=ResourceDetailOutputSerializer)
    def post(self, request: Request, body_slug: str, sharedresource_id: int) -> Response:
        resource = selectors.resource_get(tenant=self.tenant, resource_id=sharedresource_id)
        self.require(Action.MANAGE_SHARED_RESOURCES)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        period_id = data.pop("capacityperiod_id")
        data["label"] = data.pop("name")
        if period_id is not None:
            selectors.period_get(tenant=self.tenant, period_id=period_id)
        capacity_period_set(actor=self.actor, tenant=self.tenant, resource_id=resource.pk, period_id=period_id, **data)
        return Response(_detail(self, resource.pk))


class FundingCommitApi(_Api):
    """Commit the resource's cost from a pool's headroom with a payment schedule (finance
    officers). 409 ``insufficient_headroom`` when the pool cannot fund it; nothing is written."""

    step_up_methods = frozenset({"POST", "PATCH"})  # money or bank details: a fresh code (X-MFA-Code)

    class InputSerializer(serializers.Serializer):
        pool_id = serializers.IntegerField(min_value=1)
        amount_pence = PenceField(min_value=1)
        starts_on = serializers.DateField()
        ends_on = serializers.DateField()
        frequency = serializers.ChoiceField(
            choices=InstalmentSchedule.Frequency.choices, required=False, default="monthly"
        )

    @idempotent
    @extend_schema(request=InputSerializer, responses={201: FundingOutputSerializer})
    def post(self, request: Request, body_slug: str, sharedresource_id: int) -> Response:
        resource = selectors.resource_get(tenant=self.tenant, resource_id=sharedresource_id)
        self.require(Action.MOVE_MONEY)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        funding = funding_commit(actor=self.actor, tenant=self.tenant, resource_id=resource.pk, **s.validated_data)
        funding = selectors.funding_get(tenant=self.tenant, funding_id=funding.pk)
        return created(FundingOutputSerializer(funding).data)


class FundingVaryApi(_Api):
    """Change what the funding commits: an increase is checked against headroom, a decrease
    releases the difference."""

    step_up_methods = frozenset({"POST", "PATCH"})  # money or bank details: a fresh code (X-MFA-Code)

    class InputSerializer(serializers.Serializer):
        new_amount_pence = PenceField()
        reason = serializers.CharField(max_length=300)

    @idempotent
    @extend_schema(request=InputSerializer, responses=FundingOutputSerializer)
    def post(self, request: Request, body_slug: str, resourcefunding_id: int) -> Response:
        funding = selectors.funding_get(tenant=self.tenant, funding_id=resourcefunding_id)
        self.require(Action.MOVE_MONEY)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        funding_vary(actor=self.actor, tenant=self.tenant, funding_id=funding.pk, **s.validated_data)
        return Response(FundingOutputSerializer(selectors.funding_get(tenant=self.tenant, funding_id=funding.pk)).data)


class FundingEndApi(_Api):
    """End the funding early: unpaid instalments due after ``end_on`` are released, exactly."""

    step_up_methods = frozenset({"POST", "PATCH"})  # money or bank details: a fresh code (X-MFA-Code)

    class InputSerializer(serializers.Serializer):
        end_on = serializers.DateField()
        reason = serializers.CharField(max_length=300)

    @idempotent
    @extend_schema(request=InputSerializer, responses=FundingOutputSerializer)
    def post(self, request: Request, body_slug: str, resourcefunding_id: int) -> Response:
        funding = selectors.funding_get(tenant=self.tenant, funding_id=resourcefunding_id)
        self.require(Action.MOVE_MONEY)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        funding_end(actor=self.actor, tenant=self.tenant, funding_id=funding.pk, **s.validated_data)
        return Response(FundingOutputSerializer(selectors.funding_get(tenant=self.tenant, funding_id=funding.pk)).data)
