"""Reads for allocations, contributions and receipts.

What has been posted for a thing is read back from the ledger (legs of the transactions
whose source it is, and of reversals of them), never stored a second time."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from django.db.models import Case, Count, Exists, F, Min, OuterRef, Q, QuerySet, Sum, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.models import ResponsibleBody
from core.errors import NotFound
from core.tenancy import TenantQuerySet, current_tenant_id, tenant_context
from core.text import ascii_digits
from groupings.models import Arrangement, ArrangementStatus
from groupings.selectors import school_name_and_urn
from pooling.models import (
    AccountKind,
    Contribution,
    ImfAllocation,
    ImfAllocationImport,
    Leg,
    Pool,
    Receipt,
    Transaction,
)
from pooling.selectors import arrears

# Arrangements whose days in the grouping are pooled (proposed and withdrawn ones are not).
POOLED_STATUSES = (ArrangementStatus.ACTIVE, ArrangementStatus.NOTICE_GIVEN, ArrangementStatus.ENDED)


def _within(tenant: ResponsibleBody) -> AbstractContextManager[None]:
    """The tenant's context, unless the caller (a page, a service) is already in it: each
    new context costs a savepoint and two settings, which a list's query budget counts."""
    return nullcontext() if current_tenant_id() == tenant.pk else tenant_context(tenant)


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
    with _within(tenant):
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
    """For each contribution: (expected as posted, received as posted), in pence. For the
    whole pool, three queries over its ledger; for some of its contributions (a page, or
    one), four lookups by their ids and their receipts' ids, which cost the same however
    much the pool's ledger holds."""
    if contribution_ids is not None:
        return _posted_for(tenant=tenant, pool=pool, contribution_ids=contribution_ids)
    expected = ledger_by_source(
        tenant=tenant, pool=pool, account_kind=AccountKind.CONTRIBUTIONS_RECEIVABLE, source_type="contribution"
    )
    with _within(tenant):
        receipts = Receipt.objects.filter(contribution__pool=pool).order_by()
        receipt_of = {str(pk): cid for pk, cid in receipts.values_list("pk", "contribution_id")}
    banked = ledger_by_source(tenant=tenant, pool=pool, account_kind=AccountKind.POOL_BANK, source_type="receipt")
    totals: dict[int, tuple[int, int]] = {int(k): (v[0], 0) for k, v in expected.items()}
    for receipt_id, (amount, _) in banked.items():
        cid = receipt_of.get(receipt_id)
        if cid is None:
            continue
        exp, got = totals.get(cid, (0, 0))
        totals[cid] = (exp, got + amount)
    return totals


def _posted_for(
    *, tenant: ResponsibleBody, pool: Pool, contribution_ids: Collection[int]
) -> dict[int, tuple[int, int]]:
    """Expected and received as posted for these contributions: their receipts; the
    transactions the contributions and receipts caused (the body-source index); the
    reversals of those (the unique index on what a reversal reverses); and those
    transactions' legs on the pool's receivable and bank accounts."""
    if not contribution_ids:
        return {}
    with _within(tenant):
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


# --- Allocations --------------------------------------------------------------------------


def _allocations(*, tenant: ResponsibleBody, period_label: str, q: str) -> QuerySet[ImfAllocation]:
    """A period's allocations (of the schools whose name contains ``q`` or whose URN is
    ``q``), with whether each school is in the grouping during it."""
    from pooling.periods import grant_year

    period = grant_year(period_label)
    members = Arrangement.objects.filter(
        school_id=OuterRef("school_id"), status__in=POOLED_STATUSES, start_date__lte=period.ends_on
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=period.starts_on))
    qs = ImfAllocation.objects.for_tenant(tenant).filter(period_label=period_label)
    # The annotation loses the model type in django-stubs; the rows are still allocations.
    qs = cast("TenantQuerySet[ImfAllocation]", qs.annotate(in_grouping=Exists(members)))
    term = q.strip()
    if ascii_digits(term):
        qs = qs.filter(school__urn=int(term))
    elif term:
        qs = qs.filter(school__name__icontains=term)
    return qs


def allocation_list(*, tenant: ResponsibleBody, period_label: str, q: str = "") -> QuerySet[ImfAllocation]:
    """A period's allocations by school name, with whether each school is in the grouping."""
    qs = _allocations(tenant=tenant, period_label=period_label, q=q).select_related("school", "source_import")
    return qs.order_by("school__name", "school__urn")


def allocation_rows(*, tenant: ResponsibleBody, period_label: str, q: str = "") -> QuerySet[Any]:
    """``allocation_list`` in the same order, as the columns its page shows (dicts, not
    allocation and school instances), the school's name and URN looked up by its key."""
    name, urn = school_name_and_urn()
    qs = _allocations(tenant=tenant, period_label=period_label, q=q).annotate(school_name=name, school_urn=urn)
    return qs.order_by("school_name", "school_urn").values(
        "school_name",
        "school_urn",
        "in_grouping",
        "amount_pence",
        "entered_by_label",
        "source_import",
        "source_import__file_name",
    )


def allocation_for_urn(*, tenant: ResponsibleBody, period_label: str, urn: int) -> ImfAllocation | None:
    return (
        ImfAllocation.objects.for_tenant(tenant)
        .filter(period_label=period_label, school__urn=urn)
        .select_related("school")
        .first()
    )


def allocation_totals(*, tenant: ResponsibleBody, period_label: str) -> dict[str, int]:
    row = (
        ImfAllocation.objects.for_tenant(tenant)
        .filter(period_label=period_label)
        .aggregate(count=Count("pk"), total=Sum("amount_pence"))
    )
    return {"count": int(row["count"] or 0), "total_pence": int(row["total"] or 0)}


def allocation_import_list(*, tenant: ResponsibleBody, period_label: str) -> QuerySet[ImfAllocationImport]:
    return ImfAllocationImport.objects.for_tenant(tenant).filter(period_label=period_label).order_by("-created_at")


# --- Contributions and receipts -------------------------------------------------------------


def contribution_list(*, tenant: ResponsibleBody, pool: Pool, q: str = "") -> QuerySet[Contribution]:
    """The pool's contributions by school name (a school that left and rejoined has one per
    arrangement, in date order), optionally only the schools whose name contains ``q`` or
    whose URN is ``q``."""
    qs = (
        Contribution.objects.for_tenant(tenant)
        .filter(pool=pool)
        .select_related("school", "allocation", "pool", "arrangement")
    )
    term = q.strip()
    if ascii_digits(term):
        qs = qs.filter(school__urn=int(term))
    elif term:
        qs = qs.filter(school__name__icontains=term)
    return qs.order_by("school__name", "arrangement__start_date", "pk")


def contribution_get(*, tenant: ResponsibleBody, contribution_id: int) -> Contribution:
    contribution = (
        Contribution.objects.for_tenant(tenant)
        .filter(pk=contribution_id)
        .select_related("pool", "school", "arrangement", "policy", "allocation")
        .first()
    )
    if contribution is None:
        raise NotFound("No such contribution.")
    return contribution


def receipt_list(*, tenant: ResponsibleBody, contribution: Contribution) -> QuerySet[Receipt]:
    return Receipt.objects.for_tenant(tenant).filter(contribution=contribution).order_by("-received_on", "-id")


@dataclass(frozen=True)
class ContributionRow:
    """A contribution with what is posted: outstanding (expected less received) is *due*
    until its due date and *in arrears* after it (``pooling.selectors.arrears``)."""

    contribution: Contribution
    expected_pence: int
    received_pence: int
    day: date = field(default_factory=timezone.localdate)

    @property
    def outstanding_pence(self) -> int:
        return self.expected_pence - self.received_pence

    @property
    def due_on(self) -> date:
        return arrears.contribution_due_on(self.contribution)

    @property
    def standing(self) -> str:
        return arrears.standing(outstanding_pence=self.outstanding_pence, due_on=self.due_on, day=self.day)

    @property
    def standing_label(self) -> str:
        return arrears.STANDING_LABELS[self.standing]

    @property
    def arrears_pence(self) -> int:
        return arrears.arrears_pence(outstanding_pence=self.outstanding_pence, due_on=self.due_on, day=self.day)

    def as_dict(self) -> dict[str, Any]:
        c = self.contribution
        return {
            "id": c.pk,
            "school": {"id": c.school_id, "urn": c.school.urn, "name": c.school.name},
            "arrangement_id": c.arrangement_id,
            "allocation_pence": c.allocation.amount_pence,
            "share_bp": c.share_bp,
            "member_days": c.member_days,
            "period_days": c.period_days,
            "policy_version": c.policy.version,
            "expected_pence": self.expected_pence,
            "received_pence": self.received_pence,
            "outstanding_pence": self.outstanding_pence,
            "due_on": self.due_on,
            "standing": self.standing,
            "arrears_pence": self.arrears_pence,
            "calculated_at": c.calculated_at,
        }


@dataclass(frozen=True)
class ContributionSummary:
    pool: Pool
    rows: list[ContributionRow]
    no_allocation: list[Arrangement]
    not_calculated: list[Arrangement]

    @property
    def expected_pence(self) -> int:
        return sum(r.expected_pence for r in self.rows)

    @property
    def received_pence(self) -> int:
        return sum(r.received_pence for r in self.rows)

    @property
    def outstanding_pence(self) -> int:
        return sum(r.outstanding_pence for r in self.rows)

    @property
    def arrears_pence(self) -> int:
        return sum(r.arrears_pence for r in self.rows)


@dataclass(frozen=True)
class ContributionTotals:
    """Expected, received, outstanding and in arrears as posted over all of a pool's
    contributions."""

    contributions: int
    expected_pence: int
    received_pence: int
    arrears_pence: int = 0

    @property
    def outstanding_pence(self) -> int:
        return self.expected_pence - self.received_pence


def _caused_by(pool: Pool, source_type: str) -> Q:
    """Legs of transactions that ``source_type`` rows (contributions, receipts) caused in
    the pool, or that reverse one of those."""
    caused = Transaction.objects.filter(pool=pool, source_type=source_type).values("pk")
    # A reversal's own source is the transaction it reverses (``transaction_reverse``).
    reversing = Transaction.objects.filter(source_type="transaction", reverses__in=caused).values("pk")
    return Q(transaction__in=caused) | Q(transaction__in=reversing)


def _posted_sums(tenant: ResponsibleBody, pool: Pool) -> dict[str, Any]:
    return {
        "expected": Sum(
            "amount_pence",
            filter=Q(account__kind=AccountKind.CONTRIBUTIONS_RECEIVABLE) & _caused_by(pool, "contribution"),
        ),
        "received": Sum("amount_pence", filter=Q(account__kind=AccountKind.POOL_BANK) & _caused_by(pool, "receipt")),
    }


def _contribution_legs(tenant: ResponsibleBody, pool: Pool) -> QuerySet[Leg]:
    return Leg.objects.for_tenant(tenant).filter(
        account__pool=pool, account__kind__in=[AccountKind.CONTRIBUTIONS_RECEIVABLE, AccountKind.POOL_BANK]
    )


def contribution_totals(*, tenant: ResponsibleBody, pool: Pool, day: date | None = None) -> ContributionTotals:
    """The totals a page of contributions shows under its rows, over every contribution:
    two queries (a count with the earliest due date, and one sum over the legs of the
    pool's receivable and bank accounts whose transactions contributions or receipts
    caused, or that reverse one), nothing per contribution. Once any contribution is past
    its due date on ``day`` (today), what is in arrears is summed per contribution as the
    rows sum it: four more queries whatever the number of schools."""
    day = day or timezone.localdate()
    with _within(tenant):
        contributions = Contribution.objects.for_tenant(tenant).filter(pool=pool)
        head = contributions.aggregate(count=Count("pk"), earliest=Min(arrears.due_on_expression(pool)))
        sums = _contribution_legs(tenant, pool).aggregate(**_posted_sums(tenant, pool))
        in_arrears = 0
        if head["earliest"] is not None and arrears.is_past_due(head["earliest"], day):
            past_due = dict(
                contributions.annotate(due_on=arrears.due_on_expression(pool))
                .filter(due_on__lt=day)
                .values_list("pk", "due_on")
            )
            posted = contribution_ledger_totals(tenant=tenant, pool=pool)
            in_arrears = sum(
                arrears.arrears_pence(outstanding_pence=expected - received, due_on=past_due[pk], day=day)
                for pk, (expected, received) in posted.items()
                if pk in past_due
            )
    return ContributionTotals(
        contributions=int(head["count"]),
        expected_pence=int(sums["expected"] or 0),
        received_pence=int(sums["received"] or 0),
        arrears_pence=in_arrears,
    )


def contribution_totals_by_school(*, tenant: ResponsibleBody, pool: Pool) -> dict[int, tuple[int, int]]:
    """Expected and received as posted, for each school (its contributions and receipts
    post legs naming it): the same sums as ``contribution_totals``, grouped by school, in
    one query whatever the number of schools."""
    with _within(tenant):  # the sums' subqueries are built by the tenant's managers: inside it
        sums = _posted_sums(tenant, pool)
        rows = (
            _contribution_legs(tenant, pool)
            .filter(school__isnull=False)
            .order_by()
            .values("school_id")
            .annotate(expected=sums["expected"], received=sums["received"])
        )
        return {row["school_id"]: (int(row["expected"] or 0), int(row["received"] or 0)) for row in rows}


def contribution_rows(
    *, tenant: ResponsibleBody, pool: Pool, contributions: Sequence[Contribution]
) -> list[ContributionRow]:
    """Expected, received and arrears as posted for a page of the pool's contributions:
    four queries, looked up by the page's ids."""
    posted = contribution_ledger_totals(tenant=tenant, pool=pool, contribution_ids=[c.pk for c in contributions])
    return [ContributionRow(c, *posted.get(c.pk, (0, 0))) for c in contributions]


@dataclass(frozen=True)
class MembersMissing:
    """How many members a calculation leaves out for one reason, and the first of them."""

    count: int
    first: Sequence[Arrangement]

    @property
    def more(self) -> int:
        return self.count - len(self.first)


def _members(*, tenant: ResponsibleBody, pool: Pool) -> TenantQuerySet[Arrangement]:
    """Arrangements whose days in the grouping fall in the pool's period."""
    return (
        Arrangement.objects.for_tenant(tenant)
        .filter(status__in=POOLED_STATUSES, start_date__lte=pool.ends_on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=pool.starts_on))
    )


def members_missing(*, tenant: ResponsibleBody, pool: Pool, first: int) -> tuple[MembersMissing, MembersMissing]:
    """The members with no contribution in the pool yet: those with no IMF allocation for
    its period, then those with one (a recalculation would include them). Each is a count
    and the first ``first`` by school name: one query whatever the number of schools."""
    with _within(tenant):
        allocated = ImfAllocation.objects.filter(period_label=pool.label, school_id=OuterRef("school_id"))
        found = list(
            _members(tenant=tenant, pool=pool)
            # NOT IN over the pool's contributions (hashed once) rather than an anti-join, which
            # the planner, misled by row-level security's filter, would make loop over every pair.
            .exclude(pk__in=Contribution.objects.filter(pool=pool).values("arrangement_id"))
            .select_related("school")
            .annotate(allocated=Exists(allocated))
            .annotate(
                missing_count=Window(Count("pk"), partition_by=[F("allocated")]),
                position=Window(RowNumber(), partition_by=[F("allocated")], order_by=[F("school__name"), F("pk")]),
            )
            .filter(position__lte=first)
            .order_by("allocated", "school__name", "pk")
        )
    no_allocation = [a for a in found if not a.allocated]
    not_calculated = [a for a in found if a.allocated]
    return (
        MembersMissing(count=no_allocation[0].missing_count if no_allocation else 0, first=no_allocation),
        MembersMissing(count=not_calculated[0].missing_count if not_calculated else 0, first=not_calculated),
    )


def contribution_summary(*, tenant: ResponsibleBody, pool: Pool) -> ContributionSummary:
    """Expected, received and arrears per contribution with totals, plus the members still
    missing an allocation or a calculation. Six queries whatever the number of schools."""
    with _within(tenant):
        contributions = list(contribution_list(tenant=tenant, pool=pool).select_related("policy"))
        totals = contribution_ledger_totals(tenant=tenant, pool=pool)
        members = list(_members(tenant=tenant, pool=pool).select_related("school").order_by("school__name"))
        with_allocation = set(
            ImfAllocation.objects.for_tenant(tenant)
            .filter(period_label=pool.label, school_id__in=[a.school_id for a in members])
            .order_by()
            .values_list("school_id", flat=True)
        )
    calculated = {c.arrangement_id for c in contributions}
    rows = [ContributionRow(c, *totals.get(c.pk, (0, 0))) for c in contributions]
    return ContributionSummary(
        pool=pool,
        rows=rows,
        no_allocation=[a for a in members if a.school_id not in with_allocation and a.pk not in calculated],
        not_calculated=[a for a in members if a.school_id in with_allocation and a.pk not in calculated],
    )
