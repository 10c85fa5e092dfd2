"""Requests from schools, allocation against remaining capacity, waiting lists, refusals and
delivery. Capacity is the database's to enforce (see ``shared_resources.models``): the
service locks the period's row and checks first so people get a clear message, and the
trigger and check constraint refuse whatever slips past."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone

from accounts.grouping_scope import school_in_grouping
from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from core.audit import audit_record, snapshot, text_fingerprint
from core.audit_verbs import AuditVerb
from core.constraints import violates
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import advisory_lock, lock_rows
from core.tenancy import tenant_context
from shared_resources.error_codes import SharedResourceError as E
from shared_resources.models import (
    REQUEST_TRANSITIONS,
    Allocation,
    AllocationRules,
    CapacityPeriod,
    Delivery,
    RequestStatus,
    ResourceKind,
    ResourceRequest,
)
from shared_resources.services.common import positive, require, text

REQUEST_FIELDS = ("status", "units", "decision_reason", "decided_by_label", "rules_version")


def _current_rules_version() -> int | None:
    return AllocationRules.objects.filter(effective_from__lte=timezone.localdate()).aggregate(v=Max("version"))["v"]


def request_create(
    *,
    actor: User,
    tenant: ResponsibleBody,
    period_id: int,
    school_id: int,
    units: int,
    case_id: int | None = None,
    starts_on: date | None = None,
    note: str = "",
) -> ResourceRequest:
    """A head or SENDCO asks for a share of one term (or year) of a resource for their own
    school, optionally for one of the school's cases."""
    positive(units, field="units", what="how many you need")
    note = text(note, field="note", limit=500)
    with tenant_context(tenant), transaction.atomic():
        access = BodyAccess.load(actor, tenant)
        if not access.can(Action.REQUEST_SHARED_RESOURCE):
            raise ApplicationError("Only a school's head or SENDCO can ask for a share.", code=E.NOT_ALLOWED)
        scope = access.school_ids(Action.REQUEST_SHARED_RESOURCE)
        if not isinstance(school_id, int) or (scope is not None and school_id not in scope):
            raise ApplicationError("You can only ask for your own school.", code=E.OTHER_SCHOOL, field="school_id")
        if not school_in_grouping(tenant=tenant, school_id=school_id):
            raise ApplicationError("That school is not in the grouping.", code=E.UNKNOWN_SCHOOL, field="school_id")
        period = CapacityPeriod.objects.select_related("resource").filter(pk=period_id).first()
        if period is None:
            raise NotFound("Choose a term of a shared resource.", field="period_id")
        if period.resource.kind == ResourceKind.SUPPORT_BASE and starts_on is None:
            starts_on = period.starts_on
        if starts_on is not None and not (period.starts_on <= starts_on <= period.ends_on):
            raise ApplicationError(
                f"Choose a day from {period.starts_on:%-d %B %Y} to {period.ends_on:%-d %B %Y}.",
                code=E.DATES_OUT_OF_ORDER,
                field="starts_on",
            )
        if case_id is not None:
            case_model: Any = ResourceRequest._meta.get_field("case").related_model
            case = case_model.objects.filter(pk=case_id).first() if isinstance(case_id, int) else None
            if case is None or case.school_id != school_id:
                raise ApplicationError("Choose one of your school's cases.", code=E.UNKNOWN_CASE, field="case_id")
        request = ResourceRequest(
            responsible_body=tenant,
            resource=period.resource,
            period=period,
            school_id=school_id,
            case_id=case_id,
            units=units,
            starts_on=starts_on,
            note=note,
            rules_version=_current_rules_version(),
            requested_by_label=actor.email,
        )
        request.save()
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.SHARED_RESOURCE_REQUESTED,
            obj=request,
            label=f"{period.resource.name}, {period.label}: {units} {period.resource.capacity_unit}"[:300],
            after=snapshot(request, REQUEST_FIELDS) | {"school": school_id, "period": period.pk},
        )
    return request


def _request_for_update(request_id: int, to: str) -> ResourceRequest:
    found = lock_rows(ResourceRequest.objects.select_related("resource").filter(pk=request_id)).first()
    if found is None:
        raise NotFound("No such request.")
    if (found.status, to) not in REQUEST_TRANSITIONS:
        raise ConflictError(
            f"This request is {found.get_status_display().lower()}: it cannot be changed now.",
            code=E.REQUEST_NOT_OPEN,
        )
    return found


def request_allocate(*, actor: User, tenant: ResponsibleBody, request_id: int, units: int | None = None) -> Allocation:
    """Give the school ``units`` (all it asked for by default) of the period's remaining
    capacity. Never above it: refused with ``capacity_full`` and nothing written."""
    with tenant_context(tenant), transaction.atomic():
        require(actor, tenant, Action.ALLOCATE_SHARED_RESOURCES)
        request = _request_for_update(request_id, RequestStatus.ALLOCATED)
        wanted = request.units if units is None else positive(units, field="units", what="the units allocated")
        if wanted > request.units:
            raise ApplicationError(
                f"The school asked for {request.units}: allocate that or fewer.", code=E.INVALID_VALUE, field="units"
            )
        period = lock_rows(CapacityPeriod.objects.filter(pk=request.period_id)).get()
        if wanted > period.free_units:
            raise ConflictError(
                f"Only {period.free_units} {request.resource.capacity_unit} are left in {period.label}: "
                "allocate fewer, or put the request on the waiting list.",
                code=E.CAPACITY_FULL,
                field="units",
                extra={"free_units": period.free_units},
            )
        before = snapshot(request, REQUEST_FIELDS)
        allocation = Allocation(
            responsible_body=tenant,
            request=request,
            period=period,
            school_id=request.school_id,
            units=wanted,
            allocated_by_label=actor.email,
        )
        try:
            with transaction.atomic():
                allocation.save()
        except IntegrityError as exc:
            if violates(exc, "shcap_capacity_not_exceeded"):
                raise ConflictError(
                    f"{period.label} has no capacity left for this.", code=E.CAPACITY_FULL, field="units"
                ) from exc
            raise
        request.status = RequestStatus.ALLOCATED
        request.decided_by_label = actor.email
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_by_label", "decided_at"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.SHARED_RESOURCE_ALLOCATED,
            obj=allocation,
            label=f"{request.resource.name}, {period.label}: {wanted} to school {request.school_id}"[:300],
            before=before,
            after=snapshot(request, REQUEST_FIELDS) | {"allocated_units": wanted},
        )
    return allocation


def _refuse(
    *, actor: User, tenant: ResponsibleBody, request_id: int, reason: str, to: str, verb: AuditVerb
) -> ResourceRequest:
    reason = text(reason, field="reason", limit=500, required=True, what="the reason")
    with tenant_context(tenant), transaction.atomic():
        require(actor, tenant, Action.ALLOCATE_SHARED_RESOURCES)
        request = _request_for_update(request_id, to)
        before = snapshot(request, REQUEST_FIELDS)
        request.status = to
        request.decision_reason = reason
        request.decided_by_label = actor.email
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decision_reason", "decided_by_label", "decided_at"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=verb,
            obj=request,
            label=f"{request.resource.name}: request {request.pk} {request.get_status_display().lower()}"[:300],
            before=before,
            after=snapshot(request, REQUEST_FIELDS) | {"decision_reason": text_fingerprint(reason)},
        )
    return request


def request_waitlist(*, actor: User, tenant: ResponsibleBody, request_id: int, reason: str) -> ResourceRequest:
    """Put a request on the waiting list, saying why (usually: nothing left this term)."""
    return _refuse(
        actor=actor,
        tenant=tenant,
        request_id=request_id,
        reason=reason,
        to=RequestStatus.WAITLISTED,
        verb=AuditVerb.SHARED_RESOURCE_WAITLISTED,
    )


def request_decline(*, actor: User, tenant: ResponsibleBody, request_id: int, reason: str) -> ResourceRequest:
    """Decline a request against the published allocation rules, saying why."""
    return _refuse(
        actor=actor,
        tenant=tenant,
        request_id=request_id,
        reason=reason,
        to=RequestStatus.DECLINED,
        verb=AuditVerb.SHARED_RESOURCE_DECLINED,
    )


def delivery_record(
    *, actor: User, tenant: ResponsibleBody, allocation_id: int, delivered_on: date, units: int, note: str = ""
) -> Delivery:
    """Record days or sessions delivered (or places occupied) against an allocation, within
    its term and never more than was allocated."""
    positive(units, field="units", what="what was delivered")
    note = text(note, field="note", limit=500)
    with tenant_context(tenant), transaction.atomic():
        access = BodyAccess.load(actor, tenant)
        allowed = [a for a in (Action.MANAGE_SHARED_RESOURCES, Action.ALLOCATE_SHARED_RESOURCES) if access.can(a)]
        if not allowed or all(access.needs_mfa_for(a) for a in allowed):
            raise ApplicationError("You are not allowed to do this.", code=E.NOT_ALLOWED)
        allocation = lock_rows(Allocation.objects.select_related("period__resource")).filter(pk=allocation_id).first()
        if allocation is None:
            raise NotFound("No such allocation.")
        period = allocation.period
        if allocation.cancelled_at is not None:
            raise ConflictError(
                f"This allocation was cancelled ({allocation.cancel_reason}): nothing more can be delivered "
                "against it."[:500],
                code=E.REQUEST_NOT_OPEN,
                field="units",
            )
        if not (period.starts_on <= delivered_on <= period.ends_on):
            raise ApplicationError(
                f"Choose a day in {period.label} ({period.starts_on:%-d %B %Y} to {period.ends_on:%-d %B %Y}).",
                code=E.DATES_OUT_OF_ORDER,
                field="delivered_on",
            )
        so_far = Delivery.objects.filter(allocation=allocation).aggregate(t=Sum("units"))["t"] or 0
        if so_far + units > allocation.units:
            raise ConflictError(
                f"{so_far} of the {allocation.units} allocated are already recorded as delivered.",
                code=E.OVER_DELIVERED,
                field="units",
            )
        delivery = Delivery.objects.create(
            responsible_body=tenant,
            allocation=allocation,
            delivered_on=delivered_on,
            units=units,
            note=note,
            recorded_by_label=actor.email,
        )
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.SHARED_RESOURCE_DELIVERY_RECORDED,
            obj=delivery,
            label=f"{period.resource.name}, {period.label}: {units} delivered to school {allocation.school_id}"[:300],
            after={"allocation": allocation.pk, "delivered_on": delivered_on, "units": units},
        )
    return delivery


def allocation_rules_publish(
    *, actor: User, tenant: ResponsibleBody, rules: list[str], effective_from: date
) -> AllocationRules:
    """Publish a new version of the body's allocation rules; requests record the version
    in force when they were made."""
    cleaned = [text(r, field="rules", limit=500) for r in rules]
    cleaned = [r for r in cleaned if r]
    if not cleaned:
        raise ApplicationError("Enter at least one rule.", code=E.MISSING_FIELD, field="rules")
    with tenant_context(tenant), transaction.atomic():
        require(actor, tenant, Action.MANAGE_SHARED_RESOURCES)
        advisory_lock("shared_resources.allocation_rules", tenant.pk)  # one new version at a time
        latest = AllocationRules.objects.order_by("-version").first()
        if latest is not None and effective_from < latest.effective_from:
            raise ApplicationError(
                "A new version cannot take effect before the current one.",
                code=E.DATES_OUT_OF_ORDER,
                field="effective_from",
            )
        try:
            with transaction.atomic():
                version = AllocationRules.objects.create(
                    responsible_body=tenant,
                    version=(latest.version + 1) if latest else 1,
                    effective_from=effective_from,
                    rules=cleaned,
                    created_by_label=actor.email,
                )
        except IntegrityError as exc:
            raise ConflictError("Another version was published just now: try again.", code=E.VERSION_RACE) from exc
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.SHARED_RESOURCE_RULES_PUBLISHED,
            obj=version,
            label=f"Allocation rules v{version.version} from {effective_from:%-d %B %Y}",
            after={"version": version.version, "rules": cleaned},
        )
    return version
