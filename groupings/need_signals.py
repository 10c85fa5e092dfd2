"""The one published interface through which anonymised need signals cross from the pool
side (exceptional resource) to local partnerships.

``partnerships`` and ``exceptional_resource`` are independent siblings (import-linter), so
the interface lives in this lower layer: ``exceptional_resource`` registers a provider
from its ``AppConfig.ready``; ``partnerships`` calls ``need_signals_for`` with the ids of
the bodies that have consented. What crosses is :class:`NeedSignalRow`: counts only, by
Code of Practice area of need, phase and term. Never money, never a pupil, never a school.

Disclosure rule (``publish_count``), applied by every provider to counts summed over all
the consenting bodies together:

- a count of 0 is published as 0 (no group is formed, so the row is simply absent);
- a count from 1 to 4 is **suppressed** (published as ``None``, shown as "fewer than 5");
- a count of 5 or more is **rounded to the nearest multiple of 5**, halves upwards
  (5, 6 and 7 → 5; 8 to 12 → 10), so a count never publishes below 5 and small changes
  (one trust's one case) are hidden by the rounding.

``need_signals_for`` checks every row a provider returns against the rule again, so a
provider that forgets it fails loudly instead of disclosing a small number."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Protocol

SUPPRESS_BELOW = 5
ROUND_TO = 5
TERMS = ("autumn", "spring", "summer")


@dataclass(frozen=True)
class NeedSignalRow:
    """One published count. ``cases`` and ``awards`` are rounded, or None when suppressed."""

    area_of_need: str
    phase: str
    term: str
    cases: int | None
    awards: int | None


SCHEMA_FIELDS = tuple(f.name for f in fields(NeedSignalRow))


class NeedSignalProvider(Protocol):
    def __call__(self, *, body_ids: Sequence[int], la_code: str) -> list[NeedSignalRow]: ...


_PROVIDERS: dict[str, NeedSignalProvider] = {}


def register_provider(name: str, provider: NeedSignalProvider | Callable[..., list[NeedSignalRow]]) -> None:
    """Called from a higher app's ``AppConfig.ready``; registering twice replaces."""
    _PROVIDERS[name] = provider


def registered_providers() -> tuple[str, ...]:
    return tuple(sorted(_PROVIDERS))


def publish_count(raw: int) -> int | None:
    """The disclosure rule: suppress 1-4, round 5 and over to the nearest 5 (halves up)."""
    if raw < 0:
        raise ValueError("A count cannot be negative.")
    if raw == 0:
        return 0
    if raw < SUPPRESS_BELOW:
        return None
    return ((raw + ROUND_TO // 2) // ROUND_TO) * ROUND_TO


def is_publishable(value: int | None) -> bool:
    return value is None or value == 0 or (value >= SUPPRESS_BELOW and value % ROUND_TO == 0)


def term_of(day: date) -> str:
    """The school term a date falls in, as ``2026/27 autumn``: autumn is September to
    December, spring January to March, summer April to August."""
    start_year = day.year if day.month >= 9 else day.year - 1
    if day.month >= 9:
        term = "autumn"
    elif day.month <= 3:
        term = "spring"
    else:
        term = "summer"
    return f"{start_year}/{(start_year + 1) % 100:02d} {term}"


class UnpublishableSignal(RuntimeError):
    """A provider returned a row that breaks the disclosure rule."""


def need_signals_for(*, body_ids: Sequence[int], la_code: str) -> list[NeedSignalRow]:
    """The need signals of ``body_ids`` (the bodies that consented) for schools in the
    area ``la_code``, from every registered provider, checked against the rule."""
    ids = sorted({int(b) for b in body_ids})
    if not ids:
        return []
    rows: list[NeedSignalRow] = []
    for name in registered_providers():
        for row in _PROVIDERS[name](body_ids=ids, la_code=la_code):
            if not isinstance(row, NeedSignalRow):
                raise UnpublishableSignal(f"Provider {name} returned {type(row).__name__}, not a NeedSignalRow.")
            if not (is_publishable(row.cases) and is_publishable(row.awards)):
                raise UnpublishableSignal(f"Provider {name} returned an unrounded or unsuppressed count: {row}.")
            rows.append(row)
    return sorted(rows, key=lambda r: (r.term, r.area_of_need, r.phase))
