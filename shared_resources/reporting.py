"""The governance pack's shared-resources section: for one pool up to a date, each funded
resource's cost (its net commitment in the pool), what was paid, its capacity, what was
booked and delivered, utilisation and cost per unit delivered, and the checks that tie it
to the ledger. The pack (``assurance.governance``) calls
``shared_resources_section`` inside its snapshot; the preview page reads the same."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import CharField, Q, Sum
from django.db.models.functions import Cast

from pooling.models import AccountKind, Instalment, Leg, Pool
from pooling.selectors.paid import paid_q
from shared_resources.models import CapacityPeriod, Delivery, ResourceFunding, SharedResource
from shared_resources.selectors import whole_percent

SOURCE = ResourceFunding.SOURCE_TYPE


@dataclass
class SharedResourceLine:
    resource_id: int
    name: str
    kind_label: str
    unit: str
    committed_pence: int = 0
    paid_pence: int = 0
    capacity: int = 0
    booked: int = 0
    delivered: int = 0

    @property
    def utilisation_pct(self) -> int | None:
        """Delivered as a share of capacity in the period, whole per cent (half up)."""
        return whole_percent(self.delivered, self.capacity)

    @property
    def cost_per_unit_pence(self) -> int | None:
        """Cost committed in the pool per unit delivered, to the penny (half up)."""
        if not self.delivered:
            return None
        return (2 * self.committed_pence + self.delivered) // (2 * self.delivered)


@dataclass(frozen=True)
class SectionCheck:
    name: str
    pack_pence: int
    ledger_pence: int
    says: tuple[str, str]


@dataclass
class SharedResourcesSection:
    lines: list[SharedResourceLine]
    checks: list[SectionCheck] = field(default_factory=list)

    @property
    def committed_pence(self) -> int:
        return sum(line.committed_pence for line in self.lines)

    @property
    def paid_pence(self) -> int:
        return sum(line.paid_pence for line in self.lines)


def shared_resources_section(*, pool: Pool, period_end: date) -> SharedResourcesSection:
    """Every figure of the section in six aggregate queries, whatever the number of resources.
    Call inside the tenant's context (the pack's snapshot)."""
    fundings = dict(ResourceFunding.objects.values_list("pk", "resource_id"))
    committed: dict[int, int] = defaultdict(int)
    unattributed = 0
    legs = (
        Leg.objects.filter(
            account__pool=pool,
            account__kind=AccountKind.AWARDS,
            transaction__posted_on__lte=period_end,
            transaction__source_type=SOURCE,
        )
        .values("transaction__source_id")
        .annotate(total=Sum("amount_pence"))
        .order_by()
    )
    ledger_total = 0
    for r in legs:
        total = int(r["total"])
        ledger_total += total
        funding_id = int(r["transaction__source_id"]) if str(r["transaction__source_id"]).isdigit() else None
        if funding_id in fundings:
            committed[fundings[funding_id]] += total
        else:
            unattributed += total
    paid: dict[int, int] = defaultdict(int)
    for r in (
        Instalment.objects.filter(paid_q(period_end), payment_run__pool=pool, schedule__source_type=SOURCE)
        .values("schedule__source_id")
        .annotate(total=Sum("amount_pence"))
        .order_by()
    ):
        funding_id = int(r["schedule__source_id"])
        paid[fundings[funding_id]] += int(r["total"])
    in_period = Q(starts_on__lte=period_end, ends_on__gte=pool.starts_on)
    capacity = {
        r["resource_id"]: (int(r["capacity"]), int(r["booked"]))
        for r in CapacityPeriod.objects.filter(in_period)
        .values("resource_id")
        .annotate(capacity=Sum("capacity_units"), booked=Sum("allocated_units"))
        .order_by()
    }
    delivered = {
        r["allocation__period__resource_id"]: int(r["total"])
        for r in Delivery.objects.filter(delivered_on__gte=pool.starts_on, delivered_on__lte=period_end)
        .values("allocation__period__resource_id")
        .annotate(total=Sum("units"))
        .order_by()
    }
    wanted = set(committed) | set(paid)
    lines = []
    for resource in SharedResource.objects.filter(pk__in=wanted).order_by("name", "pk"):
        cap, booked = capacity.get(resource.pk, (0, 0))
        lines.append(
            SharedResourceLine(
                resource_id=resource.pk,
                name=resource.name,
                kind_label=resource.get_kind_display(),
                unit=resource.capacity_unit,
                committed_pence=committed.get(resource.pk, 0),
                paid_pence=paid.get(resource.pk, 0),
                capacity=cap,
                booked=booked,
                delivered=delivered.get(resource.pk, 0),
            )
        )
    section = SharedResourcesSection(lines=lines)
    funding_check = _funding_check(pool)
    if not lines and not ledger_total and not funding_check.pack_pence and not funding_check.ledger_pence:
        return section  # nothing of shared resources in this pool: no lines to check
    section.checks = [
        SectionCheck(
            "Shared resources: cost (section) against the ledger",
            section.committed_pence,
            ledger_total,
            says=("the section's cost sums to", "the ledger's shared-resource commitments in the pool come to"),
        ),
        funding_check,
    ]
    return section


def _funding_check(pool: Pool) -> SectionCheck:
    """Each funding from the pool, as it stands now, against its net commitment in the
    ledger in any of the body's pools (a period close moves its schedule on, and later
    changes post there). Varying or ending a funding changes its amount by exactly what
    is posted, so the two must agree. The body is named on the legs and transactions (not
    left to row-level security, whose policy the planner cannot use as an index condition)
    so the transactions are found through their (body, source type, source id) index: left
    to the policy, the planner read every account to find the awards accounts (a sequential
    scan of 68,940 accounts on the national data set, 35 ms against 0.3 ms)."""
    of_pool = ResourceFunding.objects.filter(pool=pool)
    refs = of_pool.annotate(ref=Cast("pk", output_field=CharField())).values("ref")
    amounts = int(of_pool.aggregate(t=Sum("amount_pence"))["t"] or 0)
    body_id = pool.responsible_body_id
    net = Leg.objects.filter(
        responsible_body_id=body_id,
        transaction__responsible_body_id=body_id,
        account__kind=AccountKind.AWARDS,
        transaction__source_type=SOURCE,
        transaction__source_id__in=refs,
    ).aggregate(t=Sum("amount_pence"))["t"]
    return SectionCheck(
        f"Shared resources: funding amounts against net commitments ({of_pool.count()} fundings)",
        amounts,
        int(net or 0),
        says=("the fundings' amounts sum to", "their net commitments in the ledger come to"),
    )
