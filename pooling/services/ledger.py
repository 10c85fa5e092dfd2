"""Pools, balanced postings, reversals and the one service that commits award money."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.constraints import violates
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context
from pooling.error_codes import PoolingError
from pooling.models import Account, AccountKind, Leg, Pool, PoolStatus, Transaction, TransactionKind
from pooling.models.ledger import ACCOUNT_LOCK_ORDER
from pooling.periods import grant_year
from pooling.selectors import Headroom, headroom_from_balances, pool_balances


class InsufficientHeadroom(ConflictError):
    """The pool cannot fund this. The caller escalates to governance; nothing is queued."""

    def __init__(self, *, shortfall_pence: int, available_pence: int, requested_pence: int):
        from core.money import format_pence

        super().__init__(
            f"The pool cannot fund this: {format_pence(requested_pence)} requested, "
            f"{format_pence(available_pence)} available, a shortfall of {format_pence(shortfall_pence)}.",
            code=PoolingError.INSUFFICIENT_HEADROOM,
            extra={
                "shortfall_pence": shortfall_pence,
                "available_pence": available_pence,
                "requested_pence": requested_pence,
            },
        )
        self.shortfall_pence = shortfall_pence


@dataclass(frozen=True)
class LegSpec:
    account: AccountKind | str
    amount_pence: int
    school_id: int | None = None
    pool: Pool | None = None  # another pool of the same body (carry-forward only)
    payee_id: int | None = None  # paid to a payee other than a school (then no school_id)


# Reversal is the correction for money coming in; award money and payments have their own
# services (commitment_post and the payment run), whose checks a reversal would bypass.
REVERSIBLE_KINDS = frozenset(
    {
        TransactionKind.CONTRIBUTION_EXPECTED,
        TransactionKind.RECEIPT,
        TransactionKind.RESERVE_SET_ASIDE,
        TransactionKind.RECOVERY,
    }
)


def pool_open(*, actor: User | None, tenant: ResponsibleBody, label: str) -> Pool:
    """The body's pool for a funding period, with its chart of accounts (idempotent)."""
    return pool_open_or_get(actor=actor, tenant=tenant, label=label)[0]


def pool_open_or_get(*, actor: User | None, tenant: ResponsibleBody, label: str) -> tuple[Pool, bool]:
    """``pool_open``, also saying whether this call opened the pool (False: it was open)."""
    try:
        period = grant_year(label)
    except ValueError as exc:
        raise ApplicationError(str(exc), code=PoolingError.INVALID_PERIOD, field="label") from exc
    with tenant_context(tenant), transaction.atomic():
        pool, created = Pool.objects.get_or_create(
            responsible_body=tenant,
            label=period.label,
            defaults={"starts_on": period.starts_on, "ends_on": period.ends_on},
        )
        existing = set(Account.objects.filter(pool=pool).values_list("kind", flat=True))
        Account.objects.bulk_create(
            [
                Account(responsible_body=tenant, pool=pool, kind=kind)
                for kind in ACCOUNT_LOCK_ORDER
                if kind not in existing
            ]
        )
        if created:
            audit_record(actor=actor, tenant=tenant, verb=AuditVerb.POOL_OPENED, obj=pool, label=f"Pool {pool.label}")
    return pool, created


def _accounts(pool: Pool, kinds: set[str], *, lock: bool) -> dict[str, Account]:
    qs = Account.objects.filter(pool=pool, kind__in=kinds).order_by("pk")
    if lock:
        # Every posting locks the accounts it touches in one fixed order (ascending id; a
        # pool's accounts are created in chart order), so concurrent postings never deadlock.
        qs = lock_rows(qs)
    return {a.kind: a for a in qs}


def post(
    *,
    actor: User | None,
    tenant: ResponsibleBody,
    pool: Pool,
    kind: str,
    posted_on: date,
    description: str,
    idempotency_key: str,
    source_type: str,
    source_id: str,
    legs: Sequence[LegSpec],
    reverses: Transaction | None = None,
) -> tuple[Transaction, bool]:
    """Post one balanced transaction. Returns ``(transaction, created)``: with a key that
    was already used, the earlier transaction and ``False``, and nothing is posted.

    The database checks balance at commit, immutability, one body and an open pool; this
    checks first so callers get a clear error."""
    _check_legs(legs)
    with tenant_context(tenant), transaction.atomic():
        existing = Transaction.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
        pools = {pool.pk: pool} | {leg.pool.pk: leg.pool for leg in legs if leg.pool is not None}
        _check_open(pools.values())
        wanted = {((leg.pool or pool).pk, str(leg.account)) for leg in legs}
        # Lock every account the posting touches, across pools, in one ascending-id query.
        locked = lock_rows(Account.objects).filter(pool_id__in=list(pools)).order_by("pk")
        accounts = {(a.pool_id, a.kind): a for a in locked if (a.pool_id, a.kind) in wanted}
        return _write(
            tenant=tenant,
            pool=pool,
            accounts=accounts,
            actor=actor,
            kind=kind,
            posted_on=posted_on,
            description=description,
            idempotency_key=idempotency_key,
            source_type=source_type,
            source_id=source_id,
            legs=legs,
            reverses=reverses,
        )


def _check_legs(legs: Sequence[LegSpec]) -> None:
    if sum(leg.amount_pence for leg in legs) != 0:
        raise ApplicationError("A posting must balance: its legs must sum to zero.", code=PoolingError.UNBALANCED)
    if len(legs) < 2 or any(leg.amount_pence == 0 for leg in legs):
        raise ApplicationError("A posting needs at least two legs, none of them zero.", code=PoolingError.BAD_LEGS)


def _check_open(pools: Iterable[Pool]) -> None:
    for p in pools:
        if p.status != PoolStatus.OPEN:
            raise ConflictError(f"Pool {p.label} is closed: no further postings.", code=PoolingError.POOL_CLOSED)


def _write(
    *,
    tenant: ResponsibleBody,
    pool: Pool,
    accounts: dict[tuple[int, str], Account],
    actor: User | None,
    kind: str,
    posted_on: date,
    description: str,
    idempotency_key: str,
    source_type: str,
    source_id: str,
    legs: Sequence[LegSpec],
    reverses: Transaction | None = None,
) -> tuple[Transaction, bool]:
    """Write a checked posting whose accounts (``(pool id, kind)``) the caller has locked."""
    txn = Transaction(
        responsible_body=tenant,
        pool=pool,
        kind=kind,
        posted_on=posted_on,
        description=description[:300],
        idempotency_key=idempotency_key,
        source_type=source_type,
        source_id=str(source_id),
        reverses=reverses,
        actor_label=actor.email if actor is not None else "system",
    )
    try:
        with transaction.atomic():
            txn.save()
    except IntegrityError as exc:
        if violates(exc, "txn_idempotency_key_per_body"):
            # A concurrent call with the same key won: it posted, so this posts nothing.
            winner = Transaction.objects.filter(idempotency_key=idempotency_key).first()
            if winner is not None:
                return winner, False
            raise ConflictError("That posting key is already in use.", code=PoolingError.DUPLICATE_POSTING) from exc
        if violates(exc, "pooling_transaction_reverses_id_key"):
            raise ConflictError(
                "That transaction has already been reversed.", code=PoolingError.ALREADY_REVERSED
            ) from exc
        raise
    Leg.objects.bulk_create(
        [
            Leg(
                responsible_body=tenant,
                transaction=txn,
                account=accounts[((leg.pool or pool).pk, str(leg.account))],
                amount_pence=leg.amount_pence,
                school_id=leg.school_id,
                payee_id=leg.payee_id,
            )
            for leg in legs
        ]
    )
    return txn, True


def transaction_reverse(
    *, actor: User, tenant: ResponsibleBody, transaction_id: int, reason: str, posted_on: date | None = None
) -> Transaction:
    """Correct a posting by posting its exact opposite. The original stays as it was."""
    if not reason.strip():
        raise ApplicationError("Say why the posting is reversed.", code=PoolingError.REASON_REQUIRED, field="reason")
    with tenant_context(tenant), transaction.atomic():
        original = Transaction.objects.select_related("pool").filter(pk=transaction_id).first()
        if original is None:
            raise NotFound("No such transaction.")
        if original.kind == TransactionKind.REVERSAL:
            raise ConflictError(
                "A reversal cannot itself be reversed; post a new transaction.", code=PoolingError.REVERSE_REVERSAL
            )
        if original.kind not in REVERSIBLE_KINDS:
            raise ConflictError(
                "Award money is corrected by varying or releasing the award, and payments through the payment run, "
                "so their headroom and schedule checks apply.",
                code=PoolingError.NOT_REVERSIBLE,
            )
        legs = [
            LegSpec(
                account=leg.account.kind,
                amount_pence=-leg.amount_pence,
                school_id=leg.school_id,
                pool=leg.account.pool if leg.account.pool_id != original.pool_id else None,
            )
            for leg in original.legs.select_related("account__pool")
        ]
        txn, created = post(
            actor=actor,
            tenant=tenant,
            pool=original.pool,
            kind=TransactionKind.REVERSAL,
            posted_on=posted_on or timezone.localdate(),
            description=f"Reversal: {reason.strip()}"[:300],
            idempotency_key=f"{tenant.pk}:reversal:{original.pk}",
            source_type="transaction",
            source_id=str(original.pk),
            legs=legs,
            reverses=original,
        )
        if not created:
            raise ConflictError("That transaction has already been reversed.", code=PoolingError.ALREADY_REVERSED)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.LEDGER_REVERSED,
            obj=txn,
            label=f"Reversal of transaction {original.pk}: {reason.strip()}"[:300],
        )
    return txn


def _net_awarded(*, pool: Pool, source_type: str, source_id: str) -> int:
    """What one award has committed, net of its releases (sum of its ``awards`` legs), in
    every pool of the body: a period close carries its unpaid commitment into the next pool
    (by school) and moves its schedule there, so a later release posts in a pool where the
    award itself posted nothing."""
    total = Leg.objects.filter(
        responsible_body_id=pool.responsible_body_id,
        account__kind=AccountKind.AWARDS,
        transaction__source_type=source_type,
        transaction__source_id=str(source_id),
    ).aggregate(total=Sum("amount_pence"))["total"]
    return int(total or 0)


def commitment_post(
    *,
    actor: User | None,
    tenant: ResponsibleBody,
    pool: Pool,
    school_id: int,
    amount_pence: int,
    source_type: str,
    source_id: str,
    idempotency_key: str,
    description: str,
    posted_on: date | None = None,
    may_use_reserve: bool = False,
) -> tuple[Transaction, Headroom]:
    """Commit, vary or release an award's money: the one entry point other apps use.

    A positive ``amount_pence`` commits (or varies up), a negative one releases (or varies
    down). The pool's accounts are locked in a fixed order and headroom is re-checked
    inside the lock: an increase beyond what is available raises ``InsufficientHeadroom``
    with the shortfall. Only officers allowed to (``may_use_reserve``) draw on the urgent
    reserve. Returns the transaction and the headroom after it."""
    if amount_pence == 0:
        raise ApplicationError("Enter an amount other than zero.", code=PoolingError.ZERO_AMOUNT, field="amount_pence")
    kind = TransactionKind.COMMITMENT if amount_pence > 0 else TransactionKind.RELEASE
    with tenant_context(tenant), transaction.atomic():
        existing = Transaction.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, headroom_from_balances(pool_balances(tenant=tenant, pool=pool))
        accounts = _accounts(pool, set(ACCOUNT_LOCK_ORDER), lock=True)
        # A retry that waited for the lock finds the first call's posting here.
        existing = Transaction.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, headroom_from_balances(pool_balances(tenant=tenant, pool=pool))
        pool.refresh_from_db(fields=["status"])
        balances = pool_balances(tenant=tenant, pool=pool)
        before = headroom_from_balances(balances)
        legs = [
            LegSpec(AccountKind.AWARDS, amount_pence, school_id),
            LegSpec(AccountKind.COMMITMENTS, -amount_pence, school_id),
        ]
        available = before.available_on_expected_pence
        if amount_pence > 0 and amount_pence > available:
            # What the reserve must cover, counting any shortfall the pool already has.
            from_reserve = amount_pence - available
            if not may_use_reserve or from_reserve > before.reserve_pence:
                can_fund = available + (before.reserve_pence if may_use_reserve else 0)
                raise InsufficientHeadroom(
                    shortfall_pence=amount_pence - max(can_fund, 0),
                    available_pence=max(can_fund, 0),
                    requested_pence=amount_pence,
                )
            legs += [
                LegSpec(AccountKind.RESERVE, from_reserve),
                LegSpec(AccountKind.CONTRIBUTIONS, -from_reserve),
            ]
        if amount_pence < 0:
            granted = _net_awarded(pool=pool, source_type=source_type, source_id=source_id)
            if -amount_pence > min(granted, before.committed_outstanding_pence):
                raise ConflictError(
                    "Cannot release more than this award has committed and unpaid.", code=PoolingError.OVER_RELEASE
                )
        # The checks and writes of ``post``, without its second idempotency check and lock:
        # this holds every account of the pool already (and every posting locks all the
        # accounts of its pools), so no other posting can change a balance until this
        # commits, and the balances after are those before plus these legs. Two round trips
        # fewer while the pool is locked (issue 22, B3).
        _check_legs(legs)
        _check_open([pool])
        txn, created = _write(
            tenant=tenant,
            pool=pool,
            accounts={(pool.pk, kind_): account for kind_, account in accounts.items()},
            actor=actor,
            kind=kind,
            posted_on=posted_on or timezone.localdate(),
            description=description,
            idempotency_key=idempotency_key,
            source_type=source_type,
            source_id=source_id,
            legs=legs,
        )
        if not created:  # a call with the same key for another of the body's pools won the race
            return txn, headroom_from_balances(pool_balances(tenant=tenant, pool=pool))
        for leg in legs:
            balances[str(leg.account)] += leg.amount_pence
        after = headroom_from_balances(balances)
    return txn, after
