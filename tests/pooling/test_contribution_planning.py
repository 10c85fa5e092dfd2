"""The pure contribution planning (``pooling.contribution_planning.contributions_plan``),
tested directly with Hypothesis: no database (these tests have no ``django_db`` mark, so
any query would fail them), unsaved model instances in, figures out.

For random members (any status, start and end around the period, with or without a share
override), allocations (some schools without one) and policy versions (some starting after
a member joins), every member is planned or explained exactly once, and each planned
contribution is allocation × share × member days ÷ period days rounded half up on the
exact fraction, with the reserve the policy's rate of it and the share the override or the
policy in force on the later of the member's start and the period's."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from groupings.models import Arrangement, ArrangementStatus, GroupingPolicy, School
from pooling.contribution_planning import contributions_plan, policy_in_force
from pooling.models import ImfAllocation
from pooling.periods import grant_year

PERIOD = grant_year("2026-27")
POOLED = {ArrangementStatus.ACTIVE, ArrangementStatus.NOTICE_GIVEN, ArrangementStatus.ENDED}


@dataclass(frozen=True)
class Member:
    status: str
    start_offset: int  # days from the period's start (negative: joined before it)
    length: int | None  # days in the grouping; None: open-ended
    override_bp: int | None
    allocation_pence: int | None


members = st.lists(
    st.builds(
        Member,
        status=st.sampled_from(ArrangementStatus.values),
        start_offset=st.integers(min_value=-400, max_value=400),
        length=st.none() | st.integers(min_value=0, max_value=800),
        override_bp=st.none() | st.integers(min_value=0, max_value=10_000),
        allocation_pence=st.none() | st.integers(min_value=0, max_value=5_000_000_00),
    ),
    max_size=12,
)
policy_versions = st.lists(
    st.tuples(
        st.integers(min_value=-500, max_value=300),  # effective from, days from the period's start
        st.integers(min_value=0, max_value=10_000),  # pooled share
        st.integers(min_value=0, max_value=10_000),  # urgent reserve
    ),
    max_size=4,
    unique_by=lambda version: version[0],
)


def _world(
    drawn: list[Member], versions: list[tuple[int, int, int]]
) -> tuple[list[Arrangement], dict[int, ImfAllocation], list[GroupingPolicy]]:
    arrangements: list[Arrangement] = []
    allocations: dict[int, ImfAllocation] = {}
    for number, member in enumerate(drawn, start=1):
        school = School(pk=number, urn=100_000 + number, name=f"School {number}")
        start = PERIOD.starts_on + timedelta(days=member.start_offset)
        end = None if member.length is None else start + timedelta(days=member.length)
        arrangements.append(
            Arrangement(
                pk=number,
                school=school,
                status=member.status,
                start_date=start,
                end_date=end,
                pooled_share_override_bp=member.override_bp,
            )
        )
        if member.allocation_pence is not None:
            allocations[school.pk] = ImfAllocation(
                school=school, period_label="2026-27", amount_pence=member.allocation_pence
            )
    policies = sorted(
        (
            GroupingPolicy(
                version=index,
                effective_from=PERIOD.starts_on + timedelta(days=offset),
                pooled_share_bp=share,
                urgent_reserve_bp=reserve,
            )
            for index, (offset, share, reserve) in enumerate(versions, start=1)
        ),
        key=lambda policy: policy.effective_from,
    )
    return arrangements, allocations, policies


def _days_in_grouping(arrangement: Arrangement) -> int:
    if arrangement.status not in POOLED:
        return 0
    first = max(arrangement.start_date, PERIOD.starts_on)
    last = min(arrangement.end_date or PERIOD.ends_on, PERIOD.ends_on)
    return max(0, (last - first).days + 1)


@settings(max_examples=200, deadline=None)
@given(drawn=members, versions=policy_versions)
def test_every_member_is_planned_to_the_penny_or_explained_once(
    drawn: list[Member], versions: list[tuple[int, int, int]]
) -> None:
    arrangements, allocations, policies = _world(drawn, versions)

    plan = contributions_plan(
        pool_label="2026-27",
        period=PERIOD,
        arrangements=arrangements,
        allocations=allocations,
        policies=policies,
        existing={},
    )

    planned_ids = [p.arrangement.pk for p in plan.planned]
    explained_ids = [n.arrangement_id for n in plan.not_calculated]
    assert sorted(planned_ids + explained_ids) == [a.pk for a in arrangements]
    for arrangement in arrangements:
        day = max(arrangement.start_date, PERIOD.starts_on)
        in_force = [p for p in policies if p.effective_from <= day]
        has_allocation = arrangement.school.pk in allocations
        assert (arrangement.pk in planned_ids) == (has_allocation and bool(in_force))

    for explained in plan.not_calculated:
        arrangement = next(a for a in arrangements if a.pk == explained.arrangement_id)
        if arrangement.school.pk not in allocations:
            assert explained.reason == "No IMF allocation is recorded for 2026-27."
        else:
            assert explained.reason.startswith("No grouping policy was in force on ")

    for planned in plan.planned:
        arrangement = planned.arrangement
        day = max(arrangement.start_date, PERIOD.starts_on)
        policy = [p for p in policies if p.effective_from <= day][-1]
        assert planned.policy is policy
        assert planned.share_bp == (
            arrangement.pooled_share_override_bp
            if arrangement.pooled_share_override_bp is not None
            else policy.pooled_share_bp
        )
        assert planned.period_days == PERIOD.days == 365
        assert planned.member_days == _days_in_grouping(arrangement)
        exact = Fraction(planned.allocation.amount_pence * planned.share_bp * planned.member_days, 10_000 * PERIOD.days)
        assert planned.expected_pence == math.floor(exact + Fraction(1, 2))
        assert 0 <= planned.expected_pence <= planned.allocation.amount_pence
        exact_reserve = Fraction(planned.expected_pence * policy.urgent_reserve_bp, 10_000)
        assert planned.reserve_pence == math.floor(exact_reserve + Fraction(1, 2))
        assert 0 <= planned.reserve_pence <= planned.expected_pence


def test_a_whole_year_member_pays_its_share_and_a_half_penny_rounds_up() -> None:
    arrangements, allocations, policies = _world(
        [
            Member(
                ArrangementStatus.ACTIVE, start_offset=-30, length=None, override_bp=None, allocation_pence=100_000_00
            ),
            # 1 pence x 50% x 365/365 = 0.5p exactly: rounds up to 1p
            Member(ArrangementStatus.ACTIVE, start_offset=0, length=None, override_bp=5_000, allocation_pence=1),
            Member(ArrangementStatus.WITHDRAWN, start_offset=0, length=None, override_bp=None, allocation_pence=50_00),
        ],
        [(-100, 1_000, 500)],
    )

    plan = contributions_plan(
        pool_label="2026-27",
        period=PERIOD,
        arrangements=arrangements,
        allocations=allocations,
        policies=policies,
        existing={},
    )

    assert [(p.share_bp, p.member_days, p.expected_pence, p.reserve_pence) for p in plan.planned] == [
        (1_000, 365, 10_000_00, 500_00),
        (5_000, 365, 1, 0),
        (1_000, 0, 0, 0),
    ]
    assert plan.not_calculated == []


def test_the_policy_in_force_is_the_latest_that_started_by_the_day() -> None:
    older = GroupingPolicy(version=1, effective_from=date(2026, 1, 1), pooled_share_bp=1_000)
    newer = GroupingPolicy(version=2, effective_from=date(2026, 9, 1), pooled_share_bp=2_000)

    assert policy_in_force([older, newer], date(2025, 12, 31)) is None
    assert policy_in_force([older, newer], date(2026, 8, 31)) is older
    assert policy_in_force([older, newer], date(2026, 9, 1)) is newer
