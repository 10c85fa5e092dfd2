"""Expected contributions: the writer that stores and posts what the pure planning
(``pooling.contribution_planning``) says each member should contribute.

A **contribution** is what a member school is expected to pool for the period. Calculating
posts only the difference from what the ledger already holds for it, and sets aside the
urgent-case reserve the same way, so recalculating is always safe. Allocations are in
``allocations.py``, receipts in ``receipts.py``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from core.audit import audit_record, snapshot
from core.audit_verbs import AuditVerb
from core.errors import ConflictError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context
from groupings.models import Arrangement, GroupingPolicy
from pooling.contribution_planning import NotCalculated, contributions_plan
from pooling.error_codes import PoolingError
from pooling.models import (
    AccountKind,
    Contribution,
    ImfAllocation,
    Pool,
    PoolStatus,
    TransactionKind,
)
from pooling.periods import Calendar, Period
from pooling.selectors.contribution_ledger import ledger_by_source
from pooling.selectors.contributions import POOLED_STATUSES
from pooling.services.ledger import LegSpec, post

CONTRIBUTION_FIELDS = ("allocation", "policy", "share_bp", "member_days", "period_days", "expected_pence")


@dataclass(frozen=True)
class ContributionCalculation:
    contributions: list[Contribution]
    changed: int
    expected_posted_pence: int
    reserve_posted_pence: int
    not_calculated: list[NotCalculated]


def _period_of(pool: Pool) -> Period:
    return Period(Calendar.GRANT_YEAR, pool.starts_on.year, pool.starts_on, pool.ends_on)


def _posting_date(pool: Pool) -> date:
    """Today, kept inside the pool's period (a late correction is dated its last day)."""
    return min(max(timezone.localdate(), pool.starts_on), pool.ends_on)


def contributions_calculate(
    *,
    actor: User | None,
    tenant: ResponsibleBody,
    pool: Pool,
    arrangement_ids: Collection[int] | None = None,
) -> ContributionCalculation:
    """Calculate every member's expected contribution to ``pool`` (or only the given
    arrangements') and post the differences from what the ledger holds.

    Members are arrangements that are active, under notice or ended and overlap the
    period, with an IMF allocation for it. The share is the arrangement's override or the
    pooled share of the policy version in force on the later of its start and the pool's
    start. A repeated calculation posts nothing. ``actor`` is None for the system."""
    with tenant_context(tenant), transaction.atomic():
        locked = lock_rows(Pool.objects).filter(pk=pool.pk).first()
        if locked is None:
            raise NotFound("No such pool.")
        if locked.status != PoolStatus.OPEN:
            raise ConflictError(
                f"Pool {locked.label} is closed: contributions can no longer change.", code=PoolingError.POOL_CLOSED
            )
        period = _period_of(locked)
        existing = {
            c.arrangement_id: c
            for c in Contribution.objects.filter(pool=locked).select_related("allocation", "policy")
            if arrangement_ids is None or c.arrangement_id in arrangement_ids
        }
        members = Arrangement.objects.filter(status__in=POOLED_STATUSES, start_date__lte=period.ends_on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=period.starts_on)
        )
        if arrangement_ids is not None:
            members = members.filter(pk__in=arrangement_ids)
        arrangements = {
            a.pk: a
            for a in Arrangement.objects.filter(Q(pk__in=members.values("pk")) | Q(pk__in=list(existing)))
            .select_related("school")
            .order_by("school__name", "start_date")
        }
        allocations = {
            a.school_id: a
            for a in ImfAllocation.objects.filter(
                period_label=locked.label, school_id__in={a.school_id for a in arrangements.values()}
            )
        }
        policies = list(GroupingPolicy.objects.order_by("effective_from"))
        posted = ledger_by_source(
            tenant=tenant,
            pool=locked,
            account_kind=AccountKind.CONTRIBUTIONS_RECEIVABLE,
            source_type="contribution",
            source_ids=[c.pk for c in existing.values()],
        )
        reserved = ledger_by_source(
            tenant=tenant,
            pool=locked,
            account_kind=AccountKind.RESERVE,
            source_type="contribution_reserve",
            source_ids=[c.pk for c in existing.values()],
        )
        posted_on = _posting_date(locked)
        plan = contributions_plan(
            pool_label=locked.label,
            period=period,
            arrangements=arrangements.values(),
            allocations=allocations,
            policies=policies,
            existing=existing,
        )
        results: list[Contribution] = []
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        expected_total = reserve_total = 0
        for planned in plan.planned:
            arrangement, school = planned.arrangement, planned.arrangement.school
            contribution = existing.get(arrangement.pk)
            values = planned.values()
            key = f"{school.urn}/{arrangement.pk}"
            if contribution is None:
                contribution = Contribution(
                    responsible_body=tenant, pool=locked, arrangement=arrangement, school=school, **values
                )
                contribution.save()
                before[key] = None
                after[key] = snapshot(contribution, CONTRIBUTION_FIELDS)
            else:
                changed = {k: v for k, v in values.items() if getattr(contribution, k) != v}
                if changed:
                    before[key] = snapshot(contribution, CONTRIBUTION_FIELDS)
                    for name, value in changed.items():
                        setattr(contribution, name, value)
                    contribution.calculated_at = timezone.now()
                    contribution.save(update_fields=[*changed, "calculated_at"])
                    after[key] = snapshot(contribution, CONTRIBUTION_FIELDS)
            source = str(contribution.pk)
            expected_total += _post_difference(
                actor=actor,
                tenant=tenant,
                pool=locked,
                contribution=contribution,
                posted_on=posted_on,
                already=posted.get(source),
                target=planned.expected_pence,
                what="contribution",
                debit=AccountKind.CONTRIBUTIONS_RECEIVABLE,
                credit=AccountKind.CONTRIBUTIONS,
                kind=TransactionKind.CONTRIBUTION_EXPECTED,
                description=f"Contribution expected: {school.name} ({school.urn}), {locked.label}",
            )
            reserve_total += _post_difference(
                actor=actor,
                tenant=tenant,
                pool=locked,
                contribution=contribution,
                posted_on=posted_on,
                already=reserved.get(source),
                target=planned.reserve_pence,
                what="contribution_reserve",
                debit=AccountKind.CONTRIBUTIONS,
                credit=AccountKind.RESERVE,
                kind=TransactionKind.RESERVE_SET_ASIDE,
                description=f"Reserve for urgent cases: {school.name} ({school.urn}), {locked.label}",
            )
            results.append(contribution)
        if after:
            audit_record(
                actor=actor,
                tenant=tenant,
                verb=AuditVerb.CONTRIBUTIONS_CALCULATED,
                obj=locked,
                label=f"Contributions for pool {locked.label}: {len(after)} calculated or changed",
                before=before,
                after=after,
            )
    return ContributionCalculation(
        contributions=results,
        changed=len(after),
        expected_posted_pence=expected_total,
        reserve_posted_pence=reserve_total,
        not_calculated=plan.not_calculated,
    )


def _post_difference(
    *,
    actor: User | None,
    tenant: ResponsibleBody,
    pool: Pool,
    contribution: Contribution,
    posted_on: date,
    already: tuple[int, int] | None,
    target: int,
    what: str,
    debit: AccountKind,
    credit: AccountKind,
    kind: str,
    description: str,
) -> int:
    """Post ``target`` less what is already posted for this contribution (Dr ``debit``, Cr
    ``credit``; a negative difference reverses the signs). The key names the contribution,
    how many postings it already has and the move, so a retry posts nothing twice."""
    posted_total, postings = already or (0, 0)
    if credit == AccountKind.RESERVE:
        posted_total = -posted_total  # the reserve is read from its credit side
    difference = target - posted_total
    if difference == 0:
        return 0
    post(
        actor=actor,
        tenant=tenant,
        pool=pool,
        kind=kind,
        posted_on=posted_on,
        description=description,
        idempotency_key=f"{tenant.pk}:{what}:{contribution.pk}:{postings}:{posted_total}>{target}",
        source_type=what,
        source_id=str(contribution.pk),
        legs=[
            LegSpec(debit, difference, contribution.school_id),
            LegSpec(credit, -difference, contribution.school_id),
        ],
    )
    return difference


def contributions_recalculate_for_arrangement(
    *, actor: User | None, tenant: ResponsibleBody, arrangement_id: int
) -> list[Contribution]:
    """Recalculate one arrangement's contributions in every open pool that has one (after it
    ended, say). Closed pools are left as they were closed."""
    with tenant_context(tenant):
        pools = list(
            Pool.objects.filter(status=PoolStatus.OPEN, contributions__arrangement_id=arrangement_id)
            .distinct()
            .order_by("starts_on")
        )
    recalculated: list[Contribution] = []
    for pool in pools:
        try:
            result = contributions_calculate(actor=actor, tenant=tenant, pool=pool, arrangement_ids=[arrangement_id])
        except ConflictError as exc:
            if exc.code == "pool_closed":
                continue  # closed since the list was read
            raise
        recalculated.extend(result.contributions)
    return recalculated
