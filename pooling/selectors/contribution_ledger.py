"""What the ledger holds for a pool's contributions: expected (the legs on the pool's
contributions receivable account of the postings a contribution caused, and of reversals
of them) and received (the legs on the pool's bank account of the postings its receipts
caused, and of reversals of them). Nothing is stored a second time: every figure is a sum
of legs, read when it is asked for.

Every such leg names the contribution's school (``receipt_record``, ``contributions_calculate``
and ``transaction_reverse`` post them so; on the national data set the sums by school and by
posting source agree for all 60,681 contributions). So one pass over the pool's receivable and
bank legs sums them by school, keeping the legs of the pool's contribution and receipt postings
(and their reversals): two sets of transaction ids, each read once and hashed. A school with one
contribution in the pool (nearly all) has that as its contribution's figures; only a school that
left and rejoined within the period has its contributions looked up one by one, by their ids.

How PostgreSQL reaches them matters here more than anywhere (issue 22). Under row-level
security the planner estimates about one row of the tenant's in every table and joins by nested
loops in whichever order looks cheapest. Two earlier shapes of this sum, right to the penny, ran
for 14 seconds to minutes a request on the national data set: a loop over one set of thousands
of rows (a CTE's, which has no index) for each row of another; and receipts looked up by a key
cast from the ledger's text ``source_id``, which the policy keeps from being an index condition
(the cast is not leakproof). A per-posting attribution that reached every row by key was safe
(about 25 ms of PostgreSQL's CPU on ``la-850``) but looked up 4,000 transactions and receipts
one by one; the sets and the school need none of that (about 10 ms). Key lookups here carry no
tenant condition of their own (row-level security still applies): beside the key, a (body, ...)
index looked as cheap to the planner and it walked the body's rows once per row.
``tests/pooling/test_contribution_ledger_plans.py`` checks the plans with the statistics as they
stand and with statistics that count every table as empty."""

from __future__ import annotations

from collections import Counter
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
# One of the pool's accounts, by its unique (pool, kind) key.
_ACCOUNT = (
    "(SELECT a.id FROM {account} a WHERE a.responsible_body_id = %(body)s AND a.pool_id = %(pool)s AND a.kind = {kind})"
)

# One round trip, two kinds of row: each contribution of the pool with its school and the day
# it joined; and for each school its legs' sums, on the receivable account of the pool's
# contribution postings and on the bank of its receipt postings (a reversal counts with what it
# reverses, whose source type it takes).
_BY_SCHOOL_SQL = """
WITH posting AS MATERIALIZED (
    SELECT t.id, t.source_type FROM {txn} t
     WHERE t.responsible_body_id = %(body)s AND t.pool_id = %(pool)s AND t.source_type IN ('contribution', 'receipt')
    UNION ALL
    SELECT v.id, o.source_type FROM {txn} v
     CROSS JOIN LATERAL (SELECT o.source_type FROM {txn} o WHERE o.id = v.reverses_id OFFSET 0) o
     WHERE v.responsible_body_id = %(body)s AND v.pool_id = %(pool)s AND v.source_type = 'transaction'
)
SELECT 'c', c.id, c.school_id, ar.start_date, NULL, NULL
  FROM {contribution} c
 CROSS JOIN LATERAL (SELECT ar.start_date FROM {arrangement} ar WHERE ar.id = c.arrangement_id OFFSET 0) ar
 WHERE c.responsible_body_id = %(body)s AND c.pool_id = %(pool)s
UNION ALL
SELECT 's', NULL, l.school_id, NULL,
       sum(l.amount_pence) FILTER (
           WHERE l.account_id = {receivable}
             AND l.transaction_id IN (SELECT p.id FROM posting p WHERE p.source_type = 'contribution')),
       sum(l.amount_pence) FILTER (
           WHERE l.account_id = {bank}
             AND l.transaction_id IN (SELECT p.id FROM posting p WHERE p.source_type = 'receipt'))
  FROM {leg} l
 WHERE l.responsible_body_id = %(body)s AND l.account_id IN ({receivable}, {bank}) AND l.school_id IS NOT NULL
 GROUP BY l.school_id
""".format(
    **_TABLES,
    receivable=_ACCOUNT.format(kind="%(receivable)s", **_TABLES),
    bank=_ACCOUNT.format(kind="%(bank)s", **_TABLES),
)


@dataclass(frozen=True)
class _BySchool:
    joined: dict[int, tuple[int, date]]  # contribution id: (school id, the day it joined)
    sums: dict[int, tuple[int, int]]  # school id: (expected, received)


def _by_school(*, tenant: ResponsibleBody, pool: Pool) -> _BySchool:
    params: dict[str, int | str] = {
        "body": tenant.pk,
        "pool": pool.pk,
        "bank": str(AccountKind.POOL_BANK),
        "receivable": str(AccountKind.CONTRIBUTIONS_RECEIVABLE),
    }
    with within(tenant), connection.cursor() as cursor:
        cursor.execute(_BY_SCHOOL_SQL, params)
        rows = cursor.fetchall()
    joined: dict[int, tuple[int, date]] = {}
    sums: dict[int, tuple[int, int]] = {}
    for kind, pk, school_id, start_date, expected, received in rows:
        if kind == "c":
            joined[pk] = (school_id, start_date)
        else:
            sums[school_id] = (int(expected or 0), int(received or 0))
    return _BySchool(joined=joined, sums=sums)


def contributions_posted(*, tenant: ResponsibleBody, pool: Pool) -> dict[int, Posted]:
    """Every contribution of ``pool`` as the ledger holds it (expected, received) with its
    school and due date, by contribution id: one query whatever the number of schools (four
    more, by ids, when a school left and rejoined within the period)."""
    read = _by_school(tenant=tenant, pool=pool)
    schools = Counter(school_id for school_id, _ in read.joined.values())
    rejoined = [pk for pk, (school_id, _) in read.joined.items() if schools[school_id] > 1]
    each = _posted_for(tenant=tenant, pool=pool, contribution_ids=rejoined) if rejoined else {}
    posted = {}
    for pk, (school_id, joined_on) in read.joined.items():
        if schools[school_id] > 1:
            expected, received = each.get(pk, (0, 0))
        else:
            expected, received = read.sums.get(school_id, (0, 0))
        posted[pk] = Posted(
            school_id=school_id,
            due_on=arrears.due_on(period_starts_on=pool.starts_on, joined_on=joined_on),
            expected_pence=expected,
            received_pence=received,
        )
    return posted


def contribution_totals_by_school(*, tenant: ResponsibleBody, pool: Pool) -> dict[int, tuple[int, int]]:
    """Expected and received as posted, for each school (a school that left and rejoined has
    its contributions added up): the sums ``contributions_posted`` reads, one query whatever
    the number of schools."""
    return _by_school(tenant=tenant, pool=pool).sums


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
