"""What the ledger holds for a pool's contributions: expected (the legs on the pool's
contributions receivable account of the postings a contribution caused, and of reversals
of them) and received (the legs on the pool's bank account of the postings its receipts
caused, and of reversals of them). Nothing is stored a second time: every figure is a sum
of legs, read when it is asked for.

How PostgreSQL reaches them matters here more than anywhere (issue 22). Under row-level
security the planner estimates about one row of the tenant's in every table, so it joins by
nested loops in whichever order looks cheapest. Two earlier shapes of this sum, right to the
penny, ran for 14 seconds to minutes a request on the national data set: a loop over one set
of thousands of rows (a CTE's, which has no index) for each row of another; and receipts
looked up by a key cast from the ledger's text ``source_id``, which the policy keeps from
being an index condition (the cast is not leakproof). So ``contributions_posted`` reaches
every table by an index from the row before it, and pins the order where a materialised
step meets a table (``LATERAL ... OFFSET 0``): the pool's accounts by their unique key, the
bank's legs by the (body, account) index, each leg's transaction and the transaction a
reversal reverses by primary key, each receipt by its primary key from a number cast in the
step before, the pool's contribution postings by the (body, source) index and their legs by
transaction. A lookup by key carries no tenant condition of its own (row-level security
still applies): beside the key, a (body, ...) index looked as cheap to the planner and it
walked the body's rows once per row (``tests/pooling/test_contribution_ledger_plans.py``
checks the plans with the statistics as they stand and with statistics that count every
table as empty)."""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Case, Count, F, Q, Sum, When

from accounts.models import ResponsibleBody
from core.tenancy import current_tenant_id, tenant_context
from groupings.models import Arrangement
from pooling.models import Account, AccountKind, Contribution, Leg, Pool, Receipt, Transaction
from pooling.selectors import arrears


def within(tenant: ResponsibleBody) -> AbstractContextManager[None]:
    """The tenant's context, unless the caller (a page, a service) is already in it: each
    new context costs a savepoint and two settings, which a list's query budget counts."""
    return nullcontext() if current_tenant_id() == tenant.pk else tenant_context(tenant)


@dataclass(frozen=True)
class Posted:
    """One contribution of a pool as the ledger holds it."""

    school_id: int
    due_on: date
    expected_pence: int
    received_pence: int

    @property
    def outstanding_pence(self) -> int:
        return self.expected_pence - self.received_pence


_TABLES = {
    "account": Account._meta.db_table,
    "leg": Leg._meta.db_table,
    "txn": Transaction._meta.db_table,
    "receipt": Receipt._meta.db_table,
    "contribution": Contribution._meta.db_table,
    "arrangement": Arrangement._meta.db_table,
}

# One round trip, three kinds of row: each contribution of the pool (with the day its
# school joined), what each was expected as posted, and what each received as posted.
_POSTED_SQL = """
WITH receipt_posted AS MATERIALIZED (
    SELECT CASE WHEN coalesce(o.source_id, t.source_id) ~ '^[0-9]{{1,18}}$'
                THEN coalesce(o.source_id, t.source_id)::bigint END AS receipt_id,
           sum(l.amount_pence) AS pence
      FROM {leg} l
     CROSS JOIN LATERAL (SELECT t.source_type, t.source_id, t.reverses_id FROM {txn} t
                          WHERE t.id = l.transaction_id OFFSET 0) t
      LEFT JOIN LATERAL (SELECT o.source_type, o.source_id FROM {txn} o
                          WHERE t.reverses_id IS NOT NULL AND o.id = t.reverses_id OFFSET 0) o ON true
     WHERE l.responsible_body_id = %(body)s
       AND l.account_id = (SELECT a.id FROM {account} a
                            WHERE a.responsible_body_id = %(body)s AND a.pool_id = %(pool)s AND a.kind = %(bank)s)
       AND coalesce(o.source_type, t.source_type) = 'receipt'
     GROUP BY 1
), expected_posted AS MATERIALIZED (
    SELECT CASE WHEN coalesce(o.source_id, t.source_id) ~ '^[0-9]{{1,18}}$'
                THEN coalesce(o.source_id, t.source_id)::bigint END AS contribution_id,
           coalesce(sum(l.pence), 0) AS pence
      FROM {txn} t
      LEFT JOIN LATERAL (SELECT o.source_type, o.source_id FROM {txn} o
                          WHERE t.reverses_id IS NOT NULL AND o.id = t.reverses_id OFFSET 0) o ON true
     CROSS JOIN LATERAL (SELECT sum(l.amount_pence) FILTER (WHERE l.account_id = (
                                    SELECT a.id FROM {account} a
                                     WHERE a.responsible_body_id = %(body)s AND a.pool_id = %(pool)s
                                       AND a.kind = %(receivable)s)) AS pence
                           FROM {leg} l WHERE l.transaction_id = t.id) l
     WHERE t.responsible_body_id = %(body)s AND t.pool_id = %(pool)s
       AND t.source_type IN ('contribution', 'transaction')
       AND coalesce(o.source_type, t.source_type) = 'contribution'
     GROUP BY 1
)
SELECT 'c', c.id, c.school_id, ar.start_date, NULL
  FROM {contribution} c
 CROSS JOIN LATERAL (SELECT ar.start_date FROM {arrangement} ar WHERE ar.id = c.arrangement_id OFFSET 0) ar
 WHERE c.responsible_body_id = %(body)s AND c.pool_id = %(pool)s
UNION ALL
SELECT 'e', e.contribution_id, NULL, NULL, e.pence FROM expected_posted e
UNION ALL
SELECT 'r', r.contribution_id, NULL, NULL, sum(p.pence)
  FROM receipt_posted p
 CROSS JOIN LATERAL (SELECT r.contribution_id FROM {receipt} r WHERE r.id = p.receipt_id OFFSET 0) r
 GROUP BY r.contribution_id
""".format(**_TABLES)


def contributions_posted(*, tenant: ResponsibleBody, pool: Pool) -> dict[int, Posted]:
    """Every contribution of ``pool`` as the ledger holds it (expected, received) with its
    school and due date, by contribution id: one query whatever the number of schools,
    which reads the pool's bank legs and its contribution postings once each."""
    params: dict[str, int | str] = {
        "body": tenant.pk,
        "pool": pool.pk,
        "bank": str(AccountKind.POOL_BANK),
        "receivable": str(AccountKind.CONTRIBUTIONS_RECEIVABLE),
    }
    with within(tenant), connection.cursor() as cursor:
        cursor.execute(_POSTED_SQL, params)
        rows = cursor.fetchall()
    joined: dict[int, tuple[int, date]] = {}
    expected: dict[int, int] = {}
    received: dict[int, int] = {}
    for kind, pk, school_id, start_date, pence in rows:
        if kind == "c":
            joined[pk] = (school_id, start_date)
        elif kind == "e":
            expected[pk] = int(pence)
        else:
            received[pk] = int(pence)
    return {
        pk: Posted(
            school_id=school_id,
            due_on=arrears.due_on(period_starts_on=pool.starts_on, joined_on=start_date),
            expected_pence=expected.get(pk, 0),
            received_pence=received.get(pk, 0),
        )
        for pk, (school_id, start_date) in joined.items()
    }


def _caused_by(pool: Pool, source_type: str) -> Q:
    """Legs of transactions that ``source_type`` rows (contributions, receipts) caused in
    the pool, or that reverse one of those."""
    caused = Transaction.objects.filter(pool=pool, source_type=source_type).values("pk")
    # A reversal's own source is the transaction it reverses (``transaction_reverse``).
    reversing = Transaction.objects.filter(source_type="transaction", reverses__in=caused).values("pk")
    return Q(transaction__in=caused) | Q(transaction__in=reversing)


def contribution_totals_by_school(*, tenant: ResponsibleBody, pool: Pool) -> dict[int, tuple[int, int]]:
    """Expected and received as posted, for each school (its contributions and receipts
    post legs naming it, so a school that left and rejoined has its contributions added
    up): the sums ``contributions_posted`` makes, grouped by school, in one query whatever
    the number of schools. It needs no receipt's contribution, so the postings' transactions
    are sets hashed once (``IN``) instead of rows looked up one by one: half the work of
    ``contributions_posted`` on the largest pool, for the pool dashboard."""
    with within(tenant):  # the subqueries are built by the tenant's managers: inside its context
        sums = {
            "expected": Sum(
                "amount_pence",
                filter=Q(account__kind=AccountKind.CONTRIBUTIONS_RECEIVABLE) & _caused_by(pool, "contribution"),
            ),
            "received": Sum(
                "amount_pence", filter=Q(account__kind=AccountKind.POOL_BANK) & _caused_by(pool, "receipt")
            ),
        }
        rows = (
            Leg.objects.for_tenant(tenant)
            .filter(account__pool=pool, account__kind__in=[AccountKind.CONTRIBUTIONS_RECEIVABLE, AccountKind.POOL_BANK])
            .filter(school__isnull=False)
            .order_by()
            .values("school_id")
            .annotate(expected=sums["expected"], received=sums["received"])
        )
        return {row["school_id"]: (int(row["expected"] or 0), int(row["received"] or 0)) for row in rows}


def ledger_by_source(
    *,
    tenant: ResponsibleBody,
    pool: Pool,
    account_kind: str,
    source_type: str,
    source_ids: Collection[int | str] | None = None,
) -> dict[str, tuple[int, int]]:
    """For each source id: the sum of its legs on one of the pool's accounts (debit
    positive) and how many transactions made it, counting reversals of its postings."""
    if source_ids is not None and not source_ids:
        return {}
    source = Case(
        When(transaction__source_type=source_type, then=F("transaction__source_id")),
        default=F("transaction__reverses__source_id"),
    )
    with within(tenant):
        legs = (
            Leg.objects.filter(account__pool=pool, account__kind=account_kind)
            .filter(Q(transaction__source_type=source_type) | Q(transaction__reverses__source_type=source_type))
            .annotate(source=source)
        )
        if source_ids is not None:
            legs = legs.filter(source__in=[str(i) for i in source_ids])
        rows = legs.values("source").annotate(total=Sum("amount_pence"), postings=Count("transaction", distinct=True))
        return {row["source"]: (int(row["total"]), int(row["postings"])) for row in rows}


def contribution_ledger_totals(
    *, tenant: ResponsibleBody, pool: Pool, contribution_ids: Collection[int] | None = None
) -> dict[int, tuple[int, int]]:
    """For each contribution with anything posted: (expected as posted, received as
    posted), in pence. For the whole pool, ``contributions_posted``'s one query; for some
    of its contributions (one, on its own page), four lookups by their ids and their
    receipts' ids, which cost the same however much the pool's ledger holds."""
    if contribution_ids is not None:
        return _posted_for(tenant=tenant, pool=pool, contribution_ids=contribution_ids)
    return {
        pk: (p.expected_pence, p.received_pence)
        for pk, p in contributions_posted(tenant=tenant, pool=pool).items()
        if p.expected_pence or p.received_pence
    }


def _posted_for(
    *, tenant: ResponsibleBody, pool: Pool, contribution_ids: Collection[int]
) -> dict[int, tuple[int, int]]:
    """Expected and received as posted for these contributions: their receipts; the
    transactions the contributions and receipts caused (the body-source index); the
    reversals of those (the unique index on what a reversal reverses); and those
    transactions' legs on the pool's receivable and bank accounts."""
    if not contribution_ids:
        return {}
    with within(tenant):
        receipt_of = {
            str(pk): cid
            for pk, cid in Receipt.objects.filter(contribution__pool=pool, contribution_id__in=contribution_ids)
            .order_by()
            .values_list("pk", "contribution_id")
        }
        caused = Transaction.objects.filter(
            Q(source_type="contribution", source_id__in=[str(i) for i in contribution_ids])
            | Q(source_type="receipt", source_id__in=list(receipt_of))
        )
        caused_rows = caused.order_by().values_list("pk", "source_type", "source_id")
        source_of = {pk: (source_type, source_id) for pk, source_type, source_id in caused_rows}
        reversals = (
            Transaction.objects.filter(reverses_id__in=list(source_of)).order_by().values_list("pk", "reverses_id")
        )
        source_of.update({pk: source_of[original] for pk, original in reversals})
        legs = Leg.objects.filter(
            transaction_id__in=list(source_of),
            account__pool=pool,
            account__kind__in=[AccountKind.CONTRIBUTIONS_RECEIVABLE, AccountKind.POOL_BANK],
        ).values_list("transaction_id", "account__kind", "amount_pence")
        totals = {cid: [0, 0] for cid in contribution_ids}
        for txn, account, amount in legs:
            source_type, source_id = source_of[txn]
            if source_type == "contribution" and account == AccountKind.CONTRIBUTIONS_RECEIVABLE:
                totals[int(source_id)][0] += amount
            elif source_type == "receipt" and account == AccountKind.POOL_BANK:
                totals[receipt_of[source_id]][1] += amount
    return {cid: (expected, received) for cid, (expected, received) in totals.items() if expected or received}
