from __future__ import annotations

from datetime import date, timedelta

from exceptional_resource.clock import add_working_days, elapsed_working_days, is_working_day, working_days_between


def test_weekends_and_english_bank_holidays_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 12, 25))  # Christmas Day
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day (substitute)
    assert not is_working_day(date(2026, 8, 31))  # Late Summer bank holiday (England)
    assert is_working_day(date(2026, 12, 29))


def test_ten_working_days_over_christmas() -> None:
    # Submitted Friday 18 Dec 2026: 21-24, 29-31 Dec, 4-6 Jan (1 Jan is a bank holiday).
    assert add_working_days(date(2026, 12, 18), 10) == date(2027, 1, 6)
    assert working_days_between(date(2026, 12, 18), date(2027, 1, 6)) == 10


def test_the_clock_pauses_while_information_is_requested() -> None:
    submitted = date(2026, 11, 2)  # Monday
    today = date(2026, 11, 16)  # two weeks later: 10 working days
    assert elapsed_working_days(submitted_on=submitted, today=today, paused=[]) == 10
    # Paused from Wed 4 Nov to Mon 9 Nov: 5, 6, 9 Nov do not count.
    assert (
        elapsed_working_days(submitted_on=submitted, today=today, paused=[(date(2026, 11, 4), date(2026, 11, 9))]) == 7
    )
    # Still paused since Thu 12 Nov: 13 and 16 Nov do not count.
    assert elapsed_working_days(submitted_on=submitted, today=today, paused=[(date(2026, 11, 12), None)]) == 8


def test_working_days_between_counts_as_walking_day_by_day_would() -> None:
    """Issue 22: counted by weeks and bank holidays, not walked; the same answers as a walk
    over spans across weekends, year ends, substitute bank holidays and reversed spans."""
    import random

    def walked(start: date, end: date) -> int:
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += is_working_day(day)
        return count

    rng = random.Random(22)
    for _ in range(2_000):
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(1_500))
        end = start + timedelta(days=rng.randrange(-7, 800))
        assert working_days_between(start, end) == walked(start, end), (start, end)
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 29)) == 1  # 25th and 28th are bank holidays
