"""Reads of shared resources: the register, capacity per term, schools' positions and
shares, requests, and what a case has in place. Every figure is computed here once; pages,
the API, the CSV and the governance pack read it from here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db import models
from django.db.models import Exists, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import ResponsibleBody, Role
from accounts.policy import Action, BodyAccess
from core.errors import NotFound
from groupings.models import School
from pooling.selectors.audit_grants import audit_pool_ids
from shared_resources.models import (
    Allocation,
    AllocationRules,
    CapacityPeriod,
    Delivery,
    RequestStatus,
    ResourceFunding,
    ResourceKind,
    ResourceRequest,
    SharedResource,
)

T = TypeVar("T", bound=models.Model)


def _of(model: type[T], tenant: ResponsibleBody | int) -> QuerySet[T]:
    """The tenant's rows of ``model``, typed."""
    return cast("QuerySet[T]", model.objects.for_tenant(tenant))  # type: ignore[attr-defined]


def _sum(qs: QuerySet[Any], field: str, group: str) -> Any:
    return Coalesce(
        Subquery(qs.values(group).annotate(t=Sum(field)).values("t")[:1], output_field=IntegerField()), Value(0)
    )


def read_scope(access: BodyAccess, body: ResponsibleBody, user: Any) -> set[int] | None:
    """Who reads shared resources how. A role with ``shared_resources.view`` reads the whole
    register (``None``). An auditor reads pool money only through a live per-pool grant
    (``pooling.PoolAuditGrant``, django-guardian): they read the resources funded from the
    pools granted to them, with those pools' fundings only (the set of pool ids). Anyone
    else, and an auditor with no live grant, gets ``NotFound``: the same 404 as another
    body's page."""
    if access.can(Action.VIEW_SHARED_RESOURCES):
        return None
    pools = audit_pool_ids(tenant=body, user=user) if Role.AUDITOR in access.roles else set()
    if not pools:
        raise NotFound("No such page.")
    return pools


def resource_list(
    *, tenant: ResponsibleBody, kind: str | None = None, pool_ids: set[int] | None = None
) -> QuerySet[SharedResource]:
    """The register, each with what its active fundings commit (one query). ``pool_ids``
    (an auditor's granted pools) limits it to resources funded from those pools, and what
    they commit to those pools' fundings."""
    funded = ResourceFunding.objects.filter(resource=OuterRef("pk"), status=ResourceFunding.Status.ACTIVE)
    qs = _of(SharedResource, tenant)
    if pool_ids is not None:
        funded = funded.filter(pool_id__in=pool_ids)
        qs = qs.filter(Exists(ResourceFunding.objects.filter(resource=OuterRef("pk"), pool_id__in=pool_ids)))
    qs = (
        qs.select_related("host_school", "paid_to")
        .annotate(funded_pence=_sum(funded, "amount_pence", "resource"))
        .order_by("name", "pk")
    )
    return qs.filter(kind=kind) if kind else qs


def resource_get(*, tenant: ResponsibleBody, resource_id: int, pool_ids: set[int] | None = None) -> SharedResource:
    resource = resource_list(tenant=tenant, pool_ids=pool_ids).filter(pk=resource_id).first()
    if resource is None:
        raise NotFound("No such shared resource.")
    return resource


def period_get(*, tenant: ResponsibleBody, period_id: int) -> CapacityPeriod:
    period = _of(CapacityPeriod, tenant).select_related("resource").filter(pk=period_id).first()
    if period is None:
        raise NotFound("No such term.")
    return period


def period_list(*, tenant: ResponsibleBody) -> QuerySet[CapacityPeriod]:
    """Every term of every shared resource, by resource name then start."""
    return _of(CapacityPeriod, tenant).select_related("resource").order_by("resource__name", "starts_on")


def rules_list(*, tenant: ResponsibleBody) -> QuerySet[AllocationRules]:
    """The allocation rules' versions, newest first."""
    return _of(AllocationRules, tenant).order_by("-version")


def case_choices(*, tenant: ResponsibleBody, school_ids: set[int] | None, limit: int = 500) -> list[tuple[int, str]]:
    """The cases of the user's schools as (id, reference), by reference (the cases app is
    reached through the request's foreign key, not imported)."""
    case_model: Any = ResourceRequest._meta.get_field("case").related_model
    qs = _of(case_model, tenant)
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    return [(pk, ref) for pk, ref in qs.order_by("reference").values_list("pk", "reference")[:limit]]


def funding_list(
    *, tenant: ResponsibleBody, resource: SharedResource, pool_ids: set[int] | None = None
) -> QuerySet[ResourceFunding]:
    qs = _of(ResourceFunding, tenant).filter(resource=resource).select_related("pool")
    return qs.filter(pool_id__in=pool_ids) if pool_ids is not None else qs


def funding_get(*, tenant: ResponsibleBody, funding_id: int) -> ResourceFunding:
    funding = _of(ResourceFunding, tenant).select_related("resource", "pool").filter(pk=funding_id).first()
    if funding is None:
        raise NotFound("No such funding.")
    return funding


@dataclass(frozen=True)
class PeriodRow:
    """A term (or year) of a resource: capacity, booked (allocated), delivered, free and
    waiting (units asked for on the waiting list, and still undecided)."""

    period: CapacityPeriod
    capacity: int
    booked: int
    delivered: int
    waiting: int
    undecided: int

    @property
    def free(self) -> int:
        return self.capacity - self.booked

    @property
    def utilisation_pct(self) -> int | None:
        """Delivered as a share of capacity, whole per cent (half up); none without capacity."""
        return (200 * self.delivered + self.capacity) // (2 * self.capacity) if self.capacity else None


def period_rows(*, tenant: ResponsibleBody, resource: SharedResource) -> list[PeriodRow]:
    """Each term of the resource with its figures: one query, whatever the number of terms."""
    delivered = Delivery.objects.filter(allocation__period=OuterRef("pk"))
    waiting = ResourceRequest.objects.filter(period=OuterRef("pk"), status=RequestStatus.WAITLISTED)
    undecided = ResourceRequest.objects.filter(period=OuterRef("pk"), status=RequestStatus.PENDING)
    periods = (
        _of(CapacityPeriod, tenant)
        .filter(resource=resource)
        .annotate(
            delivered=_sum(delivered, "units", "allocation__period"),
            waiting=_sum(waiting, "units", "period"),
            undecided=_sum(undecided, "units", "period"),
        )
        .order_by("starts_on")
    )
    return [
        PeriodRow(
            period=p,
            capacity=p.capacity_units,
            booked=p.allocated_units,
            delivered=int(p.delivered),
            waiting=int(p.waiting),
            undecided=int(p.undecided),
        )
        for p in periods
    ]


def request_list(
    *, tenant: ResponsibleBody, school_ids: set[int] | None = None, status: str | None = None
) -> QuerySet[ResourceRequest]:
    """Requests, oldest first (decided as they come), limited to some schools for a head or SENDCO."""
    qs = _of(ResourceRequest, tenant).select_related("resource", "period", "school", "allocation")
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "pk")


def request_get(*, tenant: ResponsibleBody, request_id: int, school_ids: set[int] | None = None) -> ResourceRequest:
    request = request_list(tenant=tenant, school_ids=school_ids).filter(pk=request_id).first()
    if request is None:
        raise NotFound("No such request.")
    return request


def allocation_get(*, tenant: ResponsibleBody, allocation_id: int) -> Allocation:
    allocation = (_of(Allocation, tenant).select_related("period__resource", "school").filter(pk=allocation_id)).first()
    if allocation is None:
        raise NotFound("No such allocation.")
    return allocation


@dataclass(frozen=True)
class SchoolPosition:
    """What a school has of one term of a resource: allocated, delivered so far and left."""

    resource_name: str
    unit: str
    period_label: str
    allocated: int
    delivered: int
    requested: int

    @property
    def left(self) -> int:
        return self.allocated - self.delivered


def school_positions(*, tenant: ResponsibleBody, school_ids: set[int] | None) -> dict[int, list[SchoolPosition]]:
    """Per school: each term of each resource it asked for, with what it was allocated,
    what was delivered and what is left (two queries)."""
    requests = _of(ResourceRequest, tenant)
    if school_ids is not None:
        requests = requests.filter(school_id__in=school_ids)
    asked = (
        requests.filter(status__in=[RequestStatus.PENDING, RequestStatus.WAITLISTED])
        .values("school_id", "period_id")
        .annotate(units=Sum("units"))
        .order_by()
    )
    open_units = {(r["school_id"], r["period_id"]): int(r["units"]) for r in asked}
    delivered = Delivery.objects.filter(allocation=OuterRef("pk"))
    allocations = _of(Allocation, tenant)
    if school_ids is not None:
        allocations = allocations.filter(school_id__in=school_ids)
    rows = (
        allocations.annotate(delivered_units=_sum(delivered, "units", "allocation"))
        .values(
            "school_id",
            "period_id",
            "period__label",
            "period__starts_on",
            "period__resource__name",
            "period__resource__capacity_unit",
        )
        .annotate(allocated=Sum("units"), delivered=Sum("delivered_units"))
        .order_by("school_id", "period__resource__name", "period__starts_on")
    )
    result: dict[int, list[SchoolPosition]] = defaultdict(list)
    for r in rows:
        result[r["school_id"]].append(
            SchoolPosition(
                resource_name=r["period__resource__name"],
                unit=r["period__resource__capacity_unit"],
                period_label=r["period__label"],
                allocated=int(r["allocated"]),
                delivered=int(r["delivered"] or 0),
                requested=open_units.pop((r["school_id"], r["period_id"]), 0),
            )
        )
    if open_units:
        periods = {p.pk: p for p in _of(CapacityPeriod, tenant).filter(pk__in=[k[1] for k in open_units])}
        names = dict(_of(SharedResource, tenant).values_list("pk", "name"))
        for (school_id, period_id), units in sorted(open_units.items()):
            p = periods[period_id]
            result[school_id].append(
                SchoolPosition(names[p.resource_id], "", p.label, allocated=0, delivered=0, requested=units)
            )
    return dict(result)


@dataclass(frozen=True)
class SchoolShare:
    """One school's share of a resource against its pupils with SEN (census)."""

    school: School
    allocated: int
    delivered: int
    share_pct: int | None
    sen_pupils: int | None
    sen_share_pct: int | None

    @property
    def sen_pupils_shown(self) -> int | str:
        """Exact: the page is the body's own (the census counts are DfE's published figures)."""
        return "not known" if self.sen_pupils is None else self.sen_pupils

    @property
    def sen_share_shown(self) -> str:
        if self.sen_pupils is None or self.sen_share_pct is None:
            return "not known"
        return f"{self.sen_share_pct}%"


def whole_percent(part: int, whole: int) -> int | None:
    return (200 * part + whole) // (2 * whole) if whole else None


def school_shares(*, tenant: ResponsibleBody, resource: SharedResource, school_ids: list[int]) -> list[SchoolShare]:
    """Each grouping school's share of the resource's allocated units (all terms), beside
    its share of the grouping's pupils with SEN (EHC plans and SEN support, latest census).
    Counts are exact: this is read by the body's own staff, not published."""
    from groupings.models import SchoolCensus

    delivered = Delivery.objects.filter(allocation=OuterRef("pk"))
    totals = {
        r["school_id"]: (int(r["allocated"]), int(r["delivered"] or 0))
        for r in _of(Allocation, tenant)
        .filter(period__resource=resource)
        .annotate(delivered_units=_sum(delivered, "units", "allocation"))
        .values("school_id")
        .annotate(allocated=Sum("units"), delivered=Sum("delivered_units"))
        .order_by()
    }
    schools = list(School.objects.filter(pk__in=school_ids).order_by("name", "pk"))
    census: dict[int, int | None] = {}
    for row in SchoolCensus.objects.filter(urn__in=[s.urn for s in schools]).order_by("urn", "-academic_year"):
        if row.urn not in census:
            known = [v for v in (row.ehc_plan_pupils, row.sen_support_pupils) if v is not None]
            census[row.urn] = sum(known) if known else None
    all_allocated = sum(a for a, _ in totals.values())
    all_sen = sum(v for v in census.values() if v)
    return [
        SchoolShare(
            school=s,
            allocated=totals.get(s.pk, (0, 0))[0],
            delivered=totals.get(s.pk, (0, 0))[1],
            share_pct=whole_percent(totals.get(s.pk, (0, 0))[0], all_allocated),
            sen_pupils=census.get(s.urn),
            sen_share_pct=whole_percent(census[s.urn] or 0, all_sen) if census.get(s.urn) is not None else None,
        )
        for s in schools
    ]


@dataclass(frozen=True)
class ProvisionInPlace:
    resource_name: str
    kind_label: str
    period_label: str
    unit: str
    allocated: int
    delivered: int


def provision_in_place(*, tenant: ResponsibleBody | int, case_id: int) -> list[ProvisionInPlace]:
    """Shared resources allocated to a case's requests: provision in place, whose cost the
    case does not ask for again (one query; the columns shown, read as values, with each
    allocation's deliveries summed)."""
    rows = (
        _of(Allocation, tenant)
        .filter(request__case_id=case_id, units__gt=0)  # a cancelled allocation is no longer in place
        .order_by("period__starts_on", "pk")
        .values(
            "pk",
            "units",
            "period__label",
            "period__resource__name",
            "period__resource__kind",
            "period__resource__capacity_unit",
        )
        .annotate(delivered_units=Coalesce(Sum("deliveries__units"), 0))
    )
    return [
        ProvisionInPlace(
            resource_name=a["period__resource__name"],
            kind_label=ResourceKind(a["period__resource__kind"]).label,
            period_label=a["period__label"],
            unit=a["period__resource__capacity_unit"],
            allocated=a["units"],
            delivered=int(a["delivered_units"]),
        )
        for a in rows
    ]
