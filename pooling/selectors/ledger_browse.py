"""Reads behind the pool dashboard and the ledger browser: contributions against receipts,
commitments by month, and the ledger a page at a time by keyset (``posted_on``, ``id``), so
a deep page costs what the first page costs."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, NamedTuple, TypeVar

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from accounts.models import ResponsibleBody
from core.errors import NotFound
from core.tenancy import current_tenant_id, tenant_context
from groupings.selectors import school_name_and_urn
from pooling.models import Account, Contribution, Instalment, Leg, Pool, Transaction

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Cursor:
    """A position in the ledger's order (newest first). ``after`` pages go older,
    ``before`` pages go newer."""

    posted_on: date
    id: int

    _FORMAT = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(\d{1,18})$")

    def encode(self) -> str:
        return f"{self.posted_on.isoformat()}.{self.id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Raises ``ValueError`` for anything that is not a cursor this module made."""
        match = cls._FORMAT.match(text.strip())
        if match is None:
            raise ValueError("Not a ledger position.")
        return cls(date.fromisoformat(match[1]), int(match[2]))

    @classmethod
    def of(cls, txn: Transaction | TransactionRow) -> Cursor:
        return cls(txn.posted_on, txn.pk)


class TransactionRow(NamedTuple):
    """A transaction as the ledger page lists it (its legs are ``leg_rows``)."""

    pk: int
    posted_on: date
    kind: str
    description: str
    source_type: str
    source_id: str
    reverses_id: int | None
    reversed_by_id: int | None


_Row = TypeVar("_Row", Transaction, TransactionRow)


@dataclass(frozen=True)
class TransactionPage(Generic[_Row]):
    transactions: list[_Row]
    older: Cursor | None  # pass as ``after`` for the next (older) page
    newer: Cursor | None  # pass as ``before`` for the previous (newer) page


def _legs() -> Any:
    """A transaction's legs with what the pages and the API show of them: the account's kind
    and pool, the school's URN and name (not the rest of its register entry)."""
    legs = Leg.objects.select_related("account__pool", "school").only(
        "transaction", "amount_pence", "account__kind", "account__pool__label", "school__urn", "school__name"
    )
    return Prefetch("legs", queryset=legs.order_by("id"))


def _page(
    tenant: ResponsibleBody,
    pool: Pool,
    *,
    account_kind: str,
    source_type: str,
    date_from: date | None,
    date_to: date | None,
    after: Cursor | None,
    before: Cursor | None,
    size: int,
) -> tuple[QuerySet[Transaction], tuple[str, str]]:
    """The query of one page of a pool's transactions (one more than ``size``, to know
    whether there is another) and the order to read it in."""
    qs = Transaction.objects.for_tenant(tenant).filter(pool=pool)
    if account_kind:
        # By the account's id, not a join on its kind: the planner then knows how many legs
        # the account has, and reads a rarely used account's few legs first instead of
        # walking the whole ledger looking for them.
        # (One small query first: a subquery's value is unknown when the plan is made.)
        account_id = (
            account_list(tenant=tenant, pool=pool).filter(kind=account_kind).values_list("pk", flat=True).first()
        )
        qs = qs.filter(Exists(Leg.objects.filter(transaction=OuterRef("pk"), account_id=account_id)))
    if source_type:
        qs = qs.filter(source_type=source_type)
    if date_from:
        qs = qs.filter(posted_on__gte=date_from)
    if date_to:
        qs = qs.filter(posted_on__lte=date_to)
    # The page's rows are chosen first (the index scan and a top-N sort, nothing joined),
    # then only they are joined to both ends of a reversal: joined before the LIMIT, every
    # transaction of the pool would be.
    if before is not None and after is None:
        qs = qs.filter(Q(posted_on__gte=before.posted_on) & (Q(posted_on__gt=before.posted_on) | Q(id__gt=before.id)))
        order = ("posted_on", "id")
    else:
        if after is not None:
            qs = qs.filter(Q(posted_on__lte=after.posted_on) & (Q(posted_on__lt=after.posted_on) | Q(id__lt=after.id)))
        order = ("-posted_on", "-id")
    chosen = qs.order_by(*order).values("pk")[: size + 1]
    return Transaction.objects.for_tenant(tenant).filter(pk__in=chosen).order_by(*order), order


def _paged(
    rows: list[_Row], order: tuple[str, str], *, size: int, after: Cursor | None
) -> tuple[list[_Row], Cursor | None, Cursor | None]:
    """A page's rows newest first, and the cursors to the pages either side of it."""
    more = len(rows) > size
    rows = rows[:size]
    if order[0] == "posted_on":  # a page going newer was read oldest first
        rows.reverse()
        return rows, Cursor.of(rows[-1]) if rows else None, Cursor.of(rows[0]) if rows and more else None
    return (
        rows,
        Cursor.of(rows[-1]) if rows and more else None,
        Cursor.of(rows[0]) if rows and after is not None else None,
    )


def transaction_page(
    *,
    tenant: ResponsibleBody,
    pool: Pool,
    account_kind: str = "",
    source_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> TransactionPage[Transaction]:
    """One page of a pool's transactions, newest first, each with its legs.

    Two queries whatever the page (three with an account filter): the transactions, a
    range scan from the cursor over the body-pool-date index, never an offset; and their
    legs. Nothing per row."""
    page, order = _page(
        tenant, pool, account_kind=account_kind, source_type=source_type, date_from=date_from, date_to=date_to,
        after=after, before=before, size=size,
    )  # fmt: skip
    rows = list(page.select_related("reversed_by").prefetch_related(_legs()))
    return TransactionPage(*_paged(rows, order, size=size, after=after))


def transaction_row_page(
    *,
    tenant: ResponsibleBody,
    pool: Pool,
    account_kind: str = "",
    source_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> TransactionPage[TransactionRow]:
    """:func:`transaction_page` as the columns the ledger page shows, without the legs
    (``leg_rows`` reads them): one query (two with an account filter), no instances."""
    page, order = _page(
        tenant, pool, account_kind=account_kind, source_type=source_type, date_from=date_from, date_to=date_to,
        after=after, before=before, size=size,
    )  # fmt: skip
    columns = page.values_list(
        "pk", "posted_on", "kind", "description", "source_type", "source_id", "reverses_id", "reversed_by__id"
    )
    rows = [TransactionRow(*row) for row in columns]
    return TransactionPage(*_paged(rows, order, size=size, after=after))


def transaction_detail(*, tenant: ResponsibleBody, transaction_id: int) -> Transaction:
    """One transaction with its legs and both ends of a reversal; the same 404 for a
    missing row and another body's."""
    txn = (
        Transaction.objects.for_tenant(tenant)
        .filter(pk=transaction_id)
        .select_related("pool", "reverses", "reversed_by")
        .prefetch_related(_legs())
        .first()
    )
    if txn is None:
        raise NotFound("No such transaction.")
    return txn


class LegRow(NamedTuple):
    """A leg as the ledger page shows it: its account's kind and pool, and its school."""

    transaction_id: int
    account_kind: str
    pool_id: int
    pool_label: str
    school_id: int | None
    school_name: str | None
    amount_pence: int


def leg_rows(*, tenant: ResponsibleBody, transaction_ids: Collection[int]) -> dict[int, list[LegRow]]:
    """The legs of these transactions (in the order they were posted) by transaction: one
    query, read as rows rather than a leg, account, pool and school instance each."""
    legs = (
        Leg.objects.for_tenant(tenant)
        .filter(transaction_id__in=list(transaction_ids))
        .order_by("id")
        .values_list(
            "transaction_id", "account__kind", "account__pool_id", "account__pool__label", "school_id",
            "school__name", "amount_pence",
        )
    )  # fmt: skip
    by_transaction: dict[int, list[LegRow]] = {pk: [] for pk in transaction_ids}
    for row in legs:
        by_transaction[row[0]].append(LegRow(*row))
    return by_transaction


_SOURCE_TYPES_SQL = """
WITH RECURSIVE types(source_type) AS (
    (SELECT source_type FROM pooling_transaction
     WHERE responsible_body_id = %(body)s ORDER BY source_type LIMIT 1)
    UNION ALL
    SELECT (SELECT t.source_type FROM pooling_transaction t
            WHERE t.responsible_body_id = %(body)s AND t.source_type > types.source_type
            ORDER BY t.source_type LIMIT 1)
    FROM types WHERE types.source_type IS NOT NULL
)
SELECT source_type FROM types WHERE source_type IS NOT NULL
"""


def source_types(*, tenant: ResponsibleBody) -> list[str]:
    """What has caused postings in the body's ledger (contribution, award, payment run…).

    A loose index scan over the body-source index: one probe per distinct type, so it
    costs the same with a hundred transactions or a million (a plain DISTINCT reads them
    all)."""
    if current_tenant_id() != tenant.pk:
        with tenant_context(tenant):
            return source_types(tenant=tenant)
    with connection.cursor() as cursor:
        cursor.execute(_SOURCE_TYPES_SQL, {"body": tenant.pk})
        return [row[0] for row in cursor.fetchall()]


def account_list(*, tenant: ResponsibleBody, pool: Pool) -> QuerySet[Account]:
    return Account.objects.for_tenant(tenant).filter(pool=pool).order_by("pk")


@dataclass(frozen=True)
class SchoolContribution:
    school_name: str
    school_urn: int
    expected_pence: int
    received_pence: int

    @property
    def outstanding_pence(self) -> int:
        return self.expected_pence - self.received_pence


def _contribution_schools(*, tenant: ResponsibleBody, pool: Pool) -> list[tuple[int, str, int]]:
    """The pool's contributing schools (id, name, URN) by name; a school that left and
    rejoined is one school. Its name is looked up by its key."""
    name, urn = school_name_and_urn()
    with tenant_context(tenant):
        return list(
            Contribution.objects.for_tenant(tenant)
            .filter(pool=pool)
            .annotate(school_name=name, school_urn=urn)
            .order_by("school_name", "school_id")
            .values_list("school_id", "school_name", "school_urn")
            .distinct()
        )


@dataclass(frozen=True)
class ContributionsOverview:
    """The pool's contributions in all (over every school) and the schools that owe most."""

    schools: int
    expected_pence: int
    received_pence: int
    most_outstanding: list[SchoolContribution]

    @property
    def outstanding_pence(self) -> int:
        return self.expected_pence - self.received_pence


def contributions_overview(*, tenant: ResponsibleBody, pool: Pool, top: int) -> ContributionsOverview:
    """Totals over every member school and the ``top`` schools with the most outstanding
    (largest first, then by name): what each has been expected to contribute and has paid
    as the ledger holds them (a reversed receipt or contribution posting counts, exactly as
    on the contributions page). Two queries whatever the number of schools; only the schools
    listed are made ``SchoolContribution`` rows (the largest body has hundreds)."""
    from pooling.selectors.contribution_ledger import contribution_totals_by_school

    schools = _contribution_schools(tenant=tenant, pool=pool)
    posted = contribution_totals_by_school(tenant=tenant, pool=pool)
    expected = received = 0
    owing: list[tuple[int, int]] = []  # (minus what is outstanding, place by name)
    for place, (school_id, _, _) in enumerate(schools):
        school_expected, school_received = posted.get(school_id, (0, 0))
        expected += school_expected
        received += school_received
        if school_expected > school_received:
            owing.append((school_received - school_expected, place))
    owing.sort()
    return ContributionsOverview(
        schools=len(schools),
        expected_pence=expected,
        received_pence=received,
        most_outstanding=[
            SchoolContribution(schools[place][1], schools[place][2], *posted.get(schools[place][0], (0, 0)))
            for _, place in owing[:top]
        ],
    )


@dataclass(frozen=True)
class MonthCommitment:
    month: date
    instalments: int
    amount_pence: int


def commitments_by_month(*, tenant: ResponsibleBody, pool: Pool) -> list[MonthCommitment]:
    """Scheduled (unpaid, unreleased) instalments of the pool's awards, summed by the month
    they fall due: one query."""
    rows = (
        Instalment.objects.for_tenant(tenant)
        .filter(schedule__pool=pool, status=Instalment.Status.SCHEDULED)
        .annotate(month=TruncMonth("due_on"))
        .values("month")
        .annotate(total=Sum("amount_pence"), n=Count("id"))
        .order_by("month")
    )
    return [MonthCommitment(month=row["month"], instalments=row["n"], amount_pence=int(row["total"])) for row in rows]
