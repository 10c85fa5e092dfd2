"""Taking a request or an allocation back: a school withdraws its own request before it is
allocated; an officer cancels an allocation, saying why, which gives its undelivered units
back to the term. Delivered units are never cancelled: an allocation part of which was
delivered is cut to what was delivered. Capacity is given back by the database (the
allocation's ``units`` falls and the capacity trigger takes the difference off the term's
``allocated_units``), under the term's row lock, in the same order ``request_allocate``
locks (request, then term), so a cancellation and an allocation of the freed units
serialise and never overbook."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from core.audit import audit_record, snapshot, text_fingerprint
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context
from shared_resources.error_codes import SharedResourceError as E
from shared_resources.models import (
    REQUEST_TRANSITIONS,
    Allocation,
    CapacityPeriod,
    Delivery,
    RequestStatus,
    ResourceRequest,
)
from shared_resources.services.common import require, text

REQUEST_FIELDS = ("status", "units", "decision_reason", "decided_by_label")
ALLOCATION_FIELDS = ("units", "cancelled_units", "cancelled_at", "cancelled_by_label")


def _check(request: ResourceRequest, to: str) -> None:
    if (request.status, to) not in REQUEST_TRANSITIONS:
        raise ConflictError(
            f"This request is {request.get_status_display().lower()}: it cannot be changed now.",
            code=E.REQUEST_NOT_OPEN,
        )


def request_withdraw(*, actor: User, tenant: ResponsibleBody, request_id: int, reason: str = "") -> ResourceRequest:
    """A head or SENDCO withdraws their own school's request while it waits for a decision
    (pending or on the waiting list). Nothing was allocated, so no capacity moves."""
    reason = text(reason, field="reason", limit=500)
    with tenant_context(tenant), transaction.atomic():
        access = BodyAccess.load(actor, tenant)
        if not access.can(Action.REQUEST_SHARED_RESOURCE):
            raise ApplicationError("Only the school's head or SENDCO can withdraw its request.", code=E.NOT_ALLOWED)
        request = lock_rows(ResourceRequest.objects.select_related("resource", "period")).filter(pk=request_id).first()
        if request is None:
            raise NotFound("No such request.")
        scope = access.school_ids(Action.REQUEST_SHARED_RESOURCE)
        if scope is not None and request.school_id not in scope:
            raise NotFound("No such request.")  # another school's request is not the user's to see
        _check(request, RequestStatus.WITHDRAWN)
        before = snapshot(request, REQUEST_FIELDS)
        request.status = RequestStatus.WITHDRAWN
        request.decision_reason = reason
        request.decided_by_label = actor.email
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decision_reason", "decided_by_label", "decided_at"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.SHARED_RESOURCE_REQUEST_WITHDRAWN,
            obj=request,
            label=f"{request.resource.name}, {request.period.label}: request {request.pk} withdrawn"[:300],
            before=before,
            after=snapshot(request, REQUEST_FIELDS) | {"decision_reason": text_fingerprint(reason)},
        )
    return request


def allocation_cancel(*, actor: User, tenant: ResponsibleBody, allocation_id: int, reason: str) -> Allocation:
    """Cancel what is undelivered of an allocation, saying why: its units fall to what was
    delivered and the rest goes back to the term. With nothing delivered the request becomes
    ``cancelled``; otherwise it stays allocated for the delivered units. Refused
    (``all_delivered``) when everything allocated was delivered."""
    reason = text(reason, field="reason", limit=500, required=True, what="why the allocation is cancelled")
    with tenant_context(tenant), transaction.atomic():
        require(actor, tenant, Action.ALLOCATE_SHARED_RESOURCES)
        found = Allocation.objects.filter(pk=allocation_id).values_list("request_id", "period_id").first()
        if found is None:
            raise NotFound("No such allocation.")
        request_id, period_id = found
        request = lock_rows(ResourceRequest.objects.select_related("resource").filter(pk=request_id)).get()
        lock_rows(CapacityPeriod.objects.filter(pk=period_id)).get()
        allocation = lock_rows(Allocation.objects.select_related("period").filter(pk=allocation_id)).get()
        if allocation.cancelled_at is not None and allocation.units == 0:
            raise ConflictError("This allocation is already cancelled.", code=E.REQUEST_NOT_OPEN)
        delivered = Delivery.objects.filter(allocation=allocation).aggregate(t=Sum("units"))["t"] or 0
        if delivered >= allocation.units:
            raise ConflictError(
                f"All {allocation.units} {request.resource.capacity_unit} allocated are delivered: "
                "delivered units cannot be cancelled.",
                code=E.ALL_DELIVERED,
            )
        _check(request, RequestStatus.CANCELLED)
        to = RequestStatus.CANCELLED if delivered == 0 else RequestStatus.ALLOCATED
        before = snapshot(allocation, ALLOCATION_FIELDS) | {"request_status": request.status}
        freed = allocation.units - delivered
        allocation.units = delivered
        allocation.cancelled_units += freed
        allocation.cancelled_at = timezone.now()
        allocation.cancelled_by_label = actor.email
        allocation.cancel_reason = reason
        allocation.save(
            update_fields=["units", "cancelled_units", "cancelled_at", "cancelled_by_label", "cancel_reason"]
        )
        if to == RequestStatus.CANCELLED:
            request.status = to
            request.decision_reason = reason
            request.decided_by_label = actor.email
            request.decided_at = allocation.cancelled_at
            request.save(update_fields=["status", "decision_reason", "decided_by_label", "decided_at"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.SHARED_RESOURCE_ALLOCATION_CANCELLED,
            obj=allocation,
            label=f"{request.resource.name}, {allocation.period.label}: {freed} {request.resource.capacity_unit} "
            f"cancelled for school {allocation.school_id}"[:300],
            before=before,
            after=snapshot(allocation, ALLOCATION_FIELDS)
            | {"request_status": request.status, "freed_units": freed, "reason": text_fingerprint(reason)},
        )
    return allocation
