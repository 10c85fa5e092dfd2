"""Reads for allocations, contributions and receipts.

What has been posted for a contribution is read back from the ledger (legs of the
transactions it and its receipts caused, and of reversals of them), never stored a second
time: ``pooling.selectors.contribution_ledger`` reads it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.models import ResponsibleBody
from core.errors import NotFound
from core.tenancy import TenantQuerySet
from core.text import ascii_digits
from groupings.models import Arrangement, ArrangementStatus
from groupings.selectors import school_name_and_urn
from pooling.models import Contribution, ImfAllocation, ImfAllocationImport, Pool, Receipt
from pooling.selectors import arrears
from pooling.selectors.contribution_ledger import (
    Posted,
    contribution_ledger_totals,
    contributions_posted,
    within,
)

# Arrangements whose days in the grouping are pooled (proposed and withdrawn ones are not).
POOLED_STATUSES = (ArrangementStatus.ACTIVE, ArrangementStatus.NOTICE_GIVEN, ArrangementStatus.ENDED)


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


def _contributions(*, tenant: ResponsibleBody, pool: Pool, q: str) -> TenantQuerySet[Contribution]:
    """The pool's contributions, optionally only the schools whose name contains ``q`` or
    whose URN is ``q``."""
    qs = Contribution.objects.for_tenant(tenant).filter(pool=pool)
    term = q.strip()
    if ascii_digits(term):
        qs = qs.filter(school__urn=int(term))
    elif term:
        qs = qs.filter(school__name__icontains=term)
    return qs


def contribution_list(*, tenant: ResponsibleBody, pool: Pool, q: str = "") -> QuerySet[Contribution]:
    """The pool's contributions by school name (a school that left and rejoined has one per
    arrangement, in date order), optionally only the schools whose name contains ``q`` or
    whose URN is ``q``."""
    qs = _contributions(tenant=tenant, pool=pool, q=q).select_related("school", "allocation", "pool", "arrangement")
    return qs.order_by("school__name", "arrangement__start_date", "pk")


def contribution_list_rows(*, tenant: ResponsibleBody, pool: Pool, q: str = "") -> QuerySet[Any]:
    """``contribution_list`` in the same order, as the columns its page shows (dicts, not a
    contribution, school, allocation, pool and arrangement instance each), the school's
    name and URN looked up by its key."""
    name, urn = school_name_and_urn()
    qs = _contributions(tenant=tenant, pool=pool, q=q).annotate(school_name=name, school_urn=urn)
    return qs.order_by("school_name", "arrangement__start_date", "pk").values(
        "pk",
        "school_name",
        "school_urn",
        "share_bp",
        "member_days",
        "period_days",
        allocation_pence=F("allocation__amount_pence"),
        joined_on=F("arrangement__start_date"),
    )


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


def contribution_totals(
    *, tenant: ResponsibleBody, pool: Pool, day: date | None = None, posted: Mapping[int, Posted] | None = None
) -> ContributionTotals:
    """The totals a page of contributions shows under its rows, over every contribution of
    the pool: what ``contributions_posted`` reads in one query (``posted``, when the caller
    has read it already), with what is in arrears on ``day`` (today) summed contribution by
    contribution as the rows sum it."""
    day = day or timezone.localdate()
    if posted is None:
        posted = contributions_posted(tenant=tenant, pool=pool)
    return ContributionTotals(
        contributions=len(posted),
        expected_pence=sum(p.expected_pence for p in posted.values()),
        received_pence=sum(p.received_pence for p in posted.values()),
        arrears_pence=sum(
            arrears.arrears_pence(outstanding_pence=p.outstanding_pence, due_on=p.due_on, day=day)
            for p in posted.values()
        ),
    )


def contribution_rows(
    *, tenant: ResponsibleBody, pool: Pool, contributions: Sequence[Contribution]
) -> list[ContributionRow]:
    """Expected, received and arrears as posted for some of the pool's contributions: four
    queries, looked up by their ids."""
    posted = contribution_ledger_totals(tenant=tenant, pool=pool, contribution_ids=[c.pk for c in contributions])
    return [ContributionRow(c, *posted.get(c.pk, (0, 0))) for c in contributions]


def contribution_list_figures(
    rows: Iterable[dict[str, Any]], *, pool: Pool, posted: Mapping[int, Posted], day: date | None = None
) -> list[dict[str, Any]]:
    """Rows of ``contribution_list_rows`` with what each contribution has posted (from
    ``contributions_posted``): expected, received and outstanding in pence, its due date and
    its standing on ``day`` (today), as ``ContributionRow`` says them."""
    day = day or timezone.localdate()
    figured = []
    for row in rows:
        p = posted.get(row["pk"])
        expected, received = (p.expected_pence, p.received_pence) if p else (0, 0)
        due_on = arrears.due_on(period_starts_on=pool.starts_on, joined_on=row["joined_on"])
        row.update(
            expected_pence=expected,
            received_pence=received,
            outstanding_pence=expected - received,
            due_on=due_on,
            standing=arrears.standing(outstanding_pence=expected - received, due_on=due_on, day=day),
        )
        figured.append(row)
    return figured


@dataclass(frozen=True)
class MissingMember:
    """A member school a calculation leaves out: its arrangement, name and URN."""

    arrangement_id: int
    school_name: str
    school_urn: int


@dataclass(frozen=True)
class MembersMissing:
    """How many members a calculation leaves out for one reason, and the first of them."""

    count: int
    first: Sequence[MissingMember]

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
    name, urn = school_name_and_urn()
    with within(tenant):
        allocated = ImfAllocation.objects.filter(period_label=pool.label, school_id=OuterRef("school_id"))
        found = list(
            _members(tenant=tenant, pool=pool)
            # NOT IN over the pool's contributions (hashed once) rather than an anti-join, which
            # the planner, misled by row-level security's filter, would make loop over every pair.
            .exclude(pk__in=Contribution.objects.filter(pool=pool).values("arrangement_id"))
            # Each school's name and URN looked up by its key, not the register joined (which
            # PostgreSQL hashed whole, 21,971 schools, for a body with every school missing).
            .annotate(allocated=Exists(allocated), school_name=name, school_urn=urn)
            .annotate(
                missing_count=Window(Count("pk"), partition_by=[F("allocated")]),
                position=Window(RowNumber(), partition_by=[F("allocated")], order_by=[F("school_name"), F("pk")]),
            )
            .filter(position__lte=first)
            .order_by("allocated", "school_name", "pk")
            .values_list("pk", "school_name", "school_urn", "allocated", "missing_count")
        )
    missing: dict[bool, list[MissingMember]] = {False: [], True: []}
    counts = {False: 0, True: 0}
    for pk, school_name, school_urn, has_allocation, count in found:
        missing[has_allocation].append(MissingMember(pk, school_name, school_urn))
        counts[has_allocation] = count
    return (
        MembersMissing(count=counts[False], first=missing[False]),
        MembersMissing(count=counts[True], first=missing[True]),
    )


def contribution_summary(*, tenant: ResponsibleBody, pool: Pool) -> ContributionSummary:
    """Expected, received and arrears per contribution with totals, plus the members still
    missing an allocation or a calculation. Six queries whatever the number of schools."""
    with within(tenant):
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
