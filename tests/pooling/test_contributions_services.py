"""Allocations, expected contributions (pro-rated, rounded once, posted as differences),
the urgent reserve, receipts and arrears, and recalculation when an arrangement ends."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from core.errors import ApplicationError, ConflictError, NotFound
from core.models import AuditEvent
from core.tenancy import tenant_context
from groupings.services.arrangements import arrangement_end, arrangement_give_notice, arrangement_withdraw
from groupings.services.policy import policy_version_create
from groupings.signals import arrangement_ended
from pooling import receivers, tasks
from pooling.contribution_planning import divide_half_up, expected_contribution_pence
from pooling.models import Contribution, ImfAllocation, Receipt, Transaction
from pooling.selectors import pool_headroom
from pooling.selectors.contributions import contribution_ledger_totals, contribution_summary
from pooling.services.allocations import allocation_set
from pooling.services.contributions import contributions_calculate
from pooling.services.ledger import pool_open, transaction_reverse
from pooling.services.receipts import receipt_record
from tests.factories import SchoolFactory
from tests.outbox_support import pending
from tests.pooling.contributions_support import (
    allocate,
    balances,
    close,
    default_policy,
    join,
    postings,
    transaction_count,
)

pytestmark = pytest.mark.django_db


def _calculate(officer: Any, pool: Any, **kwargs: Any) -> Any:
    return contributions_calculate(actor=officer.user, tenant=officer.responsible_body, pool=pool, **kwargs)


def _contribution(body: Any, arrangement: Any, pool: Any) -> Contribution:
    with tenant_context(body):
        return Contribution.objects.select_related("school", "policy", "arrangement").get(
            arrangement=arrangement, pool=pool
        )


def _audits(body: Any, verb: str) -> list[AuditEvent]:
    with tenant_context(body):
        return list(AuditEvent.objects.filter(responsible_body=body, verb=verb).order_by("id"))


# --- The rounding rule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("allocation", "share", "days", "period", "expected"),
    [
        (1_400_000, 1000, 365, 365, 140_000),
        (5, 1000, 365, 365, 1),  # 0.5p rounds up
        (4, 1000, 365, 365, 0),  # 0.4p rounds down
        (1_400_000, 1000, 212, 365, 81_315),  # 81,315.07p
        (1_400_000, 1000, 275, 365, 105_479),  # 105,479.45p
        (1_400_000, 1000, 32, 366, 12_240),  # 12,240.44p, leap year
        (1_400_000, 1250, 366, 366, 175_000),
        (7_300, 1000, 1, 365, 2),  # 2.0p exactly
        (3_650, 1000, 1, 365, 1),  # 1.0p exactly
        (1_825, 1000, 1, 365, 1),  # 0.5p exactly: half up
        (1_824, 1000, 1, 365, 0),  # 0.4997p
        (0, 1000, 365, 365, 0),
        (1_400_000, 0, 365, 365, 0),
        (1_400_000, 1000, 0, 365, 0),
    ],
)
def test_expected_contribution_rounds_the_exact_fraction_half_up_once(
    allocation: int, share: int, days: int, period: int, expected: int
) -> None:
    assert (
        expected_contribution_pence(allocation_pence=allocation, share_bp=share, member_days=days, period_days=period)
        == expected
    )


def test_divide_half_up_refuses_negative_and_zero_denominators() -> None:
    assert divide_half_up(5, 10) == 1
    assert divide_half_up(4, 10) == 0
    with pytest.raises(ValueError):
        divide_half_up(-5, 10)
    with pytest.raises(ValueError):
        divide_half_up(5, 0)


# --- Allocations ---------------------------------------------------------------------------


def test_allocation_set_records_then_changes_with_before_and_after_audited(officer) -> None:
    body, user = officer.responsible_body, officer.user
    school = SchoolFactory(name="Outside Primary")
    first = allocation_set(actor=user, tenant=body, period_label="2026-27", urn=school.urn, amount_pence=1_400_000)
    again = allocation_set(actor=user, tenant=body, period_label="2026-27", urn=school.urn, amount_pence=1_400_000)
    changed = allocation_set(actor=user, tenant=body, period_label="2026-27", urn=school.urn, amount_pence=1_450_050)
    assert first.pk == again.pk == changed.pk
    with tenant_context(body):
        assert list(ImfAllocation.objects.values_list("school__urn", "period_label", "amount_pence")) == [
            (school.urn, "2026-27", 1_450_050)
        ]
    [created] = _audits(body, "allocation.set")
    assert created.after == {"period_label": "2026-27", "school": school.pk, "amount_pence": 1_400_000}
    [change] = _audits(body, "allocation.changed")
    assert change.before["amount_pence"] == 1_400_000
    assert change.after["amount_pence"] == 1_450_050
    assert "Outside Primary" in change.object_label


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"urn": 999_999_9}, "unknown_urn", "urn"),
        ({"amount_pence": -1}, "negative_amount", "amount_pence"),
        ({"amount_pence": 12.5}, "invalid_amount", "amount_pence"),
        ({"amount_pence": True}, "invalid_amount", "amount_pence"),
        ({"period_label": "2026-28"}, "invalid_period", "period_label"),
        ({"period_label": "26-27"}, "invalid_period", "period_label"),
    ],
)
def test_allocation_set_refuses_bad_values_and_writes_nothing(officer, kwargs, code, field) -> None:
    school = SchoolFactory()
    values = {"period_label": "2026-27", "urn": school.urn, "amount_pence": 100} | kwargs
    with pytest.raises(ApplicationError) as exc:
        allocation_set(actor=officer.user, tenant=officer.responsible_body, **values)
    assert (exc.value.code, exc.value.field) == (code, field)
    with tenant_context(officer.responsible_body):
        assert ImfAllocation.objects.count() == 0


def test_allocation_cannot_change_once_the_period_is_closed(officer, pool) -> None:
    school = SchoolFactory()
    allocate(officer.user, officer.responsible_body, school, 100)
    close(pool)
    with pytest.raises(ConflictError) as exc:
        allocate(officer.user, officer.responsible_body, school, 200)
    assert exc.value.code == "pool_closed"


# --- Contributions -------------------------------------------------------------------------


def test_full_year_member_contributes_its_share_and_the_reserve_is_set_aside(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body, name="Ash Academy")
    allocate(user, body, arrangement.school, 1_400_000)
    outsider = SchoolFactory(name="Not A Member")
    allocate(user, body, outsider, 5_000_000)  # kept, not pooled
    result = _calculate(officer, pool)
    contribution = _contribution(body, arrangement, pool)
    assert (contribution.share_bp, contribution.member_days, contribution.period_days) == (1000, 365, 365)
    assert contribution.expected_pence == 140_000
    assert contribution.policy.version == 1
    assert (result.changed, result.expected_posted_pence, result.reserve_posted_pence) == (1, 140_000, 7_000)
    assert [c.pk for c in result.contributions] == [contribution.pk]
    assert postings(pool, "contribution") == [("contributions_receivable", 140_000), ("contributions", -140_000)]
    assert postings(pool, "contribution_reserve") == [("contributions", 7_000), ("reserve", -7_000)]
    assert balances(pool) == {"contributions_receivable": 140_000, "contributions": -133_000, "reserve": -7_000}
    headroom = pool_headroom(tenant=body, pool=pool)
    assert (headroom.expected_pence, headroom.reserve_pence, headroom.available_on_expected_pence) == (
        140_000,
        7_000,
        133_000,
    )
    [event] = _audits(body, "contributions.calculated")
    key = f"{arrangement.school.urn}/{arrangement.pk}"
    assert event.before == {key: None}
    assert event.after[key]["expected_pence"] == 140_000


def test_a_repeated_calculation_posts_nothing_and_records_nothing(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body)
    allocate(user, body, arrangement.school, 1_400_000)
    _calculate(officer, pool)
    count = transaction_count(pool)
    again = _calculate(officer, pool)
    assert (again.changed, again.expected_posted_pence, again.reserve_posted_pence) == (0, 0, 0)
    assert transaction_count(pool) == count == 2
    assert len(_audits(body, "contributions.calculated")) == 1


def test_mid_year_joiner_is_pro_rated_by_days(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body, start=date(2026, 9, 1))
    allocate(user, body, arrangement.school, 1_400_000)
    _calculate(officer, pool)
    contribution = _contribution(body, arrangement, pool)
    # 1,400,000 x 10% x 212 / 365 = 81,315.07p
    assert (contribution.member_days, contribution.expected_pence) == (212, 81_315)
    assert balances(pool)["contributions_receivable"] == 81_315
    assert balances(pool)["reserve"] == -4_066  # 5% of 81,315 = 4,065.75


def test_member_who_left_during_the_year_is_pro_rated_to_its_last_day(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body, start=date(2025, 9, 1), end=date(2026, 8, 31))
    allocate(user, body, arrangement.school, 1_400_000)
    _calculate(officer, pool)
    # Still active, with an agreed end date: 1 April to 31 August 2026 is 153 days.
    contribution = _contribution(body, arrangement, pool)
    assert (contribution.member_days, contribution.expected_pence) == (153, 58_685)  # 58,684.93


def test_leap_year_period_has_366_days(officer) -> None:
    body, user = officer.responsible_body, officer.user
    pool = pool_open(actor=user, tenant=body, label="2027-28")
    arrangement = join(user, body, start=date(2028, 2, 29))
    allocate(user, body, arrangement.school, 1_400_000, period="2027-28")
    _calculate(officer, pool)
    contribution = _contribution(body, arrangement, pool)
    assert (contribution.period_days, contribution.member_days, contribution.expected_pence) == (366, 32, 12_240)
    whole_year = join(user, body, start=date(2027, 4, 1))
    allocate(user, body, whole_year.school, 1_400_000, period="2027-28")
    _calculate(officer, pool)
    assert _contribution(body, whole_year, pool).expected_pence == 140_000


def test_share_comes_from_the_policy_in_force_on_the_later_of_the_two_starts(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    default_policy(user, body)
    policy_version_create(
        actor=user,
        tenant=body,
        effective_from=date(2026, 10, 1),
        pooled_share_percent="15",
        urgent_reserve_percent="10",
        decision_target_working_days=10,
        decision_criteria=["Need beyond what the school can provide"],
        allow_backdating=True,
    )
    early = join(user, body, start=date(2025, 9, 1))  # later start is the pool's: 1 April 2026, v1
    late = join(user, body, start=date(2026, 11, 1))  # v2 is in force on 1 November 2026
    for a in (early, late):
        allocate(user, body, a.school, 1_400_000)
    _calculate(officer, pool)
    e, lt = _contribution(body, early, pool), _contribution(body, late, pool)
    assert (e.policy.version, e.share_bp, e.expected_pence) == (1, 1000, 140_000)
    # 1,400,000 x 15% x 151 / 365 = 86,876.71p; reserve 10% of it.
    assert (lt.policy.version, lt.share_bp, lt.member_days, lt.expected_pence) == (2, 1500, 151, 86_877)
    assert balances(pool)["reserve"] == -(7_000 + 8_688)


def test_an_arrangements_own_pooled_share_overrides_the_policy(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    policy_version_create(
        actor=user,
        tenant=body,
        effective_from=date(2026, 4, 1),
        pooled_share_percent="10",
        urgent_reserve_percent="5",
        decision_target_working_days=10,
        decision_criteria=["Need"],
        allow_share_override=True,
    )
    arrangement = join(user, body, override_percent="12.5")
    allocate(user, body, arrangement.school, 1_400_000)
    _calculate(officer, pool)
    assert _contribution(body, arrangement, pool).share_bp == 1250
    assert _contribution(body, arrangement, pool).expected_pence == 175_000


def test_only_active_notice_given_and_ended_arrangements_contribute(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    active = join(user, body, name="Active")
    proposed = join(user, body, name="Proposed", activate=False)
    withdrawn = join(user, body, name="Withdrawn", activate=False)
    arrangement_withdraw(actor=user, tenant=body, arrangement_id=withdrawn.pk)
    notice = join(user, body, name="Notice")
    arrangement_give_notice(actor=user, tenant=body, arrangement_id=notice.pk, end_date=date(2027, 3, 31))
    ended = join(user, body, name="Ended", start=date(2025, 4, 1))
    arrangement_end(actor=user, tenant=body, arrangement_id=ended.pk, end_date=date(2026, 6, 30))
    before = join(user, body, name="Left last year", start=date(2025, 4, 1))
    arrangement_end(actor=user, tenant=body, arrangement_id=before.pk, end_date=date(2026, 3, 31))
    for a in (active, proposed, withdrawn, notice, ended, before):
        allocate(user, body, a.school, 365_000)
    result = _calculate(officer, pool)
    got = {c.school.name: (c.member_days, c.expected_pence) for c in result.contributions}
    assert got == {"Active": (365, 36_500), "Notice": (365, 36_500), "Ended": (91, 9_100)}


def test_members_without_an_allocation_are_reported_not_calculated(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    with_allocation = join(user, body, name="Has One")
    missing = join(user, body, name="Has None")
    allocate(user, body, with_allocation.school, 100_000)
    result = _calculate(officer, pool)
    assert [c.school.name for c in result.contributions] == ["Has One"]
    assert [(n.school_name, n.reason) for n in result.not_calculated] == [
        ("Has None", "No IMF allocation is recorded for 2026-27.")
    ]
    summary = contribution_summary(tenant=body, pool=pool)
    assert [a.pk for a in summary.no_allocation] == [missing.pk]


def test_changing_an_allocation_then_recalculating_posts_only_the_difference(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body)
    allocate(user, body, arrangement.school, 1_400_000)
    _calculate(officer, pool)
    allocate(user, body, arrangement.school, 1_500_000)
    result = _calculate(officer, pool)
    assert (result.expected_posted_pence, result.reserve_posted_pence) == (10_000, 500)
    assert postings(pool, "contribution")[2:] == [("contributions_receivable", 10_000), ("contributions", -10_000)]
    allocate(user, body, arrangement.school, 1_200_000)
    result = _calculate(officer, pool)
    assert (result.expected_posted_pence, result.reserve_posted_pence) == (-30_000, -1_500)
    assert postings(pool, "contribution")[4:] == [("contributions_receivable", -30_000), ("contributions", 30_000)]
    assert balances(pool) == {"contributions_receivable": 120_000, "contributions": -114_000, "reserve": -6_000}


def test_going_back_and_forth_between_amounts_always_leaves_the_ledger_equal_to_expected(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body)
    for pence in (1_000_000, 900_000, 1_000_000, 900_000, 1_000_000):
        allocate(user, body, arrangement.school, pence)
        _calculate(officer, pool)
        assert balances(pool)["contributions_receivable"] == pence // 10
        assert balances(pool)["reserve"] == -(pence // 200)
    assert transaction_count(pool) == 10


def test_a_reversed_contribution_posting_is_posted_again_on_recalculation(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body)
    allocate(user, body, arrangement.school, 1_400_000)
    _calculate(officer, pool)
    with tenant_context(body):
        posting = Transaction.objects.get(source_type="contribution")
    transaction_reverse(actor=user, tenant=body, transaction_id=posting.pk, reason="Posted in error")
    assert balances(pool)["contributions_receivable"] == 0
    result = _calculate(officer, pool)
    assert result.expected_posted_pence == 140_000
    assert balances(pool)["contributions_receivable"] == 140_000


def test_calculation_refuses_a_closed_pool(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body)
    allocate(user, body, arrangement.school, 1_400_000)
    close(pool)
    with pytest.raises(ConflictError) as exc:
        _calculate(officer, pool)
    assert exc.value.code == "pool_closed"
    with tenant_context(body):
        assert Contribution.objects.count() == 0


def test_contributions_are_posted_on_today_kept_inside_the_period(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body)
    allocate(user, body, arrangement.school, 1_400_000)
    _calculate(officer, pool)
    today = timezone.localdate()
    with tenant_context(body):
        dates = set(Transaction.objects.values_list("posted_on", flat=True))
    assert dates == {min(max(today, pool.starts_on), pool.ends_on)}


# --- Arrangement ended → recalculation -------------------------------------------------------


def test_ending_an_arrangement_mid_year_recalculates_to_the_pro_rated_amount(
    officer, pool, django_capture_on_commit_callbacks
) -> None:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body, name="Leaving Academy")
    allocate(user, body, arrangement.school, 1_400_000)
    _calculate(officer, pool)
    # Connected as PoolingConfig.ready connects it (and left as it was found).
    was_connected = arrangement_ended.disconnect(dispatch_uid=receivers.ARRANGEMENT_ENDED_UID)
    receivers.connect()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            arrangement_end(actor=user, tenant=body, arrangement_id=arrangement.pk, end_date=date(2026, 12, 31))
    finally:
        if not was_connected:
            arrangement_ended.disconnect(dispatch_uid=receivers.ARRANGEMENT_ENDED_UID)
    queued = [kwargs for _task, kwargs in pending("pooling.recalculate_contributions_for_arrangement")]
    assert queued == [{"tenant_id": body.pk, "arrangement_id": arrangement.pk}]
    count = transaction_count(pool)
    # The worker runs the task; here it is called directly.
    ids = tasks.recalculate_contributions_for_arrangement(**queued[0])
    contribution = _contribution(body, arrangement, pool)
    assert ids == [contribution.pk]
    # 1,400,000 x 10% x 275 / 365 = 105,479.45p; reserve 5% = 5,273.95 → 5,274.
    assert (contribution.member_days, contribution.expected_pence) == (275, 105_479)
    assert postings(pool, "contribution")[2:] == [("contributions_receivable", -34_521), ("contributions", 34_521)]
    assert postings(pool, "contribution_reserve")[2:] == [("contributions", -1_726), ("reserve", 1_726)]
    assert balances(pool) == {"contributions_receivable": 105_479, "contributions": -100_205, "reserve": -5_274}
    # Safe to run twice: the second run posts nothing.
    assert tasks.recalculate_contributions_for_arrangement(**queued[0]) == [contribution.pk]
    assert transaction_count(pool) == count + 2
    [event] = _audits(body, "contributions.calculated")[1:]
    assert event.actor_label == "system"


def test_ending_before_the_period_started_takes_the_whole_contribution_back(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body, start=date(2025, 4, 1))
    allocate(user, body, arrangement.school, 1_400_000)
    _calculate(officer, pool)
    arrangement_end(actor=user, tenant=body, arrangement_id=arrangement.pk, end_date=date(2026, 3, 31))
    tasks.recalculate_contributions_for_arrangement(tenant_id=body.pk, arrangement_id=arrangement.pk)
    contribution = _contribution(body, arrangement, pool)
    assert (contribution.member_days, contribution.expected_pence) == (0, 0)
    assert balances(pool) == {}


def test_recalculation_task_skips_closed_pools_and_unknown_ids(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body)
    allocate(user, body, arrangement.school, 1_400_000)
    _calculate(officer, pool)
    close(pool)
    arrangement_end(actor=user, tenant=body, arrangement_id=arrangement.pk, end_date=date(2026, 12, 31))
    assert tasks.recalculate_contributions_for_arrangement(tenant_id=body.pk, arrangement_id=arrangement.pk) == []
    assert _contribution(body, arrangement, pool).expected_pence == 140_000
    assert tasks.recalculate_contributions_for_arrangement(tenant_id=body.pk, arrangement_id=10**9) == []
    assert tasks.recalculate_contributions_for_arrangement(tenant_id=10**9, arrangement_id=arrangement.pk) == []


# --- Receipts and arrears -------------------------------------------------------------------


@pytest.fixture
def contribution(officer, pool) -> Contribution:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body, name="Paying Academy")
    allocate(user, body, arrangement.school, 1_400_000)
    _calculate(officer, pool)
    return _contribution(body, arrangement, pool)


def _receive(officer: Any, contribution: Contribution, pence: int, **kwargs: Any) -> Receipt:
    values = {"received_on": date(2026, 5, 1), "method": "transfer", "reference": "BACS 123"} | kwargs
    return receipt_record(
        actor=officer.user,
        tenant=officer.responsible_body,
        contribution_id=contribution.pk,
        amount_pence=pence,
        **values,
    )


def test_receipt_posts_to_the_pool_bank_and_arrears_fall(officer, pool, contribution) -> None:
    body = officer.responsible_body
    receipt = _receive(officer, contribution, 100_000, method="top_slice", reference=" Top-slice May ")
    assert (receipt.amount_pence, receipt.method, receipt.reference, receipt.recorded_by_label) == (
        100_000,
        "top_slice",
        "Top-slice May",
        officer.user.email,
    )
    assert postings(pool, "receipt") == [("pool_bank", 100_000), ("contributions_receivable", -100_000)]
    with tenant_context(body):
        txn = Transaction.objects.get(source_type="receipt")
    assert (txn.posted_on, txn.source_id, txn.kind) == (date(2026, 5, 1), str(receipt.pk), "receipt")
    summary = contribution_summary(tenant=body, pool=pool)
    [row] = summary.rows
    assert (row.expected_pence, row.received_pence, row.arrears_pence) == (140_000, 100_000, 40_000)
    assert (summary.expected_pence, summary.received_pence, summary.arrears_pence) == (140_000, 100_000, 40_000)
    _receive(officer, contribution, 40_000)
    assert contribution_summary(tenant=body, pool=pool).arrears_pence == 0
    assert balances(pool)["contributions_receivable"] == 0
    assert balances(pool)["pool_bank"] == 140_000
    [event, _] = _audits(body, "receipt.recorded")
    assert event.after["amount_pence"] == 100_000
    assert "Paying Academy" in event.object_label


def test_receipt_refuses_more_than_is_outstanding_and_says_how_much_is(officer, pool, contribution) -> None:
    _receive(officer, contribution, 139_000)
    with pytest.raises(ApplicationError) as exc:
        _receive(officer, contribution, 1_001)
    assert (exc.value.code, exc.value.field, exc.value.extra) == (
        "more_than_outstanding",
        "amount_pence",
        {"outstanding_pence": 1_000},
    )
    assert "Only £10.00 is outstanding from Paying Academy" in exc.value.message
    assert _receive(officer, contribution, 1_000).amount_pence == 1_000


@pytest.mark.parametrize(
    ("pence", "kwargs", "code", "field"),
    [
        (0, {}, "amount_not_positive", "amount_pence"),
        (-500, {}, "amount_not_positive", "amount_pence"),
        (10.5, {}, "invalid_amount", "amount_pence"),
        (500, {"method": "cash"}, "invalid_method", "method"),
        (500, {"reference": "x" * 101}, "reference_too_long", "reference"),
        (500, {"received_on": date(2026, 2, 28)}, "received_on_outside_period", "received_on"),
        (500, {"received_on": date(2027, 10, 1)}, "received_on_outside_period", "received_on"),
    ],
)
def test_receipt_refuses_bad_values_and_posts_nothing(officer, pool, contribution, pence, kwargs, code, field) -> None:
    count = transaction_count(pool)
    with pytest.raises(ApplicationError) as exc:
        _receive(officer, contribution, pence, **kwargs)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert transaction_count(pool) == count
    with tenant_context(officer.responsible_body):
        assert Receipt.objects.count() == 0


def test_receipt_window_runs_from_a_month_before_to_six_months_after_the_period(officer, pool, contribution) -> None:
    assert _receive(officer, contribution, 1, received_on=date(2026, 3, 1)).received_on == date(2026, 3, 1)
    with pytest.raises(ApplicationError, match="between 1 March 2026 and 30 September 2027"):
        _receive(officer, contribution, 1, received_on=date(2026, 2, 28))


def test_receipt_cannot_be_dated_in_the_future(officer, pool, contribution, monkeypatch) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 6, 1))
    with pytest.raises(ApplicationError) as exc:
        _receive(officer, contribution, 100, received_on=date(2026, 6, 2))
    assert exc.value.code == "received_on_in_future"
    assert _receive(officer, contribution, 100, received_on=date(2026, 6, 1)).amount_pence == 100


def test_top_slice_only_for_schools_the_body_funds(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body, basis="contracted_trust", name="Contracted Academy")
    allocate(user, body, arrangement.school, 1_400_000)
    _calculate(officer, pool)
    contribution = _contribution(body, arrangement, pool)
    with pytest.raises(ApplicationError) as exc:
        _receive(officer, contribution, 100, method="top_slice")
    assert (exc.value.code, exc.value.field) == ("top_slice_not_allowed", "method")
    assert _receive(officer, contribution, 100, method="transfer").method == "transfer"


def test_receipt_refused_once_the_pool_is_closed(officer, pool, contribution) -> None:
    close(pool)
    with pytest.raises(ConflictError) as exc:
        _receive(officer, contribution, 100)
    assert exc.value.code == "pool_closed"


def test_a_repeated_receipt_request_records_one_receipt(officer, pool, contribution) -> None:
    first = _receive(officer, contribution, 5_000, request_key="form-token-1")
    again = _receive(officer, contribution, 5_000, request_key="form-token-1")
    other = _receive(officer, contribution, 5_000, request_key="form-token-2")
    assert first.pk == again.pk != other.pk
    assert balances(pool)["pool_bank"] == 10_000


def test_receipt_for_another_bodys_contribution_is_not_found(officer, pool, contribution) -> None:
    from tests.factories import member

    other = member("finance_officer", mfa=True)
    with pytest.raises(NotFound) as exc:
        receipt_record(
            actor=other.user,
            tenant=other.responsible_body,
            contribution_id=contribution.pk,
            amount_pence=100,
            received_on=date(2026, 5, 1),
            method="transfer",
        )
    assert exc.value.code == "not_found"


def test_arrears_after_a_contribution_falls_below_what_was_received(officer, pool, contribution) -> None:
    body, user = officer.responsible_body, officer.user
    _receive(officer, contribution, 140_000)
    arrangement_end(actor=user, tenant=body, arrangement_id=contribution.arrangement_id, end_date=date(2026, 9, 30))
    tasks.recalculate_contributions_for_arrangement(tenant_id=body.pk, arrangement_id=contribution.arrangement_id)
    [row] = contribution_summary(tenant=body, pool=pool).rows
    # 183 days: 1,400,000 x 10% x 183 / 365 = 70,191.78 → 70,192; received 140,000: 69,808 to repay.
    assert (row.expected_pence, row.received_pence, row.outstanding_pence) == (70_192, 140_000, -69_808)
    assert (row.standing, row.arrears_pence) == ("overpaid", 0)  # received more: nothing is in arrears
    with pytest.raises(ApplicationError) as exc:
        _receive(officer, contribution, 1)
    assert exc.value.extra == {"outstanding_pence": -69_808}
    assert "Only £0.00 is outstanding" in exc.value.message


def test_summary_query_count_does_not_grow_with_schools(officer, pool, django_assert_max_num_queries) -> None:
    body, user = officer.responsible_body, officer.user

    def grow(n: int) -> None:
        for _ in range(n):
            a = join(user, body)
            allocate(user, body, a.school, 1_000_000)
        _calculate(officer, pool)

    grow(1)
    with django_assert_max_num_queries(10):
        summary = contribution_summary(tenant=body, pool=pool)
    assert len(summary.rows) == 1
    grow(9)
    with django_assert_max_num_queries(10):
        summary = contribution_summary(tenant=body, pool=pool)
    assert len(summary.rows) == 10
    assert summary.expected_pence == 10 * 100_000


def test_end_date_after_the_period_does_not_reduce_the_contribution(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body, end=pool.ends_on + timedelta(days=200))
    allocate(user, body, arrangement.school, 1_400_000)
    _calculate(officer, pool)
    assert _contribution(body, arrangement, pool).member_days == 365


def test_received_over_the_whole_pool_sums_each_contributions_receipts_less_reversed_ones(
    officer, pool, contribution
) -> None:
    """The whole pool's figures (summed by contribution in the database) equal the page's
    lookup by id, with several receipts for one contribution and one of them reversed."""
    body, user = officer.responsible_body, officer.user
    _receive(officer, contribution, 30_000)
    reversed_receipt = _receive(officer, contribution, 50_000)
    _receive(officer, contribution, 20_000)
    with tenant_context(body):
        posting = Transaction.objects.get(source_type="receipt", source_id=str(reversed_receipt.pk))
    transaction_reverse(actor=user, tenant=body, transaction_id=posting.pk, reason="Bounced")
    whole = contribution_ledger_totals(tenant=body, pool=pool)
    assert whole == {contribution.pk: (140_000, 50_000)}
    assert contribution_ledger_totals(tenant=body, pool=pool, contribution_ids=[contribution.pk]) == whole
    assert balances(pool)["pool_bank"] == 50_000
