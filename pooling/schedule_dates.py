"""Pure date arithmetic of instalment schedules (no database): which months or terms a
schedule touches, and a total split over them by days so the parts sum exactly."""

from __future__ import annotations

from datetime import date, timedelta

MONTHLY = "monthly"


def _month_end(day: date) -> date:
    first_of_next = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def _term_end(day: date) -> date:
    """Autumn 1 Sep–31 Dec, spring 1 Jan–31 Mar, summer 1 Apr–31 Aug."""
    if day.month >= 9:
        return date(day.year, 12, 31)
    if day.month <= 3:
        return date(day.year, 3, 31)
    return date(day.year, 8, 31)


def schedule_parts(*, starts_on: date, ends_on: date, frequency: str) -> list[tuple[date, date]]:
    """The calendar months (or terms) ``[starts_on, ends_on]`` touches, clipped to it."""
    part_end = _month_end if frequency == MONTHLY else _term_end
    parts = []
    cursor = starts_on
    while cursor <= ends_on:
        end = min(part_end(cursor), ends_on)
        parts.append((cursor, end))
        cursor = end + timedelta(days=1)
    return parts


def split_by_days(total_pence: int, parts: list[tuple[date, date]]) -> list[int]:
    """Pro-rate ``total_pence`` over ``parts`` by their days: each part but the last gets the
    floor of its exact share and the last absorbs the rounding, so the parts sum exactly."""
    days = [(end - start).days + 1 for start, end in parts]
    total_days = sum(days)
    amounts = [total_pence * d // total_days for d in days[:-1]]
    return [*amounts, total_pence - sum(amounts)]


def extra_instalment_on(*, varied_on: date, starts_on: date, ends_on: date, paid_dues: set[date]) -> date:
    """When the one more instalment that raises a fully paid award is due: the day it is
    varied (the award's first or last day if that day is outside them), so the next payment
    run pays it; when a paid instalment was due that day, the next day within the award that
    none was, or at the award's end the latest day before it that none was. A one-day award
    whose day is paid has no other day: the instalment is due on it."""
    day = min(max(varied_on, starts_on), ends_on)
    later = day
    while later in paid_dues and later < ends_on:
        later += timedelta(days=1)
    if later not in paid_dues:
        return later
    earlier = day
    while earlier in paid_dues and earlier > starts_on:
        earlier -= timedelta(days=1)
    return earlier if earlier not in paid_dues else day
