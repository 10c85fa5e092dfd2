"""Changing a registered resource: its name, dates, areas of need, places and costs, and
whom its funding is paid to. What is already allocated, funded or paid constrains it:
capacity never below what is allocated, dates that still cover its terms and fundings, and
a cost change on a funded resource goes through the funding's variation (``funding_vary``:
headroom checked on an increase, never below what is paid), never a silent edit."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.models import ResponsibleBody, User
from accounts.policy import Action
from core.audit import audit_record, snapshot
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context
from pooling.services.payees import schedule_payee_set
from shared_resources.error_codes import SharedResourceError as E
from shared_resources.models import CapacityPeriod, ResourceFunding, ResourceKind, SharedResource
from shared_resources.services.common import require, text
from shared_resources.services.funding import funding_vary
from shared_resources.services.register import RESOURCE_FIELDS, clean_resource, paid_to_for


def resource_cost_pence(values: Any) -> int | None:
    """A resource's cost as its funding is sized against: the annual cost (posts, bases that
    give one), else places times the cost per place (bases), else the contract value."""
    annual = getattr(values, "annual_cost_pence", None)
    if annual is not None:
        return int(annual)
    per_place, places = getattr(values, "cost_per_place_pence", None), getattr(values, "places", None)
    if per_place is not None and places:
        return int(per_place) * int(places)
    value = getattr(values, "contract_value_pence", None)
    return int(value) if value is not None else None


class _Values:
    def __init__(self, values: dict[str, Any]):
        self.__dict__.update(values)


def _check_against_what_exists(resource: SharedResource, clean: dict[str, Any]) -> None:
    periods = CapacityPeriod.objects.filter(resource=resource)
    if (
        periods.filter(starts_on__lt=clean["starts_on"]).exists()
        or periods.filter(ends_on__gt=clean["ends_on"]).exists()
    ):
        raise ConflictError(
            "Some terms of this resource fall outside these dates: change or remove those terms first.",
            code=E.OUTSIDE_CONTRACT,
            field="starts_on",
        )
    fundings = ResourceFunding.objects.filter(resource=resource)
    if (
        fundings.filter(starts_on__lt=clean["starts_on"]).exists()
        or fundings.filter(status=ResourceFunding.Status.ACTIVE, ends_on__gt=clean["ends_on"]).exists()
    ):
        raise ConflictError(
            "The resource is funded for days outside these dates: end that funding first.",
            code=E.OUTSIDE_CONTRACT,
            field="ends_on",
        )
    if clean["capacity_unit"] != resource.capacity_unit and periods.exists():
        raise ConflictError("Capacity is already counted in this unit.", code=E.INVALID_VALUE, field="capacity_unit")
    if resource.kind == ResourceKind.SUPPORT_BASE:
        most = max((p.allocated_units for p in periods), default=0)
        if clean["places"] < most:
            raise ConflictError(
                f"{most} places are already allocated in a term: the base cannot have fewer places.",
                code=E.CAPACITY_BELOW_ALLOCATED,
                field="places",
            )
        fuller = max((p.capacity_units for p in periods), default=0)
        if clean["places"] < fuller:
            raise ConflictError(
                f"A term offers {fuller} places: lower that term's capacity first.",
                code=E.CAPACITY_BELOW_ALLOCATED,
                field="places",
            )


def resource_update(
    *, actor: User, tenant: ResponsibleBody, resource_id: int, cost_change_reason: str = "", **data: Any
) -> SharedResource:
    """Change a resource's details (its kind stays). Writes nothing unless every check
    passes. When its cost changes and it has active funding, each active funding is varied in
    proportion to the new cost through ``funding_vary`` (a finance officer's act; the reason
    is required), in the same transaction."""
    with tenant_context(tenant), transaction.atomic():
        require(actor, tenant, Action.MANAGE_SHARED_RESOURCES)
        resource = lock_rows(SharedResource.objects.filter(pk=resource_id)).select_related("paid_to").first()
        if resource is None:
            raise NotFound("No such shared resource.")
        clean = clean_resource(tenant=tenant, data={**data, "kind": resource.kind})
        _check_against_what_exists(resource, clean)
        old_cost, new_cost = resource_cost_pence(resource), resource_cost_pence(_Values(clean))
        active = list(
            lock_rows(ResourceFunding.objects.filter(resource=resource, status=ResourceFunding.Status.ACTIVE)).order_by(
                "pk"
            )
        )
        varied: list[tuple[int, int]] = []
        if active and new_cost != old_cost:
            reason = text(
                cost_change_reason, field="cost_change_reason", limit=300, required=True, what="why the cost changes"
            )
            if not old_cost or new_cost is None:
                raise ConflictError(
                    "The funding cannot be varied in proportion to a cost of nothing: vary the funding itself.",
                    code=E.INVALID_AMOUNT,
                    field="annual_cost_pence",
                )
            varied = [(f.pk, (f.amount_pence * new_cost + old_cost // 2) // old_cost) for f in active]
        paid_to = paid_to_for(actor=actor, tenant=tenant, kind=resource.kind, payee=clean["payee"], data=data)
        if paid_to is None and resource.paid_to is not None and clean["payee"] != resource.paid_to.name:
            raise ApplicationError(
                f"The funding is paid to {resource.paid_to.name}: enter the new payee's sort code and account number.",
                code=E.MISSING_FIELD,
                field="sort_code",
            )
        before = snapshot(resource, RESOURCE_FIELDS)
        for name, value in clean.items():
            setattr(resource, name, value)
        changed_payee = paid_to is not None and paid_to.pk != resource.paid_to_id
        if paid_to is not None:
            resource.paid_to = paid_to
        resource.save(update_fields=[f for f in clean if f != "kind"] + ["paid_to"])
        for funding_id, amount in varied:
            funding_vary(actor=actor, tenant=tenant, funding_id=funding_id, new_amount_pence=amount, reason=reason)
        if changed_payee:
            schedule_payee_set(
                actor=actor,
                tenant=tenant,
                source_type=ResourceFunding.SOURCE_TYPE,
                source_ids=[str(f.pk) for f in active],
                payee_id=resource.paid_to_id,
            )
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.SHARED_RESOURCE_UPDATED,
            obj=resource,
            label=resource.name[:300],
            before=before,
            after=snapshot(resource, RESOURCE_FIELDS) | {"fundings_varied": dict(varied)},
        )
    return resource
