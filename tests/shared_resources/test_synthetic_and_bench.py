"""The synthetic generator gives every body shared resources (funded in the ledger, terms,
requests, allocations within capacity, delivery), and the bench's EXPLAIN step renders the
shared-resources pages and explains their queries (here on the demo scale; ``make bench``
runs it on the national data set)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.db.models import F, Sum

from core.tenancy import platform_context
from devtools.bench.data import explain_journeys, sessions_for
from devtools.bench.load import explain_pages
from devtools.synthetic import generate
from pooling.models import Pool
from shared_resources.models import Allocation, CapacityPeriod, Delivery, ResourceFunding, SharedResource

AS_OF = date(2026, 11, 28)


# The EXPLAIN step opens and rolls back its own transactions, as it does on the bench's
# autocommit connection: so this test commits its data (transaction=True).
@pytest.mark.django_db(transaction=True)
def test_every_synthetic_body_has_shared_resources_and_the_explain_step_covers_their_pages() -> None:
    result = generate(scale="demo", seed=1, as_of=AS_OF)
    with platform_context():
        # Every body with schools in its grouping (a body with none has no pool either).
        bodies = set(Pool.objects.values_list("responsible_body_id", flat=True))
        assert len(bodies) >= 2
        with_resources = set(SharedResource.objects.values_list("responsible_body_id", flat=True))
        assert with_resources == bodies
        assert result.counts["SharedResource"] == SharedResource.objects.count() >= len(bodies)
        assert not CapacityPeriod.objects.filter(allocated_units__gt=F("capacity_units")).exists()
        by_period = dict(Allocation.objects.values("period_id").annotate(t=Sum("units")).values_list("period_id", "t"))
        for period_id, allocated in CapacityPeriod.objects.values_list("pk", "allocated_units"):
            assert allocated == by_period.get(period_id, 0)  # kept by the database's trigger
        assert Delivery.objects.exists()
        assert ResourceFunding.objects.filter(amount_pence__gt=0).count() >= len(bodies)
        largest = (
            SharedResource.objects.values("responsible_body_id")
            .annotate(n=Sum("periods__capacity_units"))
            .order_by("-n")
            .values_list("responsible_body_id", flat=True)
            .first()
        )
    assert largest is not None
    with time_machine.travel(AS_OF, tick=False):
        ctx: dict[str, Any] = sessions_for(largest)
        paths = explain_journeys(ctx)
        shared_pages = [p for pages in paths.values() for p in pages if "/shared-resources/" in p]
        assert len(shared_pages) >= 11
        assert any(p.endswith("/edit/") for p in shared_pages)
        assert any(p.endswith("/cancel/") for p in shared_pages)
        assert any(p.endswith("/capacity.csv") for p in shared_pages)
        explained = explain_pages(
            ctx, {r: [p for p in ps if "/shared-resources/" in p] for r, ps in paths.items()}, largest
        )
    statuses = {page: figures["status"] for page, figures in explained["pages_in_process"].items()}
    assert set(statuses.values()) == {200}, statuses
    assert explained["queries_explained"] >= 7
    assert explained["seq_scans_of_large_tables"] == []
