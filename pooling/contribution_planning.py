"""Contribution planning, pure: who contributes what to a pool, worked out from the
arrangements, allocations and policy versions handed in. No database, no clock: the
writer (``pooling.services.contributions.contributions_calculate``) reads the rows, calls
``contributions_plan`` and writes and posts what it says, and the property tests call it
directly.

A member's expected contribution is allocation × pooled share × days in the grouping ÷
days in the period, rounded half up to the penny on the exact fraction (docs/money.md);
the urgent-case reserve is the policy's rate of that, half up to the penny.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from core.money import apply_rate
from pooling.periods import Period, overlap_days
from pooling.selectors.contributions import POOLED_STATUSES

if TYPE_CHECKING:
    from groupings.models import Arrangement, GroupingPolicy
    from pooling.models import Contribution, ImfAllocation


def divide_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up, exactly (both non-negative integers)."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("divide_half_up takes a non-negative numerator and a positive denominator.")
    quotient, remainder = divmod(numerator, denominator)
    return quotient + (1 if 2 * remainder >= denominator else 0)


def expected_contribution_pence(*, allocation_pence: int, share_bp: int, member_days: int, period_days: int) -> int:
    """The one rounding rule for contributions: allocation × share × member days ÷ period
    days, computed on the exact fraction in integers and rounded half up to the penny once."""
    return divide_half_up(allocation_pence * share_bp * member_days, 10_000 * period_days)


@dataclass(frozen=True)
class NotCalculated:
    """A member whose contribution could not be calculated, and why."""

    arrangement_id: int
    school_name: str
    urn: int
    reason: str


@dataclass(frozen=True)
class PlannedContribution:
    """What one member's contribution should be."""

    arrangement: Arrangement
    allocation: ImfAllocation
    policy: GroupingPolicy
    share_bp: int
    member_days: int
    period_days: int
    expected_pence: int
    reserve_pence: int

    def values(self) -> dict[str, Any]:
        """The contribution's stored fields."""
        return {
            "allocation": self.allocation,
            "policy": self.policy,
            "share_bp": self.share_bp,
            "member_days": self.member_days,
            "period_days": self.period_days,
            "expected_pence": self.expected_pence,
        }


@dataclass(frozen=True)
class ContributionPlan:
    planned: list[PlannedContribution]
    not_calculated: list[NotCalculated]


def policy_in_force(policies: Sequence[GroupingPolicy], day: date) -> GroupingPolicy | None:
    """The version in force on ``day`` (``policies`` sorted by ``effective_from``)."""
    in_force = None
    for policy in policies:
        if policy.effective_from <= day:
            in_force = policy
    return in_force


def member_days_in_period(arrangement: Arrangement, period: Period) -> int:
    """Days of ``period`` the arrangement pools for (none unless it is pooled)."""
    if arrangement.status not in POOLED_STATUSES:
        return 0
    return overlap_days(arrangement.start_date, arrangement.end_date, period)


def contributions_plan(
    *,
    pool_label: str,
    period: Period,
    arrangements: Iterable[Arrangement],
    allocations: Mapping[int, ImfAllocation],
    policies: Sequence[GroupingPolicy],
    existing: Mapping[int, Contribution],
) -> ContributionPlan:
    """Each arrangement's planned contribution, or why it cannot be calculated.

    ``allocations`` are by school id; ``policies`` sorted by ``effective_from``;
    ``existing`` the contributions already stored, by arrangement id (their allocation
    and policy stand in when the allocation or the policy has gone). The share is the
    arrangement's override or the pooled share of the policy version in force on the
    later of its start and the period's start."""
    planned: list[PlannedContribution] = []
    not_calculated: list[NotCalculated] = []
    for arrangement in arrangements:
        contribution = existing.get(arrangement.pk)
        school = arrangement.school
        day = max(arrangement.start_date, period.starts_on)
        allocation = allocations.get(school.pk) or (contribution.allocation if contribution else None)
        policy = policy_in_force(policies, day) or (contribution.policy if contribution else None)
        if allocation is None or policy is None:
            reason = (
                f"No IMF allocation is recorded for {pool_label}."
                if allocation is None
                else f"No grouping policy was in force on {day:%-d %B %Y}."
            )
            not_calculated.append(NotCalculated(arrangement.pk, school.name, school.urn, reason))
            continue
        share_bp = (
            arrangement.pooled_share_override_bp
            if arrangement.pooled_share_override_bp is not None
            else policy.pooled_share_bp
        )
        member_days = member_days_in_period(arrangement, period)
        expected = expected_contribution_pence(
            allocation_pence=allocation.amount_pence,
            share_bp=share_bp,
            member_days=member_days,
            period_days=period.days,
        )
        planned.append(
            PlannedContribution(
                arrangement=arrangement,
                allocation=allocation,
                policy=policy,
                share_bp=share_bp,
                member_days=member_days,
                period_days=period.days,
                expected_pence=expected,
                reserve_pence=apply_rate(expected, basis_points=policy.urgent_reserve_bp),
            )
        )
    return ContributionPlan(planned=planned, not_calculated=not_calculated)
