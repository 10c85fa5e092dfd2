"""Shared resources for each synthetic body: a specialist teacher (a post hosted by the
school with most need), a commissioned service (educational psychology sessions from a
provider) and, where the grouping has three or more schools, a support base, each with a
capacity per term, funding from every period's pool (committed in the ledger from the
share of the budget set aside for them and what the cases left, paid by the monthly runs
with the awards), requests from schools decided as they came (allocated within capacity,
waitlisted in a current term and declined in a past one when it is full; the newest request
of a current term still waiting for its decision), and delivery recorded for the terms
already begun."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from core.audit_verbs import AuditVerb
from pooling.periods import Period
from shared_resources.models import (
    Allocation,
    AllocationRules,
    CapacityPeriod,
    Delivery,
    ResourceFunding,
    ResourceRequest,
    SharedResource,
)

if TYPE_CHECKING:
    from devtools.synthetic.plan import BodyPlan
    from devtools.synthetic.register import SchoolSpec

RULES = [
    "Requests are decided in the order they arrive, against capacity left in the term.",
    "A school's share follows its pupils with SEN; no school holds more than half of a term.",
]
# (kind, name, unit, annual cost in pence, capacity per term)
RESOURCES = [
    ("post", "Specialist teacher (autism and communication)", "days", 52_000_00, 60),
    ("support_base", "SEMH support base", "places", 96_000_00, 8),
    ("service", "Educational psychology service", "sessions", 30_000_00, 24),
]
PROVIDER = "Synthetic Educational Psychology Partnership Ltd"
# The share of a period's budget (after the urgent reserve) set aside for shared resources
# before the cases take theirs, so every body funds them in every period.
SHARED_SHARE_BP = 2000
# Commitment tuples as ``BodyPlan.payments`` takes them.
Commitment = tuple[str, int, int, int, date, date, str, str]


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=UTC)


def _terms(period: Period) -> list[tuple[str, date, date]]:
    """Summer (April to August), autumn and spring terms of a grant year."""
    y = period.starts_on.year
    return [
        (f"Summer {y}", date(y, 4, 1), date(y, 8, 31)),
        (f"Autumn {y}", date(y, 9, 1), date(y, 12, 31)),
        (f"Spring {y + 1}", date(y + 1, 1, 1), date(y + 1, 3, 31)),
    ]


def register(plan: BodyPlan, schools: list[SchoolSpec], admin: tuple[int, str]) -> list[dict[str, Any]]:
    """The body's shared resources and its allocation rules (once, at the start)."""
    ctx, rows = plan.ctx, plan.rows
    first, last = ctx.periods[0], ctx.periods[-1]
    by_need = sorted(schools, key=lambda s: -(s.ehc_plans * 3 + s.sen_support))
    rules_id = ctx.new_id(AllocationRules)
    rows.add(AllocationRules, (rules_id, plan.body_id, 1, first.starts_on, RULES, admin[1], _at(first.starts_on)))
    made = []
    for n, (kind, name, unit, cost, capacity) in enumerate(RESOURCES):
        if kind == "support_base" and len(schools) < 3:
            continue
        host = by_need[n % len(by_need)]
        resource_id = ctx.new_id(SharedResource)
        ends = date(last.ends_on.year, 8, 31)
        areas = {"post": ["ASD", "SLCN"], "support_base": ["SEMH"], "service": ["SEMH", "MLD"]}[kind]
        payee = {"post": f"{plan.spec.legal_name} (employer)"[:200], "service": PROVIDER}.get(kind, "")
        rows.add(SharedResource, (
            resource_id, plan.body_id, kind, name, areas, unit, "term", ctx.school_ids[host.urn], payee,
            f"EP-{resource_id}" if kind == "service" else "", first.starts_on, ends, 100 if kind == "post" else None,
            cost if kind != "service" else None, capacity if kind == "support_base" else None, None,
            cost if kind == "service" else None, admin[1], _at(first.starts_on),
        ))  # fmt: skip
        plan.audit(actor=admin, verb=AuditVerb.SHARED_RESOURCE_REGISTERED, obj="shared_resources.sharedresource",
                   obj_id=resource_id, label=name, at=_at(first.starts_on))  # fmt: skip
        made.append({"id": resource_id, "kind": kind, "cost": cost, "capacity": capacity,
                     "host": ctx.school_ids[host.urn], "unit": unit})  # fmt: skip
    return made


def fund_and_allocate(
    plan: BodyPlan,
    resources: list[dict[str, Any]],
    period: Period,
    pool: dict[str, Any],
    schools: list[SchoolSpec],
    weights: list[int],
    budget: int,
    finance: tuple[int, str],
) -> list[Commitment]:
    """One period: each resource's terms, its funding from the pool (what the budget left by
    the cases allows, up to its annual cost), requests, allocations and delivery."""
    ctx, rows, rng = plan.ctx, plan.rows, plan.rng
    commitments: list[Commitment] = []
    for n, resource in enumerate(resources):
        host = resource["host"]
        amount = min(resource["cost"], max(budget, 0) // (len(resources) - n)) // 100 * 100
        if amount > 0:
            budget -= amount
            funding_id = ctx.new_id(ResourceFunding)
            rows.add(ResourceFunding, (
                funding_id, plan.body_id, resource["id"], pool["id"], amount, period.starts_on, period.ends_on,
                "monthly", "active", None, finance[1], _at(period.starts_on),
            ))  # fmt: skip
            plan.post(pool=pool, kind="commitment", on=period.starts_on,
                      description=f"Shared resource funded for {period.label}",
                      key=f"commit:{ResourceFunding.SOURCE_TYPE}:{funding_id}",
                      source=(ResourceFunding.SOURCE_TYPE, funding_id),
                      legs=[("awards", amount, host), ("commitments", -amount, host)])  # fmt: skip
            plan.audit(actor=finance, verb=AuditVerb.SHARED_RESOURCE_FUNDED, obj="shared_resources.resourcefunding",
                       obj_id=funding_id, label=f"Funded for {period.label}", at=_at(period.starts_on),
                       after={"amount_pence": amount})  # fmt: skip
            commitments.append((ResourceFunding.SOURCE_TYPE, funding_id, resource["host"], amount,
                                period.starts_on, period.ends_on, "monthly", "active"))  # fmt: skip
        for label, starts, ends in _terms(period):
            if starts > ctx.as_of:
                continue
            capacity = resource["capacity"]
            period_id = ctx.new_id(CapacityPeriod)
            rows.add(CapacityPeriod, (period_id, plan.body_id, resource["id"], label, starts, ends, capacity, 0))
            left = capacity
            asking = rng.choices(range(len(schools)), weights=weights, k=min(len(schools), 6))
            current = ends >= ctx.as_of
            for number, index in enumerate(asking):
                school_id = ctx.school_ids[schools[index].urn]
                units = 1 if resource["kind"] == "support_base" else rng.randint(3, 15)
                request_id = ctx.new_id(ResourceRequest)
                asked_at = _at(starts)
                if current and number == len(asking) - 1:
                    rows.add(ResourceRequest, (
                        request_id, plan.body_id, resource["id"], period_id, school_id, None, units,
                        starts if resource["kind"] == "support_base" else None, "", "pending", "", "", None, None,
                        "synthetic", _at(ctx.as_of),
                    ))  # fmt: skip
                elif units <= left:
                    left -= units
                    rows.add(ResourceRequest, (
                        request_id, plan.body_id, resource["id"], period_id, school_id, None, units,
                        starts if resource["kind"] == "support_base" else None, "", "allocated", "",
                        plan.officer[1], asked_at, 1, "synthetic", asked_at,
                    ))  # fmt: skip
                    allocation_id = ctx.new_id(Allocation)
                    rows.add(Allocation, (allocation_id, plan.body_id, request_id, period_id, school_id, units,
                                          plan.officer[1], asked_at))  # fmt: skip
                    if starts < ctx.as_of:
                        done = max(1, round(units * rng.uniform(0.6, 1.0)))
                        delivered_on = min(ends, ctx.as_of)
                        rows.add(Delivery, (ctx.new_id(Delivery), plan.body_id, allocation_id, delivered_on, done,
                                            "", "synthetic", _at(delivered_on)))  # fmt: skip
                else:
                    rows.add(ResourceRequest, (
                        request_id, plan.body_id, resource["id"], period_id, school_id, None, units,
                        starts if resource["kind"] == "support_base" else None, "",
                        "waitlisted" if current else "declined", "No capacity left this term.", plan.officer[1],
                        asked_at, 1, "synthetic", asked_at,
                    ))  # fmt: skip
    return commitments
