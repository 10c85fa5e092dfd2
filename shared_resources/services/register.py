"""The register of shared resources and their capacity per term or year."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from accounts.grouping_scope import school_in_grouping
from accounts.models import ResponsibleBody, User
from accounts.policy import Action
from core.audit import audit_record, snapshot
from core.audit_verbs import AuditVerb
from core.constraints import violates
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context
from groupings.models import GroupingPolicy
from groupings.policy_defaults import AREAS_OF_NEED, need_labels
from pooling.models import Payee
from pooling.services.payees import payee_set
from shared_resources.error_codes import SharedResourceError as E
from shared_resources.models import CapacityPeriod, CapacityUnit, ResourceKind, SharedResource
from shared_resources.services.common import ordered, pence, positive, require, text

RESOURCE_FIELDS = (
    "paid_to",
    "kind",
    "name",
    "areas_of_need",
    "capacity_unit",
    "capacity_basis",
    "host_school",
    "payee",
    "contract_reference",
    "starts_on",
    "ends_on",
    "fte_hundredths",
    "annual_cost_pence",
    "places",
    "cost_per_place_pence",
    "contract_value_pence",
)
PERIOD_FIELDS = ("label", "starts_on", "ends_on", "capacity_units")


def need_codes(*, tenant: ResponsibleBody) -> dict[str, str]:
    """The areas of need of the body's current grouping policy (the defaults before it has one)."""
    policy = GroupingPolicy.objects.order_by("-effective_from", "-version").first()
    return need_labels(policy.areas_of_need if policy is not None else AREAS_OF_NEED)


def clean_resource(*, tenant: ResponsibleBody, data: dict[str, Any]) -> dict[str, Any]:
    kind = data.get("kind")
    if kind not in ResourceKind.values:
        raise ApplicationError(
            "Choose a post, a support base or a commissioned service.", code=E.INVALID_KIND, field="kind"
        )
    clean: dict[str, Any] = {"kind": kind}
    clean["name"] = text(data.get("name", ""), field="name", limit=200, required=True, what="a name")
    needs = list(data.get("areas_of_need") or [])
    known = need_codes(tenant=tenant)
    if not needs or any(code not in known for code in needs):
        raise ApplicationError(
            "Choose one or more areas of need from the grouping policy.", code=E.INVALID_VALUE, field="areas_of_need"
        )
    clean["areas_of_need"] = sorted(set(needs))
    unit = data.get("capacity_unit")
    if unit not in CapacityUnit.values:
        raise ApplicationError("Choose the unit capacity is counted in.", code=E.INVALID_VALUE, field="capacity_unit")
    if (kind == ResourceKind.SUPPORT_BASE) != (unit == CapacityUnit.PLACES):
        raise ApplicationError(
            "A support base counts places; posts and services count days, sessions or hours.",
            code=E.INVALID_VALUE,
            field="capacity_unit",
        )
    clean["capacity_unit"] = unit
    basis = data.get("capacity_basis")
    if basis not in ("term", "year"):
        raise ApplicationError("Choose per term or per year.", code=E.INVALID_VALUE, field="capacity_basis")
    clean["capacity_basis"] = basis
    school_id = data.get("host_school_id")
    if not isinstance(school_id, int) or not school_in_grouping(tenant=tenant, school_id=school_id):
        raise ApplicationError("Choose a school in the body's grouping.", code=E.UNKNOWN_SCHOOL, field="host_school_id")
    clean["host_school_id"] = school_id
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
    if not isinstance(starts_on, date) or not isinstance(ends_on, date):
        raise ApplicationError("Enter the start and end dates.", code=E.MISSING_FIELD, field="starts_on")
    ordered(starts_on, ends_on)
    clean["starts_on"], clean["ends_on"] = starts_on, ends_on
    clean["payee"] = text(data.get("payee", ""), field="payee", limit=200)
    if (data.get("sort_code") or data.get("account_number")) and kind == ResourceKind.SUPPORT_BASE:
        clean["payee"] = text(
            clean["payee"], field="payee", limit=200, required=True, what="the school or trust to be paid"
        )
    clean["contract_reference"] = text(data.get("contract_reference", ""), field="contract_reference", limit=100)
    clean["fte_hundredths"] = clean["places"] = None
    clean["annual_cost_pence"] = clean["cost_per_place_pence"] = clean["contract_value_pence"] = None
    if kind == ResourceKind.POST:
        clean["fte_hundredths"] = positive(data.get("fte_hundredths"), field="fte_hundredths", what="the FTE")
        clean["annual_cost_pence"] = pence(data.get("annual_cost_pence"), field="annual_cost_pence")
        clean["payee"] = text(clean["payee"], field="payee", limit=200, required=True, what="the employing entity")
    elif kind == ResourceKind.SUPPORT_BASE:
        clean["places"] = positive(data.get("places"), field="places", what="the number of places")
        clean["annual_cost_pence"] = pence(data.get("annual_cost_pence"), field="annual_cost_pence", required=False)
        clean["cost_per_place_pence"] = pence(
            data.get("cost_per_place_pence"), field="cost_per_place_pence", required=False
        )
        if clean["annual_cost_pence"] is None and clean["cost_per_place_pence"] is None:
            raise ApplicationError(
                "Enter the annual cost or the cost per place.", code=E.MISSING_FIELD, field="annual_cost_pence"
            )
    else:
        clean["payee"] = text(clean["payee"], field="payee", limit=200, required=True, what="the provider")
        clean["contract_reference"] = text(
            clean["contract_reference"], field="contract_reference", limit=100, required=True, what="the reference"
        )
        clean["contract_value_pence"] = pence(data.get("contract_value_pence"), field="contract_value_pence")
    return clean


PAYEE_KINDS = {
    ResourceKind.POST: Payee.Kind.EMPLOYER,
    ResourceKind.SERVICE: Payee.Kind.PROVIDER,
    ResourceKind.SUPPORT_BASE: Payee.Kind.HOST,
}
BANK_FIELDS = ("sort_code", "account_number", "payment_reference", "remittance_email", "payee_address")


def paid_to_for(*, actor: User, tenant: ResponsibleBody, kind: str, payee: str, data: dict[str, Any]) -> Payee | None:
    """The payee the resource's instalments are paid to directly, when bank details are
    given (pooling's ``payee_set``: finance officers only); None when they are not."""
    if not any((data.get(name) or "").strip() for name in BANK_FIELDS):
        return None
    return payee_set(
        actor=actor,
        tenant=tenant,
        kind=PAYEE_KINDS[ResourceKind(kind)],
        name=payee,
        sort_code=data.get("sort_code") or "",
        account_number=data.get("account_number") or "",
        payment_reference=data.get("payment_reference") or "",
        remittance_email=data.get("remittance_email") or "",
        address=data.get("payee_address") or "",
    )


def resource_register(*, actor: User, tenant: ResponsibleBody, **data: Any) -> SharedResource:
    """Add a post, support base or commissioned service to the body's register. With the
    payee's bank details (``sort_code``, ``account_number``, optionally
    ``payment_reference``, ``remittance_email``, ``payee_address``), its funding is paid to
    the employer or provider directly; without, to the host school."""
    with tenant_context(tenant), transaction.atomic():
        require(actor, tenant, Action.MANAGE_SHARED_RESOURCES)
        clean = clean_resource(tenant=tenant, data=data)
        resource = SharedResource(responsible_body=tenant, created_by_label=actor.email, **clean)
        resource.full_clean(exclude=["responsible_body", "host_school", "paid_to"])
        resource.paid_to = paid_to_for(actor=actor, tenant=tenant, kind=clean["kind"], payee=clean["payee"], data=data)
        resource.save()
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.SHARED_RESOURCE_REGISTERED,
            obj=resource,
            label=f"{resource.get_kind_display()}: {resource.name}"[:300],
            after=snapshot(resource, RESOURCE_FIELDS),
        )
    return resource


def capacity_period_set(
    *,
    actor: User,
    tenant: ResponsibleBody,
    resource_id: int,
    label: str,
    starts_on: date,
    ends_on: date,
    capacity_units: int,
    period_id: int | None = None,
) -> CapacityPeriod:
    """Set a resource's capacity for a term or year (a new period, or ``period_id``'s).

    Periods of one resource never overlap (an exclusion constraint), lie within the
    resource's dates, and never hold less than is already allocated (a check constraint)."""
    label = text(label, field="label", limit=40, required=True, what="a name for the term or year")
    ordered(starts_on, ends_on)
    if not isinstance(capacity_units, int) or isinstance(capacity_units, bool) or capacity_units < 0:
        raise ApplicationError(
            "Enter the capacity as a whole number, 0 or more.", code=E.INVALID_VALUE, field="capacity_units"
        )
    with tenant_context(tenant), transaction.atomic():
        require(actor, tenant, Action.MANAGE_SHARED_RESOURCES)
        resource = SharedResource.objects.filter(pk=resource_id).first()
        if resource is None:
            raise NotFound("No such shared resource.")
        if starts_on < resource.starts_on or ends_on > resource.ends_on:
            raise ApplicationError(
                f"The term must fall within the resource's dates ({resource.starts_on:%-d %B %Y} to "
                f"{resource.ends_on:%-d %B %Y}).",
                code=E.OUTSIDE_CONTRACT,
                field="starts_on",
            )
        if resource.kind == ResourceKind.SUPPORT_BASE and capacity_units > (resource.places or 0):
            raise ApplicationError(
                f"The base has {resource.places} places.", code=E.INVALID_VALUE, field="capacity_units"
            )
        if period_id is None:
            period = CapacityPeriod(responsible_body=tenant, resource=resource)
            before = None
        else:
            found = lock_rows(CapacityPeriod.objects.filter(pk=period_id, resource=resource)).first()
            if found is None:
                raise NotFound("No such term for this resource.")
            period = found
            if capacity_units < period.allocated_units:
                raise ConflictError(
                    f"{period.allocated_units} {resource.capacity_unit} are already allocated: "
                    "the capacity cannot be less.",
                    code=E.CAPACITY_BELOW_ALLOCATED,
                    field="capacity_units",
                )
            before = snapshot(period, PERIOD_FIELDS)
        period.label, period.starts_on, period.ends_on, period.capacity_units = (
            label,
            starts_on,
            ends_on,
            capacity_units,
        )
        try:
            with transaction.atomic():
                if period_id is None:
                    period.save()
                else:
                    period.save(update_fields=list(PERIOD_FIELDS))
        except IntegrityError as exc:
            raise _period_error(exc) from exc
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.SHARED_RESOURCE_CAPACITY_SET,
            obj=period,
            label=f"{resource.name}: {label}, {capacity_units} {resource.capacity_unit}"[:300],
            before=before,
            after=snapshot(period, PERIOD_FIELDS),
        )
    return period


def _period_error(exc: IntegrityError) -> ApplicationError:
    if violates(exc, "shcap_no_overlap"):
        return ConflictError(
            "This overlaps another term or year of the resource.", code=E.PERIOD_OVERLAPS, field="starts_on"
        )
    if violates(exc, "shcap_label_unique"):
        return ConflictError("The resource already has a term with that name.", code=E.INVALID_VALUE, field="label")
    if violates(exc, "shcap_capacity_not_exceeded"):
        return ConflictError(
            "More than that is already allocated.", code=E.CAPACITY_BELOW_ALLOCATED, field="capacity_units"
        )
    raise exc
