"""The pack's calculations, pure: the pool statement by month, each school's position, the
net commitment per award and the totals checked against the ledger, all worked out from the
ledger rows handed in (one row per month, account kind, transaction kind, school and source,
with its debits ``pos`` and credits ``neg`` in pence) and plain dates. No database, no clock:
``gather`` reads the rows in one snapshot and calls these, and the property tests
(``tests/assurance/test_pack_calculation.py``) call them directly."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from assurance.governance.pack import Check, MonthRow, Pack, SchoolRow, months_between
from pooling.selectors.ledger import headroom_from_balances

LedgerRow = Mapping[str, Any]

# The flows that add up month by month; the balances (fund, available, cash) run on.
FLOWS = (
    "brought_forward",
    "expected",
    "received",
    "commitments",
    "releases",
    "recoveries",
    "payments",
    "reserve",
    "cash_brought_forward",
)


def statement(starts_on: date, period_end: date, rows: Iterable[LedgerRow]) -> tuple[list[MonthRow], MonthRow]:
    """The pool statement: one row per month from the pool's start to the period end (and
    any month a row falls in), each with its flows and the running fund, available and cash
    balances; and the totals (the flows summed, the balances at the end)."""
    by_month = {m: MonthRow(month=m) for m in months_between(starts_on, period_end)}
    for r in rows:
        m = by_month.setdefault(r["month"], MonthRow(month=r["month"]))
        pos, neg = int(r["pos"]), int(r["neg"])
        net, kind = pos + neg, r["account__kind"]
        if kind == "carry_forward":
            m.brought_forward -= net
        elif kind in ("contributions", "reserve"):
            m.expected -= net
            if kind == "reserve":
                m.reserve -= net
        elif kind == "recoveries":
            m.recoveries -= net
        elif kind == "awards":
            m.commitments += pos
            m.releases -= neg
        elif kind in ("pool_bank", "payments_made"):
            if r["transaction__kind"] == "carry_forward":
                m.cash_brought_forward += net
            elif kind == "pool_bank":
                m.received += net
            else:
                m.payments -= net
    months = sorted(by_month.values(), key=lambda m: m.month)
    fund = reserve = cash = 0
    totals = MonthRow(month=period_end)
    for m in months:
        fund += m.brought_forward + m.expected + m.recoveries - m.commitments + m.releases
        reserve += m.reserve
        cash += m.cash_brought_forward + m.received - m.payments
        m.fund_balance, m.available, m.cash_balance = fund, fund - reserve, cash
        for name in FLOWS:
            setattr(totals, name, getattr(totals, name) + getattr(m, name))
    totals.fund_balance, totals.available, totals.cash_balance = fund, fund - reserve, cash
    return months, totals


def school_rows(rows: Iterable[LedgerRow]) -> dict[int | None, SchoolRow]:
    """Each school's contributions expected and received, awards and payments in the
    period (carry-forward transactions left out), unnamed: ``gather`` names them."""
    schools: dict[int | None, SchoolRow] = {}

    def row(school_id: int | None) -> SchoolRow:
        if school_id not in schools:
            schools[school_id] = SchoolRow(school_id=school_id, name="", urn=None, phase="")
        return schools[school_id]

    for r in rows:
        kind, net = r["account__kind"], int(r["pos"]) + int(r["neg"])
        if r["transaction__kind"] == "carry_forward":
            continue
        if kind in ("contributions", "reserve") and net:
            row(r["school_id"]).expected -= net
        elif kind == "pool_bank" and net:
            row(r["school_id"]).received += net
        elif kind == "awards" and net:
            row(r["school_id"]).awards += net
        elif kind == "payments_made" and net:
            row(r["school_id"]).paid -= net
    return schools


def award_amounts(rows: Iterable[LedgerRow]) -> dict[str, int]:
    """Net committed per ledger source (``award:<id>``, or another source type)."""
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        if r["account__kind"] == "awards":
            key = f"{r['transaction__source_type']}:{r['transaction__source_id']}"
            totals[key] += int(r["pos"]) + int(r["neg"])
    return totals


def area_of(code: str, areas: list[dict[str, Any]]) -> str:
    """The area of need (as the policy groups them) that a need code belongs to."""
    for area in areas:
        if any(n.get("code") == code for n in area.get("needs", [])):
            return str(area["area"])
    return "Other"


def census_year(period_end: date) -> int:
    """The academic year (by its starting calendar year) that the period end falls in."""
    return period_end.year if period_end.month >= 9 else period_end.year - 1


def reconcile(pack: Pack, balances: dict[str, int]) -> list[Check]:
    """The pack's totals against the ledger's balances (``pooling.selectors``)."""
    ledger = headroom_from_balances(balances)
    t = pack.totals
    return [
        Check("Contributions expected (statement)", t.expected, ledger.expected_pence),
        Check("Brought forward (statement)", t.brought_forward, ledger.carried_forward_pence),
        Check("Recoveries (statement)", t.recoveries, ledger.recoveries_pence),
        Check("Awards net of releases (statement)", t.commitments - t.releases, balances["awards"]),
        Check("Reserve held (statement)", t.reserve, ledger.reserve_pence),
        Check("Available (statement)", pack.available, ledger.available_on_expected_pence),
        Check("Cash in the pool (statement)", pack.cash_balance, ledger.cash_pence),
        Check("Contributions expected (by school)", sum(s.expected for s in pack.schools), ledger.expected_pence),
        Check("Awards (by school)", sum(s.awards for s in pack.schools), balances["awards"]),
        Check("Paid to schools (by school)", sum(s.paid for s in pack.schools), t.payments),
        Check("Awards (by area of need and phase)", sum(r.awards for r in pack.need_phase), balances["awards"]),
    ]
