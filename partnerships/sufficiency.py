"""The sufficiency picture: specialist places (capacity) against the number on roll and
forecast demand, by need, phase and locality, and over the forecast years. Reads only;
a handful of queries whatever the size of the register."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from accounts.models import ResponsibleBody
from partnerships.models import (
    NEED_CODES,
    PHASES,
    CommissionedPlaces,
    DemandForecast,
    Partnership,
    Phase,
    PlannedPlaces,
)
from partnerships.models.vocab import NEED_LABELS

PHASE_LABELS = dict(Phase.choices)
# Occupancy above this is "full"; below the lower bound, places may be surplus.
FULL_PERCENT = 95
LOW_PERCENT = 80


def academic_year_of(day: date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def occupancy_percent(on_roll: int, places: int) -> int | None:
    return None if places == 0 else round(on_roll * 100 / places)


@dataclass(frozen=True)
class Line:
    """One row of the need-and-phase table. ``gap`` is demand less capacity that year:
    positive is a shortfall of places, negative a surplus."""

    need: str
    need_label: str
    phase: str
    phase_label: str
    places: int
    on_roll: int
    planned: int
    capacity: int
    demand: int | None
    occupancy: int | None
    gap: int | None

    @property
    def surplus(self) -> int:
        return -self.gap if self.gap is not None and self.gap < 0 else 0

    @property
    def status(self) -> str:
        if self.gap is not None and self.gap > 0:
            return "gap"
        if self.gap is not None and self.gap < 0:
            return "surplus"
        return "balanced" if self.gap == 0 else "no_forecast"


@dataclass(frozen=True)
class LocalityLine:
    locality: str
    settings: int
    places: int
    on_roll: int
    occupancy: int | None


@dataclass(frozen=True)
class YearLine:
    year: int
    label: str
    capacity: int
    demand: int
    gap: int


@dataclass
class Sufficiency:
    year: int
    years: list[int]
    lines: list[Line] = field(default_factory=list)
    localities: list[LocalityLine] = field(default_factory=list)
    trend: list[YearLine] = field(default_factory=list)

    @property
    def year_label(self) -> str:
        return year_label(self.year)

    @property
    def totals(self) -> dict[str, int | None]:
        demand = [ln.demand for ln in self.lines if ln.demand is not None]
        places = sum(ln.places for ln in self.lines)
        on_roll = sum(ln.on_roll for ln in self.lines)
        capacity = sum(ln.capacity for ln in self.lines)
        total_demand = sum(demand) if demand else None
        return {
            "places": places,
            "on_roll": on_roll,
            "planned": sum(ln.planned for ln in self.lines),
            "capacity": capacity,
            "demand": total_demand,
            "occupancy": occupancy_percent(on_roll, places),
            "gap": None if total_demand is None else total_demand - capacity,
            "surplus": None if total_demand is None else max(capacity - total_demand, 0),
        }

    def by_need(self) -> list[dict[str, object]]:
        """Totals per need across phases, in need order (what the chart draws)."""
        rows: dict[str, dict[str, int]] = {}
        for ln in self.lines:
            row = rows.setdefault(ln.need, {"capacity": 0, "on_roll": 0, "demand": 0})
            row["capacity"] += ln.capacity
            row["on_roll"] += ln.on_roll
            row["demand"] += ln.demand or 0
        return [{"need": n, **rows[n]} for n in NEED_CODES if n in rows]


def sufficiency(*, tenant: ResponsibleBody, partnership: Partnership, year: int | None = None) -> Sufficiency:
    places = list(
        CommissionedPlaces.objects.for_tenant(tenant)
        .filter(setting__partnership=partnership)
        .values("need", "phase", "places", "on_roll", "setting_id", "setting__locality")
    )
    planned = list(
        PlannedPlaces.objects.for_tenant(tenant)
        .filter(setting__partnership=partnership)
        .values("need", "phase", "places", "opens_on")
    )
    forecasts = list(
        DemandForecast.objects.for_tenant(tenant)
        .filter(partnership=partnership)
        .values("need", "phase", "year", "pupils")
    )
    years = sorted({f["year"] for f in forecasts})
    this_year = academic_year_of(timezone.localdate())
    if year not in years:
        year = next((y for y in years if y >= this_year), years[-1] if years else this_year)
    assert year is not None

    def opens_by(y: int) -> date:
        return date(y, 9, 1)

    current: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for p in places:
        current[(p["need"], p["phase"])][0] += p["places"]
        current[(p["need"], p["phase"])][1] += p["on_roll"]
    planned_by: dict[tuple[str, str], int] = defaultdict(int)
    for p in planned:
        if p["opens_on"] <= opens_by(year):
            planned_by[(p["need"], p["phase"])] += p["places"]
    demand: dict[tuple[str, str], int] = {(f["need"], f["phase"]): f["pupils"] for f in forecasts if f["year"] == year}

    result = Sufficiency(year=year, years=years)
    keys = set(current) | set(planned_by) | set(demand)
    for need in NEED_CODES:
        for phase in PHASES:
            if (need, phase) not in keys:
                continue
            n_places, n_roll = current.get((need, phase), [0, 0])
            extra = planned_by.get((need, phase), 0)
            wanted = demand.get((need, phase))
            capacity = n_places + extra
            result.lines.append(
                Line(
                    need=need,
                    need_label=NEED_LABELS[need],
                    phase=phase,
                    phase_label=PHASE_LABELS[phase],
                    places=n_places,
                    on_roll=n_roll,
                    planned=extra,
                    capacity=capacity,
                    demand=wanted,
                    occupancy=occupancy_percent(n_roll, n_places),
                    gap=None if wanted is None else wanted - capacity,
                )
            )

    by_locality: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    settings_by_locality: dict[str, set[int]] = defaultdict(set)
    for p in places:
        locality = p["setting__locality"] or "Not given"
        by_locality[locality][0] += p["places"]
        by_locality[locality][1] += p["on_roll"]
        settings_by_locality[locality].add(p["setting_id"])
    result.localities = [
        LocalityLine(loc, len(settings_by_locality[loc]), v[0], v[1], occupancy_percent(v[1], v[0]))
        for loc, v in sorted(by_locality.items())
    ]

    base = sum(p["places"] for p in places)
    for y in years:
        capacity = base + sum(p["places"] for p in planned if p["opens_on"] <= opens_by(y))
        wanted = sum(f["pupils"] for f in forecasts if f["year"] == y)
        result.trend.append(YearLine(y, year_label(y), capacity, wanted, wanted - capacity))
    return result
