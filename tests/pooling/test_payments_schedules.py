"""Instalment schedules: splitting an award into monthly or termly instalments that sum
exactly, committing and scheduling together, varying and stopping."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from core.errors import ApplicationError, ConflictError, NotFound
from core.models import AuditEvent
from core.tenancy import tenant_context
from pooling.models import Instalment, InstalmentSchedule, Transaction
from pooling.schedule_dates import extra_instalment_on
from pooling.selectors import pool_headroom
from pooling.services.ledger import InsufficientHeadroom, pool_open
from pooling.services.payments import (
    payment_run_confirm,
    schedule_create,
    schedule_parts,
    schedule_stop,
    schedule_vary,
    split_by_days,
)
from tests.factories import own_academy
from tests.pooling.conftest import fund
from tests.pooling.payments_support import amounts, award, balances, deciding_officer, instalments

pytestmark = pytest.mark.django_db

FIRST_OF_MONTHS_2026_27 = [date(2026, m, 1) for m in range(4, 13)] + [date(2027, m, 1) for m in range(1, 4)]


def _create(officer, pool, total, *, starts=date(2026, 4, 1), ends=date(2027, 3, 31), frequency="monthly", sid="s1"):  # type: ignore[no-untyped-def]
    return schedule_create(
        actor=officer.user,
        tenant=officer.responsible_body,
        pool=pool,
        school_id=own_academy(officer.responsible_body).pk,
        source_type="award",
        source_id=sid,
        total_pence=total,
        starts_on=starts,
        ends_on=ends,
        frequency=frequency,
    )


def test_seven_pence_over_twelve_months_sums_exactly(officer, pool) -> None:
    schedule = _create(officer, pool, 7)
    rows = instalments(schedule)
    assert [d for d, _a, _s in rows] == FIRST_OF_MONTHS_2026_27
    assert [a for _d, a, _s in rows] == [0] * 11 + [7]
    assert {s for _d, _a, s in rows} == {"scheduled"}


def test_one_penny_goes_to_the_last_instalment(officer, pool) -> None:
    assert amounts(_create(officer, pool, 1)) == [0] * 11 + [1]


def test_a_million_pounds_and_a_penny_over_thirteen_months(officer, pool) -> None:
    total = 1_000_000_01
    schedule = _create(officer, pool, total, ends=date(2027, 4, 30))
    parts = amounts(schedule)
    days = [30, 31, 30, 31, 31, 30, 31, 30, 31, 31, 28, 31, 30]
    assert len(parts) == 13
    assert parts[:-1] == [total * d // 395 for d in days[:-1]]
    assert parts[0] == 7_594_936
    assert parts[-1] == total - sum(parts[:-1]) == 7_594_943
    assert sum(parts) == total


def test_a_leap_year_february_has_twenty_nine_days(officer, pool) -> None:
    schedule = _create(officer, pool, 366_00, starts=date(2027, 4, 1), ends=date(2028, 3, 31))
    rows = instalments(schedule)
    february = next(a for d, a, _s in rows if d == date(2028, 2, 1))
    assert february == 29_00
    assert sum(a for _d, a, _s in rows) == 366_00


def test_termly_instalments_follow_the_school_terms_and_start_mid_term(officer, pool) -> None:
    schedule = _create(officer, pool, 351_00, starts=date(2026, 4, 15), ends=date(2027, 3, 31), frequency="termly")
    rows = instalments(schedule)
    # Summer 15 Apr to 31 Aug (139 days), autumn 1 Sep to 31 Dec (122), spring 1 Jan to 31 Mar (90).
    assert [d for d, _a, _s in rows] == [date(2026, 4, 15), date(2026, 9, 1), date(2027, 1, 1)]
    assert [a for _d, a, _s in rows] == [351_00 * 139 // 351, 351_00 * 122 // 351, 351_00 * 90 // 351]
    assert [a for _d, a, _s in rows] == [139_00, 122_00, 90_00]


def test_a_part_month_award_is_pro_rated_by_days(officer, pool) -> None:
    schedule = _create(officer, pool, 100_00, starts=date(2026, 9, 16), ends=date(2026, 11, 10))
    rows = instalments(schedule)
    # 15 days of September, 31 of October, 10 of November: 56 days.
    assert [d for d, _a, _s in rows] == [date(2026, 9, 16), date(2026, 10, 1), date(2026, 11, 1)]
    assert [a for _d, a, _s in rows] == [100_00 * 15 // 56, 100_00 * 31 // 56, 100_00 - 2678 - 5535]


@pytest.mark.parametrize("total", [1, 7, 99, 100, 12_345_67, 1_000_000_01, 987_654_321_09])
@pytest.mark.parametrize(
    ("starts", "ends", "frequency"),
    [
        (date(2026, 4, 1), date(2027, 3, 31), "monthly"),
        (date(2027, 2, 28), date(2028, 3, 1), "monthly"),
        (date(2027, 12, 31), date(2028, 12, 31), "termly"),
        (date(2026, 6, 6), date(2026, 6, 6), "monthly"),
    ],
)
def test_splits_always_sum_exactly(total: int, starts: date, ends: date, frequency: str) -> None:
    parts = schedule_parts(starts_on=starts, ends_on=ends, frequency=frequency)
    split = split_by_days(total, parts)
    assert sum(split) == total
    assert all(a >= 0 for a in split)
    assert parts[0][0] == starts
    assert parts[-1][1] == ends
    assert all(b[0].toordinal() == a[1].toordinal() + 1 for a, b in itertools.pairwise(parts))
    assert sum((e - s).days + 1 for s, e in parts) == (ends - starts).days + 1


def test_creating_a_schedule_twice_returns_the_first(officer, pool) -> None:
    first = _create(officer, pool, 1200_00)
    again = _create(officer, pool, 999_00)
    assert again.pk == first.pk
    with tenant_context(officer.responsible_body):
        assert Instalment.objects.count() == 12
        assert AuditEvent.objects.filter(verb="schedule.created").count() == 1


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"frequency": "weekly"}, "invalid_frequency", "frequency"),
        ({"total_pence": 0}, "invalid_amount", "total_pence"),
        ({"total_pence": -5}, "invalid_amount", "total_pence"),
        ({"ends_on": date(2026, 3, 31)}, "dates_out_of_order", "ends_on"),
        ({"school_id": 0}, "unknown_school", "school_id"),
        ({"ends_on": date(2037, 4, 30)}, "schedule_too_long", "ends_on"),
    ],
)
def test_bad_schedule_input_is_refused_on_its_field_and_writes_nothing(officer, pool, changes, code, field) -> None:
    body = officer.responsible_body
    kwargs = dict(
        actor=officer.user,
        tenant=body,
        pool=pool,
        school_id=own_academy(body).pk,
        source_type="award",
        source_id="bad",
        total_pence=100_00,
        starts_on=date(2026, 4, 1),
        ends_on=date(2027, 3, 31),
        frequency="monthly",
    )
    kwargs.update(changes)
    with pytest.raises(ApplicationError) as exc:
        schedule_create(**kwargs)
    assert (exc.value.code, exc.value.field) == (code, field)
    with tenant_context(body):
        assert InstalmentSchedule.objects.count() == 0


def test_commit_and_schedule_posts_the_commitment_once(officer, pool) -> None:
    fund(officer, pool, 10_000_00)
    school = own_academy(officer.responsible_body)
    first = award(officer, pool, 1_200_00, school=school)
    again = award(officer, pool, 1_200_00, school=school)
    assert (again.schedule.pk, again.transaction.pk) == (first.schedule.pk, first.transaction.pk)
    assert first.headroom.committed_outstanding_pence == 1_200_00
    assert first.headroom.available_on_expected_pence == 8_800_00
    assert sum(amounts(first.schedule)) == 1_200_00
    with tenant_context(officer.responsible_body):
        txn = Transaction.objects.get(kind="commitment")
    assert txn.idempotency_key == f"{officer.responsible_body.pk}:award-commit:award:1"


def test_commit_and_schedule_beyond_headroom_writes_nothing(officer, pool) -> None:
    fund(officer, pool, 500_00)
    with pytest.raises(InsufficientHeadroom) as exc:
        award(officer, pool, 500_01)
    assert exc.value.shortfall_pence == 1
    with tenant_context(officer.responsible_body):
        assert InstalmentSchedule.objects.count() == 0
        assert Transaction.objects.filter(kind="commitment").count() == 0


def test_commit_and_schedule_checks_the_schedule_before_committing(officer, pool) -> None:
    fund(officer, pool, 500_00)
    with pytest.raises(ApplicationError) as exc:
        award(officer, pool, 100_00, frequency="fortnightly")
    assert exc.value.field == "frequency"
    with tenant_context(officer.responsible_body):
        assert Transaction.objects.filter(kind="commitment").count() == 0


def test_varying_up_resplits_the_unpaid_instalments_and_commits_the_difference(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 10_000_00)
    scheduled = award(officer, pool, 1_200_00)  # 12 months, 365 days
    payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 5, 31), pay_on=date(2026, 6, 1)
    )
    paid = amounts(scheduled.schedule, "paid")
    assert sum(paid) == 1_200_00 * 30 // 365 + 1_200_00 * 31 // 365
    schedule = schedule_vary(
        actor=officer.user,
        tenant=body,
        source_type="award",
        source_id="1",
        new_total_pence=2_000_00,
        reason="More hours",
    )
    assert schedule.total_pence == 2_000_00
    assert amounts(schedule, "paid") == paid
    rest = amounts(schedule, "scheduled")
    remaining_days = [30, 31, 31, 30, 31, 30, 31, 31, 28, 31]
    expected = [(2_000_00 - sum(paid)) * d // 304 for d in remaining_days[:-1]]
    assert rest == [*expected, 2_000_00 - sum(paid) - sum(expected)]
    assert sum(amounts(schedule)) == 2_000_00
    headroom = pool_headroom(tenant=body, pool=pool)
    assert headroom.committed_outstanding_pence == 2_000_00 - sum(paid)
    assert headroom.available_on_expected_pence == 8_000_00
    # The same variation again changes nothing and posts nothing.
    with tenant_context(body):
        postings = Transaction.objects.filter(source_type="award").count()
    schedule_vary(actor=officer.user, tenant=body, source_type="award", source_id="1", new_total_pence=2_000_00)
    with tenant_context(body):
        assert Transaction.objects.filter(source_type="award").count() == postings
        assert AuditEvent.objects.filter(verb="schedule.varied").count() == 1


def test_varying_down_releases_and_cannot_go_below_what_is_paid(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 10_000_00)
    award(officer, pool, 1_200_00)
    payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 4, 30), pay_on=date(2026, 5, 1)
    )
    paid = 1_200_00 * 30 // 365
    with pytest.raises(ConflictError) as exc:
        schedule_vary(actor=officer.user, tenant=body, source_type="award", source_id="1", new_total_pence=paid - 1)
    assert (exc.value.code, exc.value.field) == ("below_paid", "new_total_pence")
    schedule = schedule_vary(
        actor=officer.user, tenant=body, source_type="award", source_id="1", new_total_pence=600_00
    )
    assert sum(amounts(schedule)) == 600_00
    assert pool_headroom(tenant=body, pool=pool).committed_outstanding_pence == 600_00 - paid
    with tenant_context(body):
        assert Transaction.objects.filter(kind="release", source_id="1").count() == 1


def test_varying_the_end_date_adds_or_releases_instalments(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 10_000_00)
    award(officer, pool, 600_00, ends_on=date(2026, 9, 30))  # six months
    schedule = schedule_vary(
        actor=officer.user,
        tenant=body,
        source_type="award",
        source_id="1",
        new_total_pence=600_00,
        new_ends_on=date(2026, 6, 30),
    )
    rows = instalments(schedule)
    assert [(d, s) for d, _a, s in rows if s == "scheduled"] == [
        (date(2026, 4, 1), "scheduled"),
        (date(2026, 5, 1), "scheduled"),
        (date(2026, 6, 1), "scheduled"),
    ]
    assert sum(a for _d, a, s in rows if s == "scheduled") == 600_00
    assert schedule.ends_on == date(2026, 6, 30)
    with pytest.raises(ApplicationError) as exc:
        schedule_vary(
            actor=officer.user,
            tenant=body,
            source_type="award",
            source_id="1",
            new_total_pence=600_00,
            new_ends_on=date(2026, 3, 1),
        )
    assert exc.value.field == "ends_on"


def test_stopping_releases_exactly_the_unpaid_instalments_after_the_date(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 10_000_00)
    award(officer, pool, 1_200_00)
    payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 6, 30), pay_on=date(2026, 7, 1)
    )
    stopped = schedule_stop(
        actor=officer.user, tenant=body, source_type="award", source_id="1", stop_on=date(2026, 9, 15)
    )
    rows = instalments(stopped.schedule)
    released = [a for d, a, s in rows if s == "released"]
    assert [d for d, _a, s in rows if s == "released"] == FIRST_OF_MONTHS_2026_27[6:]
    assert [d for d, _a, s in rows if s == "scheduled"] == [date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)]
    assert stopped.released_pence == sum(released) > 0
    assert stopped.released_count == 6
    with tenant_context(body):
        release = Transaction.objects.get(kind="release")
        assert sum(leg.amount_pence for leg in release.legs.filter(account__kind="commitments")) == sum(released)
    headroom = pool_headroom(tenant=body, pool=pool)
    assert headroom.committed_outstanding_pence == sum(a for _d, a, s in rows if s == "scheduled")
    assert stopped.schedule.total_pence == 1_200_00 - sum(released)
    assert stopped.schedule.stopped_on == date(2026, 9, 15)
    again = schedule_stop(
        actor=officer.user, tenant=body, source_type="award", source_id="1", stop_on=date(2026, 9, 15)
    )
    assert again.released_pence == 0
    with tenant_context(body):
        assert Transaction.objects.filter(kind="release").count() == 1
    with pytest.raises(ConflictError) as exc:
        schedule_vary(actor=officer.user, tenant=body, source_type="award", source_id="1", new_total_pence=5_000_00)
    assert exc.value.code == "schedule_stopped"
    assert sum(balances(pool).values()) == 0


def test_a_schedule_of_another_body_cannot_be_varied(officer, pool) -> None:
    from tests.factories import member

    fund(officer, pool, 1_000_00)
    award(officer, pool, 100_00)
    other = member("finance_officer", mfa=True)
    pool_open(actor=other.user, tenant=other.responsible_body, label="2026-27")
    with pytest.raises(NotFound) as exc:
        schedule_vary(
            actor=other.user, tenant=other.responsible_body, source_type="award", source_id="1", new_total_pence=1
        )
    assert exc.value.code == "not_found"


@pytest.mark.date_sensitive(today=date(2026, 12, 7))
def test_raising_a_fully_paid_award_adds_an_instalment_for_the_increase_that_the_next_run_pays(officer, pool) -> None:
    """Every instalment paid (here in advance, to March), the officer raises the award: the
    increase is one more instalment, due that day, committed and paid by the next run.
    Before, the variation was refused (``schedule_complete``, "record a new award for
    more"), though a decision on a case whose award runs varies that award: a dead end."""
    body = officer.responsible_body
    fund(officer, pool, 10_000_00)
    scheduled = award(officer, pool, 1_200_00)
    payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2027, 3, 31), pay_on=date(2026, 12, 7)
    )
    assert amounts(scheduled.schedule, "scheduled") == []
    decider = deciding_officer(body)
    schedule = schedule_vary(
        actor=decider, tenant=body, source_type="award", source_id="1", new_total_pence=1_500_00, reason="More"
    )
    assert schedule.total_pence == 1_500_00
    assert [(d, a) for d, a, s in instalments(schedule) if s == "scheduled"] == [(date(2026, 12, 7), 300_00)]
    assert sum(amounts(schedule)) == 1_500_00
    assert pool_headroom(tenant=body, pool=pool).committed_outstanding_pence == 300_00
    # Raised again before it is paid, the one extra instalment carries the whole increase;
    # lowered to what is paid, it is released.
    schedule_vary(actor=decider, tenant=body, source_type="award", source_id="1", new_total_pence=1_600_00)
    assert [(d, a) for d, a, s in instalments(schedule) if s == "scheduled"] == [(date(2026, 12, 7), 400_00)]
    schedule_vary(actor=decider, tenant=body, source_type="award", source_id="1", new_total_pence=1_200_00)
    assert amounts(schedule, "scheduled") == []
    assert pool_headroom(tenant=body, pool=pool).committed_outstanding_pence == 0
    schedule_vary(actor=decider, tenant=body, source_type="award", source_id="1", new_total_pence=1_250_00)
    run = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 12, 31), pay_on=date(2026, 12, 8)
    )
    assert run.total_pence == 50_00
    assert sum(amounts(schedule, "paid")) == 1_250_00
    assert pool_headroom(tenant=body, pool=pool).committed_outstanding_pence == 0


@pytest.mark.date_sensitive(today=date(2027, 5, 10))
def test_raising_a_fully_paid_award_after_its_last_day_makes_the_increase_due_on_that_day(officer) -> None:
    body = officer.responsible_body
    pool = pool_open(actor=officer.user, tenant=body, label="2026-27")
    fund(officer, pool, 10_000_00)
    award(officer, pool, 1_200_00, starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 31))
    payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 12, 31), pay_on=date(2027, 1, 4)
    )
    schedule = schedule_vary(
        actor=deciding_officer(body), tenant=body, source_type="award", source_id="1", new_total_pence=1_300_00
    )
    assert [(d, a) for d, a, s in instalments(schedule) if s == "scheduled"] == [(date(2026, 12, 31), 100_00)]


@pytest.mark.date_sensitive(today=date(2027, 1, 1))
def test_the_instalment_for_raising_a_fully_paid_award_is_not_due_on_a_day_a_paid_one_was(officer, pool) -> None:
    """Paid in advance to March and raised on 1 January, the day January's paid instalment was
    due: the increase is due the next day, so the school's statement and the next run show it
    apart from the payment already made, and it pays once."""
    body = officer.responsible_body
    fund(officer, pool, 10_000_00)
    award(officer, pool, 1_200_00)
    payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2027, 3, 31), pay_on=date(2027, 1, 1)
    )
    schedule = schedule_vary(
        actor=deciding_officer(body), tenant=body, source_type="award", source_id="1", new_total_pence=1_300_00
    )
    rows = instalments(schedule)
    assert [d for d, _a, s in rows if s == "paid"] == FIRST_OF_MONTHS_2026_27
    assert [(d, a) for d, a, s in rows if s == "scheduled"] == [(date(2027, 1, 2), 100_00)]
    # Raised again the same day, the one extra instalment carries the whole increase.
    schedule_vary(
        actor=deciding_officer(body), tenant=body, source_type="award", source_id="1", new_total_pence=1_350_00
    )
    assert [(d, a) for d, a, s in instalments(schedule) if s == "scheduled"] == [(date(2027, 1, 2), 150_00)]
    run = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2027, 1, 31), pay_on=date(2027, 1, 4)
    )
    assert run.total_pence == 150_00
    assert sum(amounts(schedule, "paid")) == 1_350_00


@pytest.mark.date_sensitive(today=date(2027, 5, 10))
def test_raised_after_its_last_day_paid_the_increase_is_due_the_day_before_it(officer) -> None:
    """The award's last day (1 December) is its last instalment's due day, paid: raised after
    it, the increase is due on 30 November, the latest day within the award no paid one has."""
    body = officer.responsible_body
    pool = pool_open(actor=officer.user, tenant=body, label="2026-27")
    fund(officer, pool, 10_000_00)
    award(officer, pool, 1_200_00, starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 1))
    payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 12, 31), pay_on=date(2027, 1, 4)
    )
    schedule = schedule_vary(
        actor=deciding_officer(body), tenant=body, source_type="award", source_id="1", new_total_pence=1_300_00
    )
    rows = instalments(schedule)
    assert [d for d, _a, s in rows if s == "paid"] == [date(2026, m, 1) for m in (9, 10, 11, 12)]
    assert [(d, a) for d, a, s in rows if s == "scheduled"] == [(date(2026, 11, 30), 100_00)]


@pytest.mark.parametrize(
    ("varied_on", "starts_on", "ends_on", "paid_dues", "due_on"),
    [
        (date(2026, 12, 7), date(2026, 4, 1), date(2027, 3, 31), {date(2026, 12, 1)}, date(2026, 12, 7)),
        (date(2027, 1, 1), date(2026, 4, 1), date(2027, 3, 31), {date(2027, 1, 1)}, date(2027, 1, 2)),
        # paid in advance before the award starts: its first day is paid, so the day after
        (date(2026, 3, 20), date(2026, 4, 1), date(2027, 3, 31), {date(2026, 4, 1)}, date(2026, 4, 2)),
        # after the end, on a last day that was paid, and the day before it too
        (
            date(2027, 5, 10),
            date(2026, 9, 1),
            date(2026, 12, 2),
            {date(2026, 12, 1), date(2026, 12, 2)},
            date(2026, 11, 30),
        ),
        (date(2027, 5, 10), date(2026, 12, 1), date(2026, 12, 1), {date(2026, 12, 1)}, date(2026, 12, 1)),  # one day
    ],
)
def test_the_extra_instalment_is_due_on_the_nearest_day_within_the_award_no_paid_one_has(
    varied_on: date, starts_on: date, ends_on: date, paid_dues: set[date], due_on: date
) -> None:
    assert extra_instalment_on(varied_on=varied_on, starts_on=starts_on, ends_on=ends_on, paid_dues=paid_dues) == due_on
