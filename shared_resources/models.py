"""Shared resources of a responsible body's grouping: posts, support bases and commissioned
services, their capacity per term or year, funding from the pool, requests from schools,
allocations and delivery.

Capacity is enforced by PostgreSQL: an allocation's units are added to its capacity period's
``allocated_units`` by a trigger, and a check constraint keeps ``allocated_units`` between 0
and ``capacity_units``. Two officers allocating the last units at once therefore serialise on
the period's row, and the second is refused by the database whatever the code above it did.
"""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone

from core.tenancy import TenantOwnedModel


class ResourceKind(models.TextChoices):
    POST = "post", "Specialist teacher or central-team post"
    SUPPORT_BASE = "support_base", "Support base"
    SERVICE = "service", "Commissioned service"


class CapacityUnit(models.TextChoices):
    DAYS = "days", "Days"
    SESSIONS = "sessions", "Sessions"
    HOURS = "hours", "Hours"
    PLACES = "places", "Places"


class CapacityBasis(models.TextChoices):
    TERM = "term", "Per term"
    YEAR = "year", "Per year"


class SharedResource(TenantOwnedModel):
    """One shared resource. ``host_school`` is the school the post or base is based at (the
    lead school for a service). ``payee`` names the employing entity or provider;
    ``paid_to`` is the pooling payee (with bank details) its funding instalments are paid to
    directly. A support base without one is paid to its host school."""

    kind = models.CharField(max_length=20, choices=ResourceKind.choices)
    name = models.CharField(max_length=200)
    areas_of_need = ArrayField(models.CharField(max_length=10), default=list)
    capacity_unit = models.CharField(max_length=10, choices=CapacityUnit.choices)
    capacity_basis = models.CharField(max_length=10, choices=CapacityBasis.choices)
    host_school = models.ForeignKey("groupings.School", on_delete=models.PROTECT, related_name="+")
    payee = models.CharField(max_length=200, blank=True, help_text="Employing entity or provider.")
    paid_to = models.ForeignKey("pooling.Payee", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    contract_reference = models.CharField(max_length=100, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    fte_hundredths = models.PositiveIntegerField(null=True, blank=True, help_text="1.0 FTE = 100.")
    annual_cost_pence = models.BigIntegerField(null=True, blank=True)
    places = models.PositiveIntegerField(null=True, blank=True)
    cost_per_place_pence = models.BigIntegerField(null=True, blank=True)
    contract_value_pence = models.BigIntegerField(null=True, blank=True)
    created_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["responsible_body", "kind", "name"], name="shres_body_kind_name")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ResourceKind.values), name="shres_kind_valid"),
            models.CheckConstraint(condition=Q(capacity_unit__in=CapacityUnit.values), name="shres_unit_valid"),
            models.CheckConstraint(condition=Q(capacity_basis__in=CapacityBasis.values), name="shres_basis_valid"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="shres_dates_ordered"),
            models.CheckConstraint(
                condition=(Q(annual_cost_pence__isnull=True) | Q(annual_cost_pence__gte=0))
                & (Q(cost_per_place_pence__isnull=True) | Q(cost_per_place_pence__gte=0))
                & (Q(contract_value_pence__isnull=True) | Q(contract_value_pence__gte=0)),
                name="shres_money_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind="post")
                | (Q(fte_hundredths__gt=0) & Q(annual_cost_pence__isnull=False) & ~Q(payee="")),
                name="shres_post_complete",
            ),
            models.CheckConstraint(
                condition=~Q(kind="support_base")
                | (
                    Q(places__gt=0)
                    & Q(capacity_unit="places")
                    & (Q(annual_cost_pence__isnull=False) | Q(cost_per_place_pence__isnull=False))
                ),
                name="shres_base_complete",
            ),
            models.CheckConstraint(
                condition=~Q(kind="service")
                | (Q(contract_value_pence__isnull=False) & ~Q(payee="") & ~Q(contract_reference="")),
                name="shres_service_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DateRange(Func):
    """``daterange(start, end, '[]')``: both ends inclusive."""

    function = "DATERANGE"
    output_field = DateRangeField()


class CapacityPeriod(TenantOwnedModel):
    """A resource's capacity for one term or year. ``allocated_units`` is maintained by the
    database (trigger ``shared_resources_allocation_capacity``); code never writes it."""

    resource = models.ForeignKey(SharedResource, on_delete=models.PROTECT, related_name="periods")
    label = models.CharField(max_length=40)
    starts_on = models.DateField()
    ends_on = models.DateField()
    capacity_units = models.PositiveIntegerField()
    allocated_units = models.IntegerField(default=0, editable=False)

    class Meta:
        base_manager_name = "objects"
        ordering = ["resource", "starts_on"]
        indexes = [models.Index(fields=["responsible_body", "resource", "starts_on"], name="shcap_body_resource")]
        constraints = [
            models.UniqueConstraint(fields=["resource", "label"], name="shcap_label_unique"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="shcap_dates_ordered"),
            models.CheckConstraint(
                condition=Q(allocated_units__gte=0) & Q(allocated_units__lte=F("capacity_units")),
                name="shcap_capacity_not_exceeded",
            ),
            ExclusionConstraint(
                name="shcap_no_overlap",
                expressions=[
                    ("resource", RangeOperators.EQUAL),
                    (DateRange("starts_on", "ends_on", models.Value("[]")), RangeOperators.OVERLAPS),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.allocated_units}/{self.capacity_units}"

    @property
    def free_units(self) -> int:
        return self.capacity_units - self.allocated_units


class ResourceFunding(TenantOwnedModel):
    """A resource's cost committed from one pool, paid by a pooling instalment schedule whose
    source is ``("shared_resource_funding", id)``."""

    SOURCE_TYPE = "shared_resource_funding"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended early"

    resource = models.ForeignKey(SharedResource, on_delete=models.PROTECT, related_name="fundings")
    pool = models.ForeignKey("pooling.Pool", on_delete=models.PROTECT, related_name="+")
    amount_pence = models.BigIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField()
    frequency = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    ended_on = models.DateField(null=True, blank=True)
    created_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "pool"], name="shfund_one_per_pool"),
            models.CheckConstraint(condition=Q(amount_pence__gte=0), name="shfund_amount_not_negative"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="shfund_dates_ordered"),
            models.CheckConstraint(condition=Q(status__in=["active", "ended"]), name="shfund_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.amount_pence}p"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    ALLOCATED = "allocated", "Allocated"
    WAITLISTED = "waitlisted", "Waiting list"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn by the school"
    CANCELLED = "cancelled", "Allocation cancelled"


# From → to, and who may move it (the policy action). One service per transition:
# request_allocate, request_waitlist, request_decline (services/allocation.py),
# request_withdraw and allocation_cancel (services/cancel.py). Cancelling an allocation is
# the allocated → cancelled transition; when part of it was delivered, the allocation is cut
# to what was delivered and the request stays allocated for those units.
REQUEST_TRANSITIONS: dict[tuple[str, str], str] = {
    (RequestStatus.PENDING, RequestStatus.ALLOCATED): "shared_resources.allocate",
    (RequestStatus.PENDING, RequestStatus.WAITLISTED): "shared_resources.allocate",
    (RequestStatus.PENDING, RequestStatus.DECLINED): "shared_resources.allocate",
    (RequestStatus.WAITLISTED, RequestStatus.ALLOCATED): "shared_resources.allocate",
    (RequestStatus.WAITLISTED, RequestStatus.DECLINED): "shared_resources.allocate",
    (RequestStatus.PENDING, RequestStatus.WITHDRAWN): "shared_resources.request",
    (RequestStatus.WAITLISTED, RequestStatus.WITHDRAWN): "shared_resources.request",
    (RequestStatus.ALLOCATED, RequestStatus.CANCELLED): "shared_resources.allocate",
}


class ResourceRequest(TenantOwnedModel):
    """A school's request for a share of one capacity period, optionally for one of its cases."""

    resource = models.ForeignKey(SharedResource, on_delete=models.PROTECT, related_name="requests")
    period = models.ForeignKey(CapacityPeriod, on_delete=models.PROTECT, related_name="requests")
    school = models.ForeignKey("groupings.School", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "exceptional_resource.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    units = models.PositiveIntegerField()
    starts_on = models.DateField(null=True, blank=True, help_text="For a place: the day it is wanted from.")
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    decision_reason = models.CharField(max_length=500, blank=True)
    decided_by_label = models.CharField(max_length=254, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    rules_version = models.PositiveIntegerField(null=True, blank=True)
    requested_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["responsible_body", "period", "status"], name="shreq_body_period_status"),
            models.Index(fields=["responsible_body", "school", "status"], name="shreq_body_school_status"),
            models.Index(fields=["responsible_body", "case"], name="shreq_body_case"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(units__gt=0), name="shreq_units_positive"),
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="shreq_status_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "allocated", "withdrawn"]) | ~Q(decision_reason=""),
                name="shreq_refusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Request {self.pk}: {self.units} for school {self.school_id}"


class Allocation(TenantOwnedModel):
    """Units of one capacity period given to a school for a request. ``units`` is what the
    school holds now: cancelling cuts it to what was delivered (0 when nothing was), which the
    capacity trigger gives back to the period; ``cancelled_units`` keeps what was taken off."""

    request = models.OneToOneField(ResourceRequest, on_delete=models.PROTECT, related_name="allocation")
    period = models.ForeignKey(CapacityPeriod, on_delete=models.PROTECT, related_name="allocations")
    school = models.ForeignKey("groupings.School", on_delete=models.PROTECT, related_name="+")
    units = models.PositiveIntegerField()
    allocated_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_units = models.PositiveIntegerField(default=0, db_default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by_label = models.CharField(max_length=254, blank=True, default="", db_default="")
    cancel_reason = models.CharField(max_length=500, blank=True, default="", db_default="")

    class Meta:
        base_manager_name = "objects"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["responsible_body", "period", "school"], name="shalloc_body_period_school")]
        constraints = [
            models.CheckConstraint(
                condition=Q(units__gt=0) | Q(cancelled_at__isnull=False), name="shalloc_units_positive"
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | (~Q(cancel_reason="") & Q(cancelled_units__gt=0)),
                name="shalloc_cancel_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.units} units to school {self.school_id}"


class Delivery(TenantOwnedModel):
    """What was delivered against an allocation: days or sessions given, or places occupied."""

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="deliveries")
    delivered_on = models.DateField()
    units = models.PositiveIntegerField()
    note = models.CharField(max_length=500, blank=True)
    recorded_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["delivered_on", "id"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["responsible_body", "allocation"], name="shdeliv_body_allocation")]
        constraints = [models.CheckConstraint(condition=Q(units__gt=0), name="shdeliv_units_positive")]

    def __str__(self) -> str:
        return f"{self.units} delivered on {self.delivered_on}"


class AllocationRules(TenantOwnedModel):
    """One published version of the body's allocation rules for shared resources, part of its
    grouping policy. Versions are never edited (a trigger refuses it): a change is a new one."""

    version = models.PositiveIntegerField()
    effective_from = models.DateField()
    rules = ArrayField(models.CharField(max_length=500))
    created_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["-version"]
        verbose_name_plural = "allocation rules"
        constraints = [models.UniqueConstraint(fields=["responsible_body", "version"], name="shrules_version_unique")]

    def __str__(self) -> str:
        return f"Allocation rules v{self.version}"
