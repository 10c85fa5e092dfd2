"""Reads for pooling: balances (sums of legs, as at any date) and headroom."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from accounts.models import ResponsibleBody
from core.errors import NotFound
from core.tenancy import tenant_context
from pooling.models import Account, AccountKind, Leg, Pool, Transaction


def pool_list(*, tenant: ResponsibleBody) -> QuerySet[Pool]:
    return Pool.objects.for_tenant(tenant).order_by("-starts_on")


def pool_get(*, tenant: ResponsibleBody, pool_id: int) -> Pool:
    pool = pool_list(tenant=tenant).filter(pk=pool_id).first()
    if pool is None:
        raise NotFound("No such pool.")
    return pool


def pools_balances(*, tenant: ResponsibleBody, pool_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each of ``pool_ids``' accounts' balances (debit positive) today, by pool, in one query
    (the decision queue and decision pages show every open pool's headroom)."""
    balances = {pool_id: {kind.value: 0 for kind in AccountKind} for pool_id in pool_ids}
    if not pool_ids:
        return balances
    with tenant_context(tenant), connection.cursor() as cursor:
        # The hot path (headroom before every decision and on every pool page): one sum per
        # account through the (body, account) index, written by hand so the selector costs
        # what the query costs. A GROUP BY of the pool's legs by account kind sorts them
        # all and takes twice as long on the largest pools (make bench, B2).
        cursor.execute(
            f"""SELECT a.pool_id, a.kind, (SELECT sum(l.amount_pence) FROM {Leg._meta.db_table} l
                                            WHERE l.responsible_body_id = %s AND l.account_id = a.id)
                  FROM {Account._meta.db_table} a
                 WHERE a.responsible_body_id = %s AND a.pool_id = ANY(%s)""",
            [tenant.pk, tenant.pk, list(pool_ids)],
        )
        for pool_id, kind, total in cursor.fetchall():
            balances[pool_id][kind] += int(total or 0)
    return balances


def pool_balances(*, tenant: ResponsibleBody, pool: Pool, as_at: date | None = None) -> dict[str, int]:
    """Each account's balance (debit positive) as the sum of its legs, optionally as at a date."""
    if as_at is None:
        return pools_balances(tenant=tenant, pool_ids=[pool.pk])[pool.pk]
    with tenant_context(tenant):
        balances = {kind.value: 0 for kind in AccountKind}
        # As at a date (the governance pack): each account's legs by the account alone, and
        # each leg's transaction date by its key. Joined instead, or with the tenant's
        # equality beside the account's, statistics that count the ledger as empty (analysed
        # while a test's rows were uncommitted) had the planner walk every transaction, or
        # all the body's legs, once per row (issue 17; tests/assurance/test_governance_plans.py).
        # Row-level security still limits the legs to the tenant's.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT a.kind, (SELECT sum(l.amount_pence) FROM {Leg._meta.db_table} l
                                     WHERE l.account_id = a.id
                                       AND (SELECT t.posted_on FROM {Transaction._meta.db_table} t
                                             WHERE t.id = l.transaction_id) <= %s)
                      FROM {Account._meta.db_table} a
                     WHERE a.responsible_body_id = %s AND a.pool_id = %s""",
                [as_at, tenant.pk, pool.pk],
            )
            for kind, total in cursor.fetchall():
                balances[kind] += int(total or 0)
    return balances


@dataclass(frozen=True)
class Headroom:
    """What a pool holds, owes and can still fund, in pence."""

    expected_pence: int
    received_pence: int
    carried_forward_pence: int
    recoveries_pence: int
    reserve_pence: int
    committed_outstanding_pence: int
    payable_pence: int
    paid_pence: int
    receivable_pence: int
    cash_pence: int
    available_on_received_pence: int
    available_on_expected_pence: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def headroom_from_balances(b: dict[str, int]) -> Headroom:
    expected = -(b["contributions"] + b["reserve"])
    carried = -b["carry_forward"]
    recoveries = -b["recoveries"]
    reserve = -b["reserve"]
    committed = -b["commitments"]
    payable = -b["payable_to_schools"]
    paid = -b["payments_made"]
    awarded = b["awards"]
    cash = b["pool_bank"] + b["payments_made"]
    return Headroom(
        expected_pence=expected,
        received_pence=b["pool_bank"],
        carried_forward_pence=carried,
        recoveries_pence=recoveries,
        reserve_pence=reserve,
        committed_outstanding_pence=committed,
        payable_pence=payable,
        paid_pence=paid,
        receivable_pence=b["contributions_receivable"],
        cash_pence=cash,
        available_on_received_pence=cash - committed - payable - reserve,
        available_on_expected_pence=expected + carried + recoveries - reserve - awarded,
    )


def pool_headroom(*, tenant: ResponsibleBody, pool: Pool, as_at: date | None = None) -> Headroom:
    """The number a decision officer sees when approving: one aggregate query."""
    return headroom_from_balances(pool_balances(tenant=tenant, pool=pool, as_at=as_at))


def pools_headroom(*, tenant: ResponsibleBody, pool_ids: list[int]) -> dict[int, Headroom]:
    """``pool_headroom`` today for each of ``pool_ids``, from one query."""
    return {
        pool_id: headroom_from_balances(balances)
        for pool_id, balances in pools_balances(tenant=tenant, pool_ids=pool_ids).items()
    }


def transaction_list(
    *,
    tenant: ResponsibleBody,
    pool: Pool | None = None,
    account_kind: str = "",
    source_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Transaction]:
    qs = Transaction.objects.for_tenant(tenant)
    if pool is not None:
        qs = qs.filter(pool=pool)
    if account_kind:
        qs = qs.filter(legs__account__kind=account_kind).distinct()
    if source_type:
        qs = qs.filter(source_type=source_type)
    if date_from:
        qs = qs.filter(posted_on__gte=date_from)
    if date_to:
        qs = qs.filter(posted_on__lte=date_to)
    return qs.select_related("pool").prefetch_related("legs__account").order_by("-posted_on", "-id")


def transaction_get(*, tenant: ResponsibleBody, transaction_id: int) -> Transaction:
    txn = transaction_list(tenant=tenant).filter(pk=transaction_id).first()
    if txn is None:
        raise NotFound("No such transaction.")
    return txn
