"""Dates to periods. One helper serves the three calendars money is reported in:

- the IMF grant year, 1 April to 31 March, labelled "2026-27" (the pool's funding period);
- the academy year, 1 September to 31 August, labelled "2026/27" (academy trusts' accounts);
- the local authority financial year, 1 April to 31 March, labelled "FY2026-27".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Calendar(StrEnum):
    GRANT_YEAR = "grant_year"
    ACADEMY_YEAR = "academy_year"
    LA_FINANCIAL_YEAR = "la_financial_year"


_START_MONTH = {Calendar.GRANT_YEAR: 4, Calendar.ACADEMY_YEAR: 9, Calendar.LA_FINANCIAL_YEAR: 4}


@dataclass(frozen=True)
class Period:
    calendar: Calendar
    start_year: int
    starts_on: date
    ends_on: date

    @property
    def label(self) -> str:
        short = f"{(self.start_year + 1) % 100:02d}"
        if self.calendar == Calendar.ACADEMY_YEAR:
            return f"{self.start_year}/{short}"
        if self.calendar == Calendar.LA_FINANCIAL_YEAR:
            return f"FY{self.start_year}-{short}"
        return f"{self.start_year}-{short}"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def period_starting(calendar: Calendar, start_year: int) -> Period:
    month = _START_MONTH[calendar]
    ends = date(start_year + 1, month, 1).toordinal() - 1
    return Period(calendar, start_year, date(start_year, month, 1), date.fromordinal(ends))


def period_of(day: date, calendar: Calendar = Calendar.GRANT_YEAR) -> Period:
    """The period of ``calendar`` that contains ``day``."""
    start_year = day.year if day.month >= _START_MONTH[calendar] else day.year - 1
    return period_starting(calendar, start_year)


_GRANT_LABEL = re.compile(r"^(\d{4})-(\d{2})$")


def grant_year(label: str) -> Period:
    """Parse "2026-27" into the grant year it names; refuses "2026-28" or "26-27"."""
    match = _GRANT_LABEL.match(label.strip())
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise ValueError(f"{label!r} is not a funding period like 2026-27.")
    return period_starting(Calendar.GRANT_YEAR, int(match[1]))


def overlap_days(start: date, end: date | None, period: Period) -> int:
    """Days of [start, end] (inclusive; open-ended when ``end`` is None) inside ``period``."""
    first = max(start, period.starts_on)
    last = min(end or period.ends_on, period.ends_on)
    return max(0, (last - first).days + 1)
