"""Funding periods: every boundary of the three calendars, leap years and label parsing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pooling.periods import Calendar, grant_year, overlap_days, period_of, period_starting


@pytest.mark.parametrize(
    ("day", "label", "starts", "ends"),
    [
        (date(2026, 3, 31), "2025-26", date(2025, 4, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), "2026-27", date(2026, 4, 1), date(2027, 3, 31)),
        (date(2027, 3, 31), "2026-27", date(2026, 4, 1), date(2027, 3, 31)),
        (date(2027, 4, 1), "2027-28", date(2027, 4, 1), date(2028, 3, 31)),
        (date(2026, 12, 31), "2026-27", date(2026, 4, 1), date(2027, 3, 31)),
        (date(2027, 1, 1), "2026-27", date(2026, 4, 1), date(2027, 3, 31)),
        (date(2099, 4, 1), "2099-00", date(2099, 4, 1), date(2100, 3, 31)),
    ],
)
def test_grant_year_turns_over_between_31_march_and_1_april(day: date, label: str, starts: date, ends: date) -> None:
    period = period_of(day)
    assert (period.calendar, period.label, period.starts_on, period.ends_on) == (
        Calendar.GRANT_YEAR,
        label,
        starts,
        ends,
    )
    assert period.contains(day)
    assert not period.contains(starts - timedelta(days=1))
    assert not period.contains(ends + timedelta(days=1))


@pytest.mark.parametrize(
    ("day", "label", "starts", "ends"),
    [
        (date(2026, 8, 31), "2025/26", date(2025, 9, 1), date(2026, 8, 31)),
        (date(2026, 9, 1), "2026/27", date(2026, 9, 1), date(2027, 8, 31)),
        (date(2027, 8, 31), "2026/27", date(2026, 9, 1), date(2027, 8, 31)),
        (date(2027, 1, 1), "2026/27", date(2026, 9, 1), date(2027, 8, 31)),
    ],
)
def test_academy_year_turns_over_between_31_august_and_1_september(
    day: date, label: str, starts: date, ends: date
) -> None:
    period = period_of(day, Calendar.ACADEMY_YEAR)
    assert (period.label, period.starts_on, period.ends_on) == (label, starts, ends)


@pytest.mark.parametrize(
    ("day", "label"),
    [(date(2026, 3, 31), "FY2025-26"), (date(2026, 4, 1), "FY2026-27"), (date(2027, 3, 31), "FY2026-27")],
)
def test_la_financial_year_runs_april_to_march_with_its_own_label(day: date, label: str) -> None:
    period = period_of(day, Calendar.LA_FINANCIAL_YEAR)
    assert period.label == label
    assert period_of(day).starts_on == period.starts_on


@pytest.mark.parametrize(
    ("label", "days", "has_29_february"),
    [
        ("2026-27", 365, False),
        ("2027-28", 366, True),  # 1 April 2027 to 31 March 2028 contains 29 February 2028
        ("2028-29", 365, False),  # 29 February 2028 falls in 2027-28, not here
        ("2031-32", 366, True),
        ("2099-00", 365, False),  # 2100 is not a leap year
    ],
)
def test_grant_year_days_count_29_february_in_the_year_that_contains_it(
    label: str, days: int, has_29_february: bool
) -> None:
    period = grant_year(label)
    assert period.days == days
    year = period.ends_on.year
    is_leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    assert (is_leap and period.contains(date(year, 2, 29))) == has_29_february


def test_academy_year_that_contains_29_february_has_366_days() -> None:
    assert period_starting(Calendar.ACADEMY_YEAR, 2027).days == 366  # Sep 2027 to Aug 2028
    assert period_starting(Calendar.ACADEMY_YEAR, 2028).days == 365
    assert period_starting(Calendar.ACADEMY_YEAR, 2099).days == 365  # Feb 2100 is not a leap day


@pytest.mark.parametrize("label", ["2026-27", " 2026-27 ", "1999-00", "2000-01"])
def test_grant_year_parses_good_labels(label: str) -> None:
    period = grant_year(label)
    assert period.label == label.strip()
    assert period.starts_on == date(int(label.strip()[:4]), 4, 1)


@pytest.mark.parametrize(
    "label",
    [
        "2026-28",
        "2026-26",
        "26-27",
        "2026/27",
        "FY2026-27",
        "2026-2027",
        "2026 27",
        "",
        "abcd-ef",
        "2026-7",
        "2026-027",
    ],
)
def test_grant_year_refuses_labels_that_do_not_name_one_year(label: str) -> None:
    with pytest.raises(ValueError, match="is not a funding period like 2026-27"):
        grant_year(label)


def test_overlap_days_counts_inclusive_days_inside_the_period() -> None:
    period = grant_year("2026-27")
    assert overlap_days(date(2026, 4, 1), None, period) == 365
    assert overlap_days(date(2020, 1, 1), date(2030, 1, 1), period) == 365
    assert overlap_days(date(2026, 9, 1), None, period) == 212  # 1 Sep 2026 to 31 Mar 2027
    assert overlap_days(date(2026, 4, 1), date(2026, 8, 31), period) == 153
    assert overlap_days(date(2026, 4, 1), date(2026, 4, 1), period) == 1
    assert overlap_days(date(2027, 3, 31), None, period) == 1
    assert overlap_days(date(2027, 4, 1), None, period) == 0
    assert overlap_days(date(2025, 4, 1), date(2026, 3, 31), period) == 0
    leap = grant_year("2027-28")
    assert overlap_days(date(2028, 2, 28), date(2028, 3, 1), leap) == 3
    assert overlap_days(date(2027, 9, 1), None, leap) == 213
