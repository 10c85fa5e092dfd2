"""Funding shared resources from the pool: committed through pooling's one commitment
service (the same locks and headroom check as an award, never the urgent reserve), paid by
an instalment schedule, varied and ended early by pooling's schedule services, so what is
released is exactly what is unpaid."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction

from accounts.models import ResponsibleBody, User
from accounts.policy import Action
from core.audit import audit_record, snapshot, text_fingerprint
from core.audit_verbs import AuditVerb
from core.constraints import violates
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context
from pooling.error_codes import PoolingError
from pooling.models import InstalmentSchedule, Pool, PoolStatus
from pooling.services.schedules import commitment_commit_and_schedule, schedule_stop, schedule_vary
from shared_resources.error_codes import SharedResourceError as E
from shared_resources.models import ResourceFunding, SharedResource
from shared_resources.services.common import ordered, pence, require, text

FUNDING_FIELDS = ("resource", "pool", "amount_pence", "starts_on", "ends_on", "frequency", "status", "ended_on")


def funding_commit(
    *,
    actor: User,
    tenant: ResponsibleBody,
    resource_id: int,
    pool_id: int,
    amount_pence: int,
    starts_on: date,
    ends_on: date,
    frequency: str = InstalmentSchedule.Frequency.MONTHLY,
) -> ResourceFunding:
    """Commit a resource's cost for a funding period from the pool's headroom, with its
    payment schedule. The funding starts in the pool's period and may run to the end of the
    resource's contract (an academic-year post straddles two grant years): a period close
    carries the unpaid rest into the next pool, as it does an award's. The instalments are
    paid to the resource's payee (``paid_to``: its employer or provider, with their bank
    details) directly, or to its host school when it has none. Raises
    ``InsufficientHeadroom`` (409) and writes nothing when the pool cannot fund it; the
    urgent-case reserve is never drawn on for a shared resource."""
    pence(amount_pence, field="amount_pence")
    if amount_pence < 1:
        raise ApplicationError("Enter an amount of at least 1p.", code=E.INVALID_AMOUNT, field="amount_pence")
    ordered(starts_on, ends_on)
    with tenant_context(tenant), transaction.atomic():
        require(actor, tenant, Action.MOVE_MONEY)
        resource = SharedResource.objects.filter(pk=resource_id).first()
        if resource is None:
            raise NotFound("No such shared resource.")
        pool = Pool.objects.filter(pk=pool_id).first()
        if pool is None:
            raise NotFound("Choose one of the body's pools.", field="pool_id")
        if pool.status != PoolStatus.OPEN:
            raise ConflictError(f"Pool {pool.label} is closed.", code=PoolingError.POOL_CLOSED, field="pool_id")
        if not (pool.starts_on <= starts_on <= pool.ends_on):
            raise ApplicationError(
                f"The funding must start in the funding period {pool.label} "
                f"({pool.starts_on:%-d %B %Y} to {pool.ends_on:%-d %B %Y}).",
                code=E.OUTSIDE_CONTRACT,
                field="starts_on",
            )
        if starts_on < resource.starts_on or ends_on > resource.ends_on:
            raise ApplicationError(
                "The dates must fall within the resource's contract dates "
                f"({resource.starts_on:%-d %B %Y} to {resource.ends_on:%-d %B %Y}).",
                code=E.OUTSIDE_CONTRACT,
                field="ends_on",
            )
        funding = ResourceFunding(
            responsible_body=tenant,
            resource=resource,
            pool=pool,
            amount_pence=amount_pence,
            starts_on=starts_on,
            ends_on=ends_on,
            frequency=frequency,
            created_by_label=actor.email,
        )
        try:
            with transaction.atomic():
                funding.save()
        except IntegrityError as exc:
            if violates(exc, "shfund_one_per_pool"):
                raise ConflictError(
                    f"This resource is already funded from pool {pool.label}: vary that funding instead.",
                    code=E.ALREADY_FUNDED,
                    field="pool_id",
                ) from exc
            raise
        commitment_commit_and_schedule(
            actor=actor,
            tenant=tenant,
            pool=pool,
            school_id=resource.host_school_id,
            source_type=ResourceFunding.SOURCE_TYPE,
            source_id=str(funding.pk),
            total_pence=amount_pence,
            starts_on=starts_on,
            ends_on=ends_on,
            frequency=frequency,
            description=f"Shared resource {resource.name} funded for {pool.label}",
            may_use_reserve=False,
            payee_id=resource.paid_to_id,
        )
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.SHARED_RESOURCE_FUNDED,
            obj=funding,
            label=f"{resource.name}: £{amount_pence / 100:,.2f} from pool {pool.label}"[:300],
            after=snapshot(funding, FUNDING_FIELDS),
        )
    return funding


def _funding_for_update(funding_id: int) -> ResourceFunding:
    funding = lock_rows(ResourceFunding.objects.select_related("resource").filter(pk=funding_id)).first()
    if funding is None:
        raise NotFound("No such funding.")
    if funding.status != ResourceFunding.Status.ACTIVE:
        raise ConflictError("This funding has ended.", code=E.FUNDING_ENDED)
    return funding


def funding_vary(
    *, actor: User, tenant: ResponsibleBody, funding_id: int, new_amount_pence: int, reason: str
) -> ResourceFunding:
    """Change what a resource's funding commits: an increase is checked against headroom, a
    decrease releases the difference (never below what is paid) and unpaid instalments are re-split."""
    reason = text(reason, field="reason", limit=300, required=True, what="why the funding changes")
    pence(new_amount_pence, field="new_amount_pence")
    with tenant_context(tenant), transaction.atomic():
        require(actor, tenant, Action.MOVE_MONEY)
        funding = _funding_for_update(funding_id)
        before = snapshot(funding, FUNDING_FIELDS)
        schedule = schedule_vary(
            actor=actor,
            tenant=tenant,
            source_type=ResourceFunding.SOURCE_TYPE,
            source_id=str(funding.pk),
            new_total_pence=new_amount_pence,
            reason=reason,
        )
        funding.amount_pence = schedule.total_pence
        funding.save(update_fields=["amount_pence"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.SHARED_RESOURCE_FUNDING_VARIED,
            obj=funding,
            label=f"{funding.resource.name}: funding varied"[:300],
            before=before,
            after=snapshot(funding, FUNDING_FIELDS) | {"reason": text_fingerprint(reason)},
        )
    return funding


def funding_end(*, actor: User, tenant: ResponsibleBody, funding_id: int, end_on: date, reason: str) -> ResourceFunding:
    """End a resource's funding early: every unpaid instalment due after ``end_on`` is
    released, exactly; what is paid stays paid."""
    reason = text(reason, field="reason", limit=300, required=True, what="why the funding ends")
    with tenant_context(tenant), transaction.atomic():
        require(actor, tenant, Action.MOVE_MONEY)
        funding = _funding_for_update(funding_id)
        if end_on < funding.starts_on or end_on > funding.ends_on:
            raise ApplicationError("Choose a day within the funded dates.", code=E.DATES_OUT_OF_ORDER, field="end_on")
        before = snapshot(funding, FUNDING_FIELDS)
        stopped = schedule_stop(
            actor=actor,
            tenant=tenant,
            source_type=ResourceFunding.SOURCE_TYPE,
            source_id=str(funding.pk),
            stop_on=end_on,
        )
        funding.amount_pence = stopped.schedule.total_pence
        funding.status = ResourceFunding.Status.ENDED
        funding.ended_on = end_on
        funding.save(update_fields=["amount_pence", "status", "ended_on"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.SHARED_RESOURCE_FUNDING_ENDED,
            obj=funding,
            label=f"{funding.resource.name}: funding ended on {end_on:%-d %B %Y}"[:300],
            before=before,
            after=snapshot(funding, FUNDING_FIELDS)
            | {"released_pence": stopped.released_pence, "reason": text_fingerprint(reason)},
        )
    return funding
