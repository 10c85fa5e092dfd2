"""``core.dates``: the same text as the template filter ``date`` with the same format, on
every month, the first and last days, leap days and years before 1000."""

from __future__ import annotations

from datetime import date

import pytest
from django.template import Context, Template

from core.dates import long_date, long_dates, short_date, short_dates

DAYS = [date(2027, month, 1) for month in range(1, 13)] + [
    date(2026, 12, 31),
    date(2028, 2, 29),
    date(999, 3, 9),
    date(1, 1, 1),
    date(9999, 12, 31),
]


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_short_and_long_dates_are_the_date_filter_s(day: date) -> None:
    filtered = Template('{{ day|date:"j M Y" }}|{{ day|date:"j F Y" }}').render(Context({"day": day}))
    assert f"{short_date(day)}|{long_date(day)}" == filtered


def test_the_text_of_a_known_day() -> None:
    assert short_date(date(2027, 1, 5)) == "5 Jan 2027"
    assert long_date(date(2027, 1, 5)) == "5 January 2027"
    assert short_date(date(2026, 9, 30)) == "30 Sep 2026"
    assert long_date(date(2026, 9, 30)) == "30 September 2026"


def test_one_page_s_dates_are_short_date_s() -> None:
    short, long = short_dates(), long_dates()
    for day in [*DAYS, *DAYS]:  # each month's name twice: once translated, once remembered
        assert short(day) == short_date(day)
        assert long(day) == long_date(day)
