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
from devtools.bench.explain_api import api_operations, explain_api
from devtools.bench.load import explain_pages
from devtools.synthetic import generate
from pooling.models import Pool
from shared_resources.models import (
    Allocation,
    CapacityPeriod,
    Delivery,
    ResourceFunding,
    ResourceRequest,
    SharedResource,
)

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
        # Each body: a post and a commissioned service at least, funded in every period's
        # pool, with requests, allocations and delivery; a current term has a request
        # waiting for its decision.
        for body_id in bodies:
            kinds = set(SharedResource.objects.filter(responsible_body_id=body_id).values_list("kind", flat=True))
            assert {"post", "service"} <= kinds, (body_id, kinds)
            funded_pools = set(
                ResourceFunding.objects.filter(responsible_body_id=body_id, amount_pence__gt=0).values_list(
                    "pool_id", flat=True
                )
            )
            assert funded_pools == set(Pool.objects.filter(responsible_body_id=body_id).values_list("pk", flat=True))
            assert Allocation.objects.filter(responsible_body_id=body_id).exists()
            assert Delivery.objects.filter(responsible_body_id=body_id).exists()
            assert ResourceRequest.objects.filter(responsible_body_id=body_id, status="pending").exists()
        service = SharedResource.objects.filter(kind="service").first()
        assert service is not None
        assert (service.capacity_unit, service.contract_value_pence) == ("sessions", 30_000_00)
        assert service.payee
        assert service.contract_reference
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
        assert any(p.endswith("/decide/") for p in shared_pages)  # the officer's allocation page
        assert any("/terms/" in p for p in shared_pages)  # a term's capacity
        explained = explain_pages(
            ctx, {r: [p for p in ps if "/shared-resources/" in p] for r, ps in paths.items()}, largest
        )
    statuses = {page: figures["status"] for page, figures in explained["pages_in_process"].items()}
    assert set(statuses.values()) == {200}, statuses
    assert explained["queries_explained"] >= 7
    assert explained["seq_scans_of_large_tables"] == []
    # The API half: register, capacity per resource and term, share by school, requests
    # (listed and made) and allocation answer, their SQL explained; the writes leave nothing.
    with platform_context():
        before = {m: m.objects.count() for m in (SharedResource, ResourceRequest, Allocation)}
    with time_machine.travel(AS_OF, tick=False):
        operations = api_operations(ctx)
        api = explain_api(ctx, largest)
    kinds = {(method, path.split("/shared-resources/")[1].split("?")[0]) for _, method, path, _ in operations}
    resource, request = ctx["resource_id"], ctx["pending_request_id"]
    assert {
        ("POST", "create/"),
        ("GET", f"{resource}/"),
        ("GET", f"{resource}/shares/"),
        ("GET", "requests/"),
        ("POST", "requests/create/"),
        ("POST", f"requests/{request}/allocate/"),
        ("GET", "schools/"),
    } <= kinds
    answered = {op: figures["status"] for op, figures in api["api_in_process"].items()}
    assert all(200 <= status < 300 for status in answered.values()), answered
    assert sorted(s for op, s in answered.items() if " POST " in op) == [200, 201, 201]
    assert api["api_queries_explained"] >= 30
    assert api["api_seq_scans_of_large_tables"] == []
    with platform_context():
        assert {m: m.objects.count() for m in before} == before
