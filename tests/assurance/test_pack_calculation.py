"""The governance pack's pure calculations (``assurance.governance.calculate``), tested
directly with Hypothesis: no database (these tests have no ``django_db`` mark, so any query
would fail them), ledger rows in, figures out.

For random ledger rows (any month of the period, any account, debits and credits, schools
or none, awards and other sources, carry-forward transactions on the balance-sheet
accounts only, as a period close posts them), the statement has one row per month of the
period, its totals are its months summed, each month's balances run on from the month
before by the month's flows, the by-school rows add up to the statement's totals, the net
per award adds up the awards rows source by source, the result does not depend on the
order of the rows, and every check of the reconciliation agrees against the balances the
same rows give the ledger."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from itertools import pairwise
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from assurance.governance.calculate import (
    FLOWS,
    area_of,
    award_amounts,
    census_year,
    reconcile,
    school_rows,
    statement,
)
from assurance.governance.pack import MonthRow, NeedPhaseRow, Pack, SchoolRow, months_between
from pooling.models import AccountKind, TransactionKind
from shared_resources.models import ResourceFunding

STARTS_ON = date(2026, 4, 1)
PERIOD_END = date(2027, 1, 20)
MONTHS = months_between(STARTS_ON, PERIOD_END)
# What a period close carries (``pooling.services.period_close``): the balance-sheet
# accounts and cash, balanced by carry_forward. Income and equity accounts never move.
CARRIED = [
    AccountKind.CARRY_FORWARD,
    AccountKind.CONTRIBUTIONS_RECEIVABLE,
    AccountKind.COMMITMENTS,
    AccountKind.PAYABLE_TO_SCHOOLS,
    AccountKind.POOL_BANK,
    AccountKind.PAYMENTS_MADE,
]
OTHER_KINDS = [k for k in TransactionKind.values if k != TransactionKind.CARRY_FORWARD]
SOURCES = ["award", "contribution", "payment_run", ResourceFunding.SOURCE_TYPE]


def _row(
    month: date,
    account: str,
    carried: bool,
    txn_kind: str,
    school: int | None,
    source: tuple[str, str],
    pos: int,
    neg: int,
) -> dict[str, Any]:
    return {
        "month": month,
        "account__kind": account,
        "transaction__kind": TransactionKind.CARRY_FORWARD if carried and account in CARRIED else txn_kind,
        "school_id": school,
        "transaction__source_type": source[0],
        "transaction__source_id": source[1],
        "pos": pos,
        "neg": neg,
    }


ledger_rows = st.lists(
    st.builds(
        _row,
        month=st.sampled_from(MONTHS),
        account=st.sampled_from(AccountKind.values),
        carried=st.booleans(),
        txn_kind=st.sampled_from(OTHER_KINDS),
        school=st.none() | st.integers(min_value=1, max_value=6),
        source=st.tuples(st.sampled_from(SOURCES), st.sampled_from(["1", "2", "3", "x"])),
        pos=st.integers(min_value=0, max_value=10_000_000_00),
        neg=st.integers(min_value=-10_000_000_00, max_value=0),
    ),
    max_size=40,
)


def _net(r: dict[str, Any]) -> int:
    return int(r["pos"]) + int(r["neg"])


def _balances(rows: list[dict[str, Any]]) -> dict[str, int]:
    """What ``pool_balances`` gives for the same legs: each account's net, debit positive."""
    balances = dict.fromkeys(AccountKind.values, 0)
    for r in rows:
        balances[r["account__kind"]] += _net(r)
    return balances


def _pack(months: list[MonthRow], totals: MonthRow, schools: list[SchoolRow], need_phase: list[NeedPhaseRow]) -> Pack:
    return Pack(
        body_name="Body",
        pool_label="2026-27",
        pool_starts_on=STARTS_ON,
        pool_ends_on=date(2027, 3, 31),
        period_end=PERIOD_END,
        generated_at=None,
        target_days=10,
        months=months,
        totals=totals,
        schools=schools,
        need_phase=need_phase,
        schedule=[],
        schedule_later=0,
        committed_outstanding=0,
        outcomes_due=0,
        outcomes_completed=0,
        outcomes_by_result={},
        census_year=None,
    )


@settings(max_examples=200, deadline=None)
@given(rows=ledger_rows)
def test_the_statement_runs_month_to_month_and_sums_to_its_totals(rows: list[dict[str, Any]]) -> None:
    months, totals = statement(STARTS_ON, PERIOD_END, rows)

    assert [m.month for m in months] == MONTHS
    assert totals.month == PERIOD_END
    for name in FLOWS:
        assert getattr(totals, name) == sum(getattr(m, name) for m in months), name

    fund = reserve = cash = 0
    for m in months:
        # The fund runs on by what came in less what was committed net of releases; the
        # available figure is the fund less the reserve held so far; cash by what moved.
        fund += m.brought_forward + m.expected + m.recoveries - (m.commitments - m.releases)
        reserve += m.reserve
        cash += m.cash_brought_forward + m.received - m.payments
        assert (m.fund_balance, m.available, m.cash_balance) == (fund, fund - reserve, cash)
        assert m.commitments >= 0
        assert m.releases >= 0
    for previous, m in pairwise(months):
        assert m.fund_balance - previous.fund_balance == (
            m.brought_forward + m.expected + m.recoveries - m.commitments + m.releases
        )
        assert m.cash_balance - previous.cash_balance == m.cash_brought_forward + m.received - m.payments
    assert (totals.fund_balance, totals.available, totals.cash_balance) == (
        (months[-1].fund_balance, months[-1].available, months[-1].cash_balance)
    )
    assert totals.fund_balance == (
        totals.brought_forward + totals.expected + totals.recoveries - totals.commitments + totals.releases
    )
    assert totals.available == totals.fund_balance - totals.reserve
    assert totals.cash_balance == totals.cash_brought_forward + totals.received - totals.payments


@settings(max_examples=200, deadline=None)
@given(rows=ledger_rows)
def test_the_statement_ties_each_line_to_its_accounts(rows: list[dict[str, Any]]) -> None:
    _, totals = statement(STARTS_ON, PERIOD_END, rows)
    balances = _balances(rows)
    carried_cash = sum(
        _net(r)
        for r in rows
        if r["transaction__kind"] == TransactionKind.CARRY_FORWARD
        and r["account__kind"] in (AccountKind.POOL_BANK, AccountKind.PAYMENTS_MADE)
    )

    assert totals.brought_forward == -balances["carry_forward"]
    assert totals.expected == -(balances["contributions"] + balances["reserve"])
    assert totals.reserve == -balances["reserve"]
    assert totals.recoveries == -balances["recoveries"]
    assert totals.commitments - totals.releases == balances["awards"]
    assert totals.commitments == sum(r["pos"] for r in rows if r["account__kind"] == AccountKind.AWARDS)
    assert totals.cash_brought_forward == carried_cash
    assert totals.cash_brought_forward + totals.received - totals.payments == (
        balances["pool_bank"] + balances["payments_made"]
    )


@settings(max_examples=200, deadline=None)
@given(rows=ledger_rows)
def test_the_school_rows_add_up_to_the_statement(rows: list[dict[str, Any]]) -> None:
    _, totals = statement(STARTS_ON, PERIOD_END, rows)
    schools = school_rows(rows)

    assert set(schools) <= {r["school_id"] for r in rows}
    assert all(s.school_id == key for key, s in schools.items())
    assert sum(s.expected for s in schools.values()) == totals.expected
    assert sum(s.received for s in schools.values()) == totals.received
    assert sum(s.awards for s in schools.values()) == totals.commitments - totals.releases
    assert sum(s.paid for s in schools.values()) == totals.payments
    for key, school in schools.items():
        own = [r for r in rows if r["school_id"] == key and r["transaction__kind"] != TransactionKind.CARRY_FORWARD]
        assert school.received == sum(_net(r) for r in own if r["account__kind"] == AccountKind.POOL_BANK)
        assert school.net == school.awards - school.received


@settings(max_examples=200, deadline=None)
@given(rows=ledger_rows)
def test_award_amounts_are_the_awards_rows_summed_source_by_source(rows: list[dict[str, Any]]) -> None:
    amounts = award_amounts(rows)
    expected: dict[str, int] = defaultdict(int)
    for r in rows:
        if r["account__kind"] == AccountKind.AWARDS:
            expected[f"{r['transaction__source_type']}:{r['transaction__source_id']}"] += _net(r)

    assert dict(amounts) == dict(expected)
    assert sum(amounts.values()) == _balances(rows)["awards"]


@settings(max_examples=200, deadline=None)
@given(rows=ledger_rows, data=st.data())
def test_the_order_of_the_rows_changes_nothing(rows: list[dict[str, Any]], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(rows))

    assert statement(STARTS_ON, PERIOD_END, shuffled) == statement(STARTS_ON, PERIOD_END, rows)
    assert school_rows(shuffled) == school_rows(rows)
    assert dict(award_amounts(shuffled)) == dict(award_amounts(rows))


@settings(max_examples=200, deadline=None)
@given(rows=ledger_rows)
def test_every_reconciliation_check_agrees_on_the_ledger_the_rows_came_from(rows: list[dict[str, Any]]) -> None:
    months, totals = statement(STARTS_ON, PERIOD_END, rows)
    schools = list(school_rows(rows).values())
    need_phase = [NeedPhaseRow(area=key, phase="–", awards=amount) for key, amount in award_amounts(rows).items()]
    pack = _pack(months, totals, schools, need_phase)

    checks = reconcile(pack, _balances(rows))

    assert len(checks) == 11
    assert [(c.name, c.difference) for c in checks if not c.ok] == []


def test_a_penny_out_on_one_school_fails_exactly_that_check() -> None:
    rows = [
        _row(MONTHS[0], AccountKind.CONTRIBUTIONS, False, "contribution_expected", 1, ("contribution", "1"), 0, -500),
        _row(MONTHS[0], AccountKind.CONTRIBUTIONS_RECEIVABLE, False, "contribution_expected", 1, ("c", "1"), 500, 0),
        _row(MONTHS[1], AccountKind.AWARDS, False, "commitment", 1, ("award", "1"), 300, 0),
        _row(MONTHS[1], AccountKind.COMMITMENTS, False, "commitment", 1, ("award", "1"), 0, -300),
    ]
    months, totals = statement(STARTS_ON, PERIOD_END, rows)
    schools = school_rows(rows)
    schools[1] = replace(schools[1], expected=schools[1].expected + 1)
    pack = _pack(months, totals, list(schools.values()), [NeedPhaseRow(area="Cognition", phase="Primary", awards=300)])

    failed = [(c.name, c.pack_pence, c.ledger_pence) for c in reconcile(pack, _balances(rows)) if not c.ok]

    assert failed == [("Contributions expected (by school)", 501, 500)]
    assert (totals.expected, totals.commitments, totals.fund_balance, totals.available) == (500, 300, 200, 200)


def test_a_row_before_the_pool_starts_gets_its_own_month_first() -> None:
    before = date(2026, 3, 1)
    rows = [_row(before, AccountKind.CARRY_FORWARD, True, "", None, ("pool_close", "1"), 0, -1_000)]

    months, totals = statement(STARTS_ON, PERIOD_END, rows)

    assert [m.month for m in months] == [before, *MONTHS]
    assert (months[0].brought_forward, months[-1].fund_balance, totals.brought_forward) == (1_000, 1_000, 1_000)


def test_the_census_year_and_area_of_need() -> None:
    assert census_year(date(2026, 8, 31)) == 2025
    assert census_year(date(2026, 9, 1)) == 2026
    areas = [{"area": "Sensory and physical", "needs": [{"code": "HI"}, {"code": "VI"}]}]
    assert area_of("VI", areas) == "Sensory and physical"
    assert area_of("SLCN", areas) == "Other"
