"""A payment the bank did not make: one line of a paid run returned (a wrong or closed
account), or a whole run sent to the bank that failed. One service per case, each locking
the pool then the run (the order every run write takes), checking, writing and auditing
through ``payment_run_steps``, as the steps to paid do:

- ``payment_run_line_return``: a *paid* run's line comes back. Its payment and payable are
  reversed in the ledger (a ``payment_returned`` posting, the reversal of the run's: payments made back, the commitment
  outstanding again at the school it was committed to), the line is marked returned with
  the date and reason, and its instalments are due again (in no run), so
  ``pooling.selectors.paid`` no longer counts them and a later run pays them.
- ``payment_run_fail``: a run *sent to the bank* failed whole (sent → failed, a step of
  ``PAYMENT_RUN_TRANSITIONS``): every line returned as above, the payable reversed.

Returning a line twice, or a line of a run not yet paid (or failing a run not sent), is
refused. So is a return after which a source it pays (an award) would have recovered from
the school more than it has paid it (``return_below_recovered``): the recovery is reversed
first. Corrections are reversals: no posting is edited."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.money import format_pence
from core.tenancy import tenant_context
from pooling.error_codes import PoolingError
from pooling.models import (
    AccountKind,
    Instalment,
    PaymentRun,
    PaymentRunLine,
    PoolStatus,
    TransactionKind,
)
from pooling.selectors.paid import paid_q
from pooling.selectors.payments import line_recipient, recipient_of
from pooling.selectors.recoveries import recovered_by_source, recoveries_standing
from pooling.services.ledger import LegSpec
from pooling.services.payment_run_steps import (
    payment_run_lock,
    payment_run_move,
    payment_run_post,
    payment_run_posting,
    payment_run_refused,
)
from pooling.services.payments import recipient_leg
from pooling.services.schedules import schedule_stop

REASON_LIMIT = 300


def _clean(*, reason: str, on: date, field: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "Say why the bank returned the payment, as its notice says (for example, account closed).",
            code=PoolingError.REASON_REQUIRED,
            field="reason",
        )
    if len(reason) > REASON_LIMIT:
        raise ApplicationError(
            f"The reason must be {REASON_LIMIT} characters or fewer.", code=PoolingError.REASON_TOO_LONG, field="reason"
        )
    if on > timezone.localdate():
        raise ApplicationError(
            "The date cannot be in the future: record it once the bank tells you.",
            code=PoolingError.RETURNED_ON_IN_FUTURE,
            field=field,
        )
    return reason


def _check_actor(actor: User, tenant: ResponsibleBody) -> None:
    access = BodyAccess.load(actor, tenant)
    if not access.can(Action.MOVE_MONEY) or access.needs_mfa_for(Action.MOVE_MONEY):
        raise ApplicationError("Only a finance officer may record a returned payment.", code=PoolingError.NOT_ALLOWED)


def _check_pool_open(run: PaymentRun, on: date) -> None:
    """A return is posted to the run's pool: once that pool is closed (bank returns often
    arrive after 31 March), it is refused with what to do, rather than a bare "closed"."""
    if run.pool.status != PoolStatus.OPEN:
        raise ConflictError(
            f"Pool {run.pool.label} is closed, so the payment from run {run.pk} that the bank returned on "
            f"{on:%-d %B %Y} cannot be recorded against it yet. Ask a body administrator to reopen pool "
            f"{run.pool.label}, record the return, then close the pool again: the close carries the instalments "
            "due again to the next pool.",
            code=PoolingError.RETURN_POOL_CLOSED,
        )


def _line_instalments(run: PaymentRun, line: PaymentRunLine) -> list[Instalment]:
    """The instalments the line paid: the run's, whose schedule pays the line's school or
    payee; they must add up to the line."""
    recipient = line_recipient(line)
    instalments = [
        i
        for i in lock_rows(Instalment.objects.filter(payment_run=run, status=Instalment.Status.PAID))
        .select_related("schedule")
        .order_by("pk")
        if recipient_of(i.schedule) == recipient
    ]
    if sum(i.amount_pence for i in instalments) != line.amount_pence:
        raise ConflictError(
            f"The instalments of payment run {run.pk} no longer add up to {line.paid_to_name}'s line: "
            "ask an administrator to check the run.",
            code=PoolingError.RETURN_INSTALMENTS_MISMATCH,
        )
    return instalments


def _check_recoveries(lines: list[tuple[PaymentRunLine, list[Instalment]]]) -> None:
    """Refuse a return after which a source it pays would have recovered more than it has
    paid (its "can still be recovered" negative, and the next run paying the school again
    money it has already given back): the officer reverses the recovery first."""
    ids = [i.pk for _line, instalments in lines for i in instalments]
    today = timezone.localdate()
    returned: dict[tuple[str, str], int] = defaultdict(int)
    for i in Instalment.objects.filter(paid_q(today), pk__in=ids).select_related("schedule"):
        returned[(i.schedule.source_type, i.schedule.source_id)] += i.amount_pence
    for source_type in sorted({t for t, _ in returned}):
        source_ids = sorted(sid for t, sid in returned if t == source_type)
        recovered = recovered_by_source(source_type=source_type, source_ids=source_ids)
        for source_id in (sid for sid in source_ids if recovered.get(sid, 0) > 0):
            paid = (
                Instalment.objects.filter(
                    paid_q(today), schedule__source_type=source_type, schedule__source_id=source_id
                ).aggregate(total=Sum("amount_pence"))["total"]
                or 0
            )
            after = int(paid) - returned[(source_type, source_id)]
            if recovered[source_id] > after:
                _refuse_below_recovered(source_type, source_id, recovered=recovered[source_id], paid_after=after)


def _refuse_below_recovered(source_type: str, source_id: str, *, recovered: int, paid_after: int) -> None:
    standing = recoveries_standing(source_type=source_type, source_id=source_id)
    named = "; ".join(
        f"transaction {t.pk}, {format_pence(-sum(leg.amount_pence for leg in t.legs.all() if leg.amount_pence < 0))} "
        f"posted on {t.posted_on:%-d %B %Y}"
        for t in standing
    )
    raise ConflictError(
        f"The school has paid back {format_pence(recovered)} of {source_type} {source_id} (recovery: {named}), "
        f"but after this return the {source_type} will have paid it only {format_pence(paid_after)}: the next "
        "payment run would pay the school again money it has already given back. A recovery cannot be reduced, "
        "only reversed whole: reverse the recovery in the pool's ledger first (the transaction's page, Reverse), "
        "record this return, then record again as a recovery what the school still owes back, if anything.",
        code=PoolingError.RETURN_BELOW_RECOVERED,
        extra={
            "source": f"{source_type} {source_id}",
            "recovered_pence": recovered,
            "paid_after_return_pence": paid_after,
            "recoveries": [t.pk for t in standing],
        },
    )


def _return_legs(lines: list[tuple[PaymentRunLine, list[Instalment]]], *, paid: bool) -> list[LegSpec]:
    """The reversal of the lines' payable (commitments outstanding again at the schools the
    instalments were committed to, nothing payable) and, if the payment was posted, of the
    payment (payments made back): netted per account and party."""
    net: dict[tuple[str, str, int], int] = defaultdict(int)
    for line, instalments in lines:
        kind, ident = line_recipient(line)
        if paid:
            net[(AccountKind.PAYMENTS_MADE, kind, ident)] += line.amount_pence
        else:
            net[(AccountKind.PAYABLE_TO_SCHOOLS, kind, ident)] += line.amount_pence
        for instalment in instalments:
            net[(AccountKind.COMMITMENTS, "school", instalment.schedule.school_id)] -= instalment.amount_pence
    return [
        recipient_leg(AccountKind(account), amount, (kind, ident))
        for (account, kind, ident), amount in sorted(net.items())
        if amount
    ]


def _mark_returned(
    *, actor: User, lines: list[tuple[PaymentRunLine, list[Instalment]]], on: date, reason: str
) -> list[int]:
    instalment_ids = []
    for line, instalments in lines:
        line.returned_on, line.return_reason, line.returned_by_label = on, reason, actor.email
        line.returned_instalment_ids = [i.pk for i in instalments]
        line.save(update_fields=["returned_on", "return_reason", "returned_by_label", "returned_instalment_ids"])
        instalment_ids += [i.pk for i in instalments]
    Instalment.objects.filter(pk__in=instalment_ids).update(status=Instalment.Status.SCHEDULED, payment_run=None)
    return instalment_ids


def _release_past_the_end(
    *, actor: User, tenant: ResponsibleBody, lines: list[tuple[PaymentRunLine, list[Instalment]]]
) -> list[int]:
    """Returned instalments due after the day their award (or resource) stopped are not owed:
    the run had paid them in advance. They are released, as the stop released the unpaid ones
    (``schedule_stop``, the one place that stops a schedule), instead of being paid again.
    Returns the ids released."""
    returned = [i for _, instalments in lines for i in instalments]
    stopped = {i.schedule_id: i.schedule for i in returned if i.schedule.stopped_on is not None}
    released: list[int] = []
    for schedule in stopped.values():
        assert schedule.stopped_on is not None  # filtered above
        past = [i.pk for i in returned if i.schedule_id == schedule.pk and i.due_on > schedule.stopped_on]
        if past:
            schedule_stop(
                actor=actor,
                tenant=tenant,
                source_type=schedule.source_type,
                source_id=schedule.source_id,
                stop_on=schedule.stopped_on,
            )
            released += past
    return released


def payment_run_line_return(
    *, actor: User, tenant: ResponsibleBody, payment_run_id: int, line_id: int, returned_on: date, reason: str
) -> PaymentRunLine:
    """One line of a paid run returned by the bank on ``returned_on``: reverse its payment,
    put its instalments back to due, audit. Refused for a run not paid, a line already
    returned, or a date before the run was paid."""
    reason = _clean(reason=reason, on=returned_on, field="returned_on")
    with tenant_context(tenant), transaction.atomic():
        _check_actor(actor, tenant)
        run = payment_run_lock(payment_run_id=payment_run_id)
        line = (
            lock_rows(PaymentRunLine.objects)
            .select_related("school", "payee")
            .filter(pk=line_id, payment_run_id=run.pk)
            .first()
        )
        if line is None:
            raise NotFound("No such line in this payment run.")
        _check_pool_open(run, returned_on)
        if run.status != PaymentRun.Status.PAID:
            raise payment_run_refused(
                run,
                "only a paid run's payment can be returned (a run sent to the bank and not paid is recorded as failed)",
            )
        if line.returned_on is not None:
            raise ConflictError(
                f"The payment to {line.paid_to_name} in run {run.pk} was already recorded as returned on "
                f"{line.returned_on:%-d %B %Y}.",
                code=PoolingError.ALREADY_RETURNED,
            )
        assert run.paid_on is not None
        if returned_on < run.paid_on:
            raise ApplicationError(
                f"The date returned must be on or after {run.paid_on:%-d %B %Y}, when the run was paid.",
                code=PoolingError.RETURNED_ON_BEFORE_SENT,
                field="returned_on",
            )
        returning = [(line, _line_instalments(run, line))]
        _check_recoveries(returning)
        txn = payment_run_post(
            actor=actor,
            tenant=tenant,
            run=run,
            step=f"line:{line.pk}:returned",
            kind=TransactionKind.PAYMENT_RETURNED,
            posted_on=returned_on,
            description=f"Payment run {run.pk}: payment to {line.paid_to_name} returned by the bank: {reason}",
            legs=_return_legs(returning, paid=True),
        )
        instalment_ids = _mark_returned(actor=actor, lines=returning, on=returned_on, reason=reason)
        released = _release_past_the_end(actor=actor, tenant=tenant, lines=returning)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PAYMENT_RUN_LINE_RETURNED,
            obj=line,
            label=f"Payment run {run.pk}: {format_pence(line.amount_pence)} to {line.paid_to_name} returned by the "
            f"bank on {returned_on:%-d %B %Y}: {reason}"[:300],
            before={"returned_on": None},
            after={
                "returned_on": returned_on,
                "reason": reason,
                "reversal": txn.pk,
                "instalments_due_again": [i for i in instalment_ids if i not in released],
                "instalments_released": released,
            },
        )
    return line


def payment_run_fail(
    *, actor: User, tenant: ResponsibleBody, payment_run_id: int, failed_on: date, reason: str
) -> PaymentRun:
    """Sent to the bank → failed: the bank did not pay the run. Every line is returned, the
    payable reversed (and a payment already posted for a run confirmed before runs were
    sent, too), every instalment due again; audited."""
    reason = _clean(reason=reason, on=failed_on, field="failed_on")
    with tenant_context(tenant), transaction.atomic():
        _check_actor(actor, tenant)
        run = payment_run_lock(
            payment_run_id=payment_run_id,
            to=PaymentRun.Status.FAILED,
            refusal="only a run sent to the bank and not yet paid can be recorded as failed (a paid run's payments "
            "are returned line by line)",
        )
        _check_pool_open(run, failed_on)
        sent_on = timezone.localdate(run.sent_at) if run.sent_at else failed_on
        if failed_on < sent_on:
            raise ApplicationError(
                f"The date must be on or after {sent_on:%-d %B %Y}, when the run was sent to the bank.",
                code=PoolingError.RETURNED_ON_BEFORE_SENT,
                field="failed_on",
            )
        lines = list(lock_rows(run.lines.select_related("school", "payee")).order_by("pk"))
        returning = [(line, _line_instalments(run, line)) for line in lines if line.amount_pence]
        _check_recoveries(returning)
        paid = payment_run_posting(tenant=tenant, run=run, step="payment") is not None
        legs = _return_legs(returning, paid=paid)
        if legs:
            payment_run_post(
                actor=actor,
                tenant=tenant,
                run=run,
                step="failed",
                kind=TransactionKind.PAYMENT_RETURNED,
                posted_on=failed_on,
                description=f"Payment run {run.pk} failed at the bank: {reason}",
                legs=legs,
            )
        instalment_ids = _mark_returned(actor=actor, lines=returning, on=failed_on, reason=reason)
        released = _release_past_the_end(actor=actor, tenant=tenant, lines=returning)
        payment_run_move(
            actor=actor,
            tenant=tenant,
            run=run,
            to=PaymentRun.Status.FAILED,
            changes={"failed_on": failed_on, "failure_reason": reason, "failed_by_label": actor.email},
            verb=AuditVerb.PAYMENT_RUN_FAILED,
            label=f"Payment run {run.pk} ({run.pool.label}) failed at the bank on {failed_on:%-d %B %Y}: "
            f"{format_pence(run.total_pence)} not paid: {reason}"[:300],
            after={
                "failed_on": failed_on,
                "reason": reason,
                "instalments_due_again": [i for i in instalment_ids if i not in released],
                "instalments_released": released,
            },
        )
    return run
