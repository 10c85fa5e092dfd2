"""What the shared-resources API views share: money fields, pagination, output shapes."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView


class PenceField(serializers.IntegerField):
    """Money in whole pence (125000 is £1,250.00): a JSON integer or a string of digits,
    never decimals (a client sending "1250.505" or 12.5 is refused), never negative."""

    default_error_messages = {
        "invalid": "Enter whole pence as a number with no decimal places, like 125000 for £1,250.00.",
        "min_value": "Enter an amount of {min_value} pence or more.",
        "max_value": "Enter an amount of no more than {max_value} pence.",
        "max_string_length": "That number is too long.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 10**12)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        text = data.strip() if isinstance(data, str) else None
        if isinstance(data, bool) or not (
            isinstance(data, int) or (text and text.lstrip("-").isascii() and text.lstrip("-").isdigit())
        ):
            self.fail("invalid")
        value: int = super().to_internal_value(data)
        return value


def paginate(view: TenantAPIView, request: Request, qs: Any, serializer: type[serializers.Serializer]) -> Response:
    paginator = PageNumberPagination()
    page: Any = paginator.paginate_queryset(qs, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


def request_scope(view: TenantAPIView) -> set[int] | None:
    """The schools whose requests the user may see (None: every school of the body)."""
    return view.access.school_ids(Action.VIEW_SHARED_RESOURCES)


class ResourceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    areas_of_need = serializers.ListField(child=serializers.CharField())
    capacity_unit = serializers.CharField()
    capacity_basis = serializers.CharField()
    host_school_id = serializers.IntegerField()
    host_school_name = serializers.CharField(source="host_school.name")
    payee = serializers.CharField()
    paid_to_id = serializers.IntegerField(
        allow_null=True, help_text="The payee its funding is paid to directly (null: paid to the host school)."
    )
    paid_to_name = serializers.CharField(source="paid_to.name", allow_null=True, default=None)
    contract_reference = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    fte_hundredths = serializers.IntegerField(allow_null=True)
    annual_cost_pence = serializers.IntegerField(allow_null=True)
    places = serializers.IntegerField(allow_null=True)
    cost_per_place_pence = serializers.IntegerField(allow_null=True)
    contract_value_pence = serializers.IntegerField(allow_null=True)
    funded_pence = serializers.IntegerField()


class PeriodOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="period.pk")
    name = serializers.CharField(source="period.label")
    starts_on = serializers.DateField(source="period.starts_on")
    ends_on = serializers.DateField(source="period.ends_on")
    capacity = serializers.IntegerField()
    booked = serializers.IntegerField()
    delivered = serializers.IntegerField()
    free = serializers.IntegerField()
    waiting = serializers.IntegerField()
    undecided = serializers.IntegerField()
    utilisation_pct = serializers.IntegerField(allow_null=True)


class FundingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    resource_id = serializers.IntegerField()
    pool_id = serializers.IntegerField()
    pool_label = serializers.CharField(source="pool.label")
    amount_pence = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    frequency = serializers.CharField()
    status = serializers.CharField()
    ended_on = serializers.DateField(allow_null=True)


class RequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    resource_id = serializers.IntegerField()
    resource_name = serializers.CharField(source="resource.name")
    period_id = serializers.IntegerField()
    period_label = serializers.CharField(source="period.label")
    school_id = serializers.IntegerField()
    school_name = serializers.CharField(source="school.name")
    case_id = serializers.IntegerField(allow_null=True)
    units = serializers.IntegerField()
    starts_on = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    decision_reason = serializers.CharField()
    rules_version = serializers.IntegerField(allow_null=True)
    allocated_units = serializers.SerializerMethodField()
    allocation_id = serializers.SerializerMethodField()
    cancelled_units = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def _allocation(self, obj: Any) -> Any:
        return getattr(obj, "allocation", None) if obj.status == "allocated" else None

    def get_allocated_units(self, obj: Any) -> int | None:
        allocation = self._allocation(obj)
        return allocation.units if allocation is not None else None

    def get_cancelled_units(self, obj: Any) -> int:
        """Units of its allocation that were cancelled (given back to the term)."""
        allocation = getattr(obj, "allocation", None) if obj.status in ("allocated", "cancelled") else None
        return allocation.cancelled_units if allocation is not None else 0

    def get_allocation_id(self, obj: Any) -> int | None:
        allocation = self._allocation(obj)
        return allocation.pk if allocation is not None else None
