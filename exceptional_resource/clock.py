"""The decision clock: working days in England (weekends and bank holidays excluded, from
the ``holidays`` package), running from submission and paused while information is
requested."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


@lru_cache(maxsize=32)
def _weekday_bank_holidays(year: int) -> tuple[date, ...]:
    """The year's bank holidays that fall on a weekday, in order."""
    return tuple(sorted(day for day in _bank_holidays(year) if day.weekday() < 5))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def _weekdays_through(day: date) -> int:
    """Monday-to-Friday days from a fixed Monday (day 1 of the proleptic calendar) up to and
    including ``day``."""
    weeks, extra = divmod(day.toordinal(), 7)  # ordinal 1 (0001-01-01) is a Monday
    return weeks * 5 + min(extra, 5)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start).

    Counted, not walked day by day: the decision queue shows a clock for every case on its
    page, and a case paused for months walked hundreds of days each (issue 22). The bank
    holidays on weekdays in the span are found by bisecting each year's, not by testing
    each of them."""
    if end <= start:
        return 0
    weekdays = _weekdays_through(end) - _weekdays_through(start)
    holidays_on_weekdays = 0
    for year in range(start.year, end.year + 1):
        days = _weekday_bank_holidays(year)
        holidays_on_weekdays += bisect_right(days, end) - bisect_right(days, start)
    return weekdays - holidays_on_weekdays


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start``."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def elapsed_working_days(*, submitted_on: date, today: date, paused: list[tuple[date, date | None]]) -> int:
    """Working days the decision has taken so far, not counting paused spans
    (information requested → answered; an open pause runs to ``today``)."""
    total = working_days_between(submitted_on, today)
    for paused_from, resumed_on in paused:
        end = min(resumed_on or today, today)
        if end > paused_from:
            total -= working_days_between(paused_from, end)
    return max(total, 0)
