"""Dates as pages write them, the same text as the template filter ``date`` with the
format named, written directly: the filter parses its format and looks each letter up
on every call, and a table of fifty rows calls it fifty times or more (issue 22). Month
names are Django's, so they are translated as the filter's are."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.utils.dates import MONTHS, MONTHS_3


def short_date(day: date) -> str:
    """``day|date:"j M Y"``: "5 Jan 2027"."""
    return f"{day.day} {MONTHS_3[day.month].title()} {day.year:04d}"


def long_date(day: date) -> str:
    """``day|date:"j F Y"``: "5 January 2027"."""
    return f"{day.day} {MONTHS[day.month]} {day.year:04d}"


def short_dates() -> Callable[[date], str]:
    """:func:`short_date` for one page's many dates: each month's name is translated once
    (the translation is most of the cost of writing a date)."""
    return _writer(lambda month: MONTHS_3[month].title())


def long_dates() -> Callable[[date], str]:
    """:func:`long_date` for one page's many dates, each month's name translated once."""
    return _writer(lambda month: str(MONTHS[month]))


def _writer(month_name: Callable[[int], str]) -> Callable[[date], str]:
    months: dict[int, str] = {}

    def write(day: date) -> str:
        name = months.get(day.month)
        if name is None:
            name = months[day.month] = month_name(day.month)
        return f"{day.day} {name} {day.year:04d}"

    return write
