"""Use against plan for Experts at Hand: per term and profession, the days available,
planned at schools and used, so over-allocation and under-use stand out."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from partnerships.models import ExpertAllocation, ExpertCapacity, Profession

LABELS = dict(Profession.choices)


@dataclass(frozen=True)
class UseLine:
    term: str
    profession: str
    profession_label: str
    capacity: Decimal
    planned: Decimal
    used: Decimal
    schools: int

    @property
    def unallocated(self) -> Decimal:
        return self.capacity - self.planned

    @property
    def over_by(self) -> Decimal:
        return max(self.planned - self.capacity, Decimal("0"))

    @property
    def over_allocated(self) -> bool:
        return self.planned > self.capacity

    @property
    def used_percent(self) -> int | None:
        return None if self.planned == 0 else round(self.used * 100 / self.planned)


def use_against_plan(capacity: list[ExpertCapacity], allocations: list[ExpertAllocation]) -> list[UseLine]:
    cap: dict[tuple[str, str], Decimal] = {(c.term, c.profession): c.days for c in capacity}
    planned: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    used: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    schools: dict[tuple[str, str], int] = defaultdict(int)
    for a in allocations:
        key = (a.term, a.profession)
        planned[key] += a.days_planned
        used[key] += a.days_used
        schools[key] += 1
    order = {p: i for i, p in enumerate(Profession.values)}
    keys = sorted(set(cap) | set(planned), key=lambda k: (k[0], order[k[1]]))
    return [
        UseLine(
            term=t,
            profession=p,
            profession_label=LABELS[p],
            capacity=cap.get((t, p), Decimal("0")),
            planned=planned[(t, p)],
            used=used[(t, p)],
            schools=schools[(t, p)],
        )
        for t, p in keys
    ]
