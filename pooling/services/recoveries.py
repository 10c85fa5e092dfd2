"""Recoveries: money a school returns or owes back from what it was paid.

A recovery is one balanced posting, Dr ``pool_bank`` / Cr ``recoveries`` (kind
``recovery``), with the school on both legs: the pool's cash and its headroom both rise by
the amount. It posts into the pool given, which the caller chooses: the paying pool while
it is open, otherwise the first open pool after it that has not ended by the day received
(``recovery_pool``: the money is then carried forward into it, and the caller says so),
dated the day the money was received or, if that is before the pool's period, the pool's
first day."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from accounts.models import ResponsibleBody, User
from core.errors import ApplicationError, ConflictError
from pooling.error_codes import PoolingError
from pooling.models import AccountKind, Pool, PoolStatus, Transaction, TransactionKind
from pooling.services.ledger import LegSpec, post


def recovery_pool(*, paying_pool: Pool, today: date | None = None) -> Pool:
    """Where a recovery posts: the paying pool while it is open, else the first open pool
    after it whose period has not ended by ``today`` (the day received): the one holding
    that day or the next to start (if every one has ended, the latest). Money is carried
    forward as the year-end close carries it, into the period that follows: never into a
    later period opened early, nor back into an earlier one."""
    if paying_pool.status == PoolStatus.OPEN:
        return paying_pool
    day = today or timezone.localdate()
    after = Pool.objects.filter(
        responsible_body_id=paying_pool.responsible_body_id,
        status=PoolStatus.OPEN,
        starts_on__gt=paying_pool.ends_on,
    )
    current = after.filter(ends_on__gte=day).order_by("starts_on").first()
    current = current or after.order_by("-starts_on").first()  # every open one ended by then: the latest
    if current is None:
        raise ConflictError(
            f"Pool {paying_pool.label} is closed and no funding period is open: open this year's pool first.",
            code=PoolingError.NO_OPEN_POOL,
        )
    return current


def recovery_post(
    *,
    actor: User,
    tenant: ResponsibleBody,
    pool: Pool,
    school_id: int,
    amount_pence: int,
    source_type: str,
    source_id: str,
    reason: str,
    received_on: date,
) -> Transaction:
    """Post one recovery (see the module). The caller holds the source's row lock, so the
    key (the source's recoveries so far) is stable and a retried call posts nothing twice."""
    if not isinstance(amount_pence, int) or isinstance(amount_pence, bool) or amount_pence < 1:
        raise ApplicationError(
            "Enter an amount of at least 1p.", code=PoolingError.INVALID_AMOUNT, field="amount_pence"
        )
    n = Transaction.objects.filter(kind=TransactionKind.RECOVERY, source_type=source_type, source_id=source_id).count()
    # Money received in a period already closed is recognised in the pool it is recovered
    # into, on that pool's first day: nothing is posted into a closed period's dates.
    posted_on = max(received_on, pool.starts_on)
    received = f" (received on {received_on:%-d %B %Y})" if posted_on != received_on else ""
    txn, _ = post(
        actor=actor,
        tenant=tenant,
        pool=pool,
        kind=TransactionKind.RECOVERY,
        posted_on=posted_on,
        description=f"Recovered from school for {source_type} {source_id}{received}: {reason.strip()}"[:300],
        idempotency_key=f"{tenant.pk}:recovery:{source_type}:{source_id}:{n}",
        source_type=source_type,
        source_id=str(source_id),
        legs=[
            LegSpec(AccountKind.POOL_BANK, amount_pence, school_id),
            LegSpec(AccountKind.RECOVERIES, -amount_pence, school_id),
        ],
    )
    return txn
