"""The financial-governance pack's figures: the rows and checks of one pack (``Pack``).

The pack is for the body's own trustees and officers, not for publication, so it shows exact
figures, small counts included (``AUDIENCE``). Documents published beyond the body (a school's
inclusion annex, partnership reports, need signals) suppress small numbers instead."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from statistics import median
from typing import Any

from assurance.recoveries import RecoveryRow
from shared_resources.reporting import SharedResourcesSection

REPORT_KEY = "governance_pack"
AUDIENCE = (
    "This pack is for the body's trustees and officers and is not for publication. It shows exact "
    "figures, including counts under 5, so that trustees can hold the pool to account. No pupil is "
    "named: cases are counted, never listed. Documents published beyond the body (schools' inclusion "
    "annexes and partnership reports) show counts under 5 as suppressed."
)


def months_between(start: date, end: date) -> list[date]:
    months, day = [], date(start.year, start.month, 1)
    while day <= end:
        months.append(day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return months


@dataclass
class MonthRow:
    month: date
    brought_forward: int = 0
    expected: int = 0
    received: int = 0
    commitments: int = 0
    releases: int = 0
    recoveries: int = 0
    payments: int = 0
    reserve: int = 0
    cash_brought_forward: int = 0
    fund_balance: int = 0
    available: int = 0
    cash_balance: int = 0


@dataclass
class SchoolRow:
    school_id: int | None
    name: str
    urn: int | None
    phase: str
    expected: int = 0
    received: int = 0
    awards: int = 0
    paid: int = 0
    cases: int = 0
    approved: int = 0
    outcomes_achieved: int = 0
    outcomes_partly: int = 0
    outcomes_not_yet: int = 0
    sen_support: int | None = None
    ehc_plan: int | None = None

    @property
    def net(self) -> int:
        """Awards received less contributions made: positive means the school drew more
        from the pool than it put in."""
        return self.awards - self.received


@dataclass
class NeedPhaseRow:
    area: str
    phase: str
    decided: int = 0
    approved: int = 0
    awards: int = 0
    decision_days: list[int] = field(default_factory=list)
    within_target: int = 0
    award_amounts: list[int] = field(default_factory=list)

    @property
    def approval_rate(self) -> str:
        if not self.decided:
            return "–"
        return f"{100 * self.approved / self.decided:.0f}%"

    @property
    def median_days(self) -> str:
        return f"{median(self.decision_days):g}" if self.decision_days else "–"


@dataclass
class Check:
    """One line of the reconciliation: a figure of the pack (or of a subledger: instalments,
    payment runs, awards) against the figure it must equal. ``says`` words the two sides in
    the failure message; ``detail`` names the rows involved when they differ."""

    name: str
    pack_pence: int
    ledger_pence: int
    says: tuple[str, str] = ("the pack shows", "the ledger shows")
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.pack_pence == self.ledger_pence

    @property
    def difference(self) -> int:
        return self.pack_pence - self.ledger_pence


@dataclass
class Pack:
    body_name: str
    pool_label: str
    pool_starts_on: date
    pool_ends_on: date
    period_end: date
    generated_at: Any
    target_days: int
    months: list[MonthRow]
    totals: MonthRow
    schools: list[SchoolRow]
    need_phase: list[NeedPhaseRow]
    schedule: list[tuple[date, int]]
    schedule_later: int
    committed_outstanding: int
    outcomes_due: int
    outcomes_completed: int
    outcomes_by_result: dict[str, int]
    census_year: int | None
    checks: list[Check] = field(default_factory=list)
    shared: SharedResourcesSection | None = None
    recoveries: list[RecoveryRow] = field(default_factory=list)

    @property
    def opening_fund(self) -> int:
        return self.months[0].brought_forward if self.months else 0

    @property
    def closing_fund(self) -> int:
        return self.months[-1].fund_balance if self.months else 0

    @property
    def available(self) -> int:
        return self.months[-1].available if self.months else 0

    @property
    def cash_balance(self) -> int:
        return self.months[-1].cash_balance if self.months else 0

    @property
    def schedule_total(self) -> int:
        return sum(amount for _, amount in self.schedule) + self.schedule_later

    @property
    def reconciled(self) -> bool:
        return all(c.ok for c in self.checks)


def pupils(s: Any) -> int | None:
    """A school's (or a school row's) pupils with SEN in the census; None without figures."""
    if s.sen_support is None and s.ehc_plan is None:
        return None
    return (s.sen_support or 0) + (s.ehc_plan or 0)


def per_pupil(s: Any) -> int | None:
    """Awards per pupil with SEN, in pence (rounded half up); None without census figures or pupils."""
    count = pupils(s)
    if not count:
        return None
    quotient, remainder = divmod(s.awards, count)
    return quotient + (1 if remainder * 2 >= count else 0)


def census_cell(value: int | None) -> int | str:
    return "not available" if value is None else value
