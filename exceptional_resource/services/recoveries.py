"""Recovering money from a school: all or part of what an award paid, with a reason.

A finance officer (MFA) records money a school returns or owes back. It is capped at what
the award has paid less what was already recovered, posted to the pool's ``recoveries``
account (``pooling.services.recoveries``), which restores headroom: in the award's pool
while it is open, otherwise in the current open pool, where the recovery is carried
forward (the result and the audit say so). Audited, and noted on the case's timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from core.audit import audit_record, text_fingerprint
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.money import format_pence
from core.tenancy import tenant_context
from exceptional_resource.error_codes import CaseError
from exceptional_resource.models import Award, CaseEvent
from exceptional_resource.notifications import after_case_event
from pooling.models import Instalment, Pool, Transaction
from pooling.selectors.paid import paid_q
from pooling.selectors.recoveries import recovered_pence
from pooling.services.recoveries import recovery_pool, recovery_post


@dataclass(frozen=True)
class Recovery:
    award: Award
    transaction: Transaction
    amount_pence: int
    posted_to: Pool
    carried_forward: bool  # the award's pool was closed: recovered into the current one
    recoverable_left_pence: int


def award_paid_pence(award: Award, day: date | None = None) -> int:
    """Paid in the one sense every page uses (``pooling.selectors.paid``): in a run the bank
    has paid, by ``day`` (today). An instalment only taken into a confirmed or sent run is not
    yet money the school has, so it cannot be recovered."""
    total = Instalment.objects.filter(
        paid_q(day or timezone.localdate()), schedule__source_type="award", schedule__source_id=str(award.pk)
    ).aggregate(total=Sum("amount_pence"))["total"]
    return int(total or 0)


def award_recoverable_pence(award: Award) -> int:
    """What can still be recovered: paid, less what was recovered already."""
    return award_paid_pence(award) - recovered_pence(source_type="award", source_id=str(award.pk))


def award_recover(
    *,
    actor: User,
    tenant: ResponsibleBody,
    award_id: int,
    amount_pence: int,
    reason: str,
    received_on: date | None = None,
) -> Recovery:
    """Record ``amount_pence`` recovered from the award's school (see the module)."""
    if not isinstance(amount_pence, int) or isinstance(amount_pence, bool) or amount_pence < 1:
        raise ApplicationError(
            "Enter the amount recovered, at least 1p.", code=CaseError.INVALID_AMOUNT, field="amount_pence"
        )
    if not reason.strip():
        raise ApplicationError("Say why the money is recovered.", code=CaseError.REASON_REQUIRED, field="reason")
    day = received_on or timezone.localdate()
    if day > timezone.localdate():
        raise ApplicationError(
            "The money cannot be received in the future.", code=CaseError.FUTURE_DATE, field="received_on"
        )
    with tenant_context(tenant), transaction.atomic():
        access = BodyAccess.load(actor, tenant)
        if not access.can(Action.MOVE_MONEY) or access.needs_mfa_for(Action.MOVE_MONEY):
            raise ApplicationError(
                "Only a finance officer with MFA set up records a recovery.", code=CaseError.NOT_ALLOWED
            )
        award = lock_rows(Award.objects).select_related("case", "pool").filter(pk=award_id).first()
        if award is None:
            raise NotFound("No such award.")
        # The pool the recovery posts into, then the award's paid instalments, locked in the
        # order a bank return (every payment run write) takes them: a return recorded at the
        # same moment waits for this recovery and then sees it (return_below_recovered), or
        # this recovery waits for the return and sees what is still paid. Locked the other way
        # round (instalments, then the pool its posting names), the two deadlocked.
        pool = recovery_pool(paying_pool=award.pool, today=day)
        lock_rows(Pool.objects).filter(pk=pool.pk).first()
        list(
            lock_rows(Instalment.objects)
            .filter(schedule__source_type="award", schedule__source_id=str(award.pk), status=Instalment.Status.PAID)
            .values_list("pk", flat=True)
        )
        recoverable = award_recoverable_pence(award)
        if amount_pence > recoverable:
            raise ConflictError(
                f"This award has paid the school {format_pence(recoverable)} that has not been recovered: "
                "a recovery cannot be more.",
                code=CaseError.OVER_RECOVERY,
                field="amount_pence",
                extra={"recoverable_pence": recoverable},
            )
        by_then = award_paid_pence(award, day) - recovered_pence(source_type="award", source_id=str(award.pk))
        if amount_pence > by_then:
            raise ApplicationError(
                f"By {day:%-d %B %Y} this award had paid the school {format_pence(max(by_then, 0))} that has not "
                "been recovered: money cannot come back before it was paid. Check the day it was received.",
                code=CaseError.RECEIVED_BEFORE_PAID,
                field="received_on",
                extra={"recoverable_by_then_pence": max(by_then, 0)},
            )
        txn = recovery_post(
            actor=actor,
            tenant=tenant,
            pool=pool,
            school_id=award.school_id,
            amount_pence=amount_pence,
            source_type="award",
            source_id=str(award.pk),
            reason=reason,
            received_on=day,
        )
        carried = pool.pk != award.pool_id
        note = f"{format_pence(amount_pence)} recovered from the school: {reason.strip()}"
        if carried:
            note += f" (pool {award.pool.label} is closed: recovered into {pool.label})"
        event = CaseEvent.objects.create(
            responsible_body=tenant,
            case=award.case,
            verb="award_recovered",
            note=note[:2000],
            actor_label=actor.email,
            pool_id=award.pool_id,
        )
        after_case_event(event)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.AWARD_RECOVERED,
            obj=award,
            after={
                "amount_pence": amount_pence,
                "reason": text_fingerprint(reason),
                "received_on": day,
                "award_pool": award.pool.label,
                "posted_to": pool.label,
                "carried_forward": carried,
                "transaction": txn.pk,
            },
        )
    return Recovery(
        award=award,
        transaction=txn,
        amount_pence=amount_pence,
        posted_to=pool,
        carried_forward=carried,
        recoverable_left_pence=recoverable - amount_pence,
    )
