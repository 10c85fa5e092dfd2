"""Capacity under concurrency: real threads, each with its own database connection."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from core.errors import ConflictError
from core.tenancy import tenant_context
from shared_resources.models import Allocation, CapacityPeriod, ResourceRequest
from shared_resources.services.allocation import request_allocate, request_create
from tests.shared_resources.conftest import Scene, spring, teacher

PARALLEL = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_allocations_for_the_last_ten_units_allocate_exactly_ten(scene: Scene) -> None:
    period = spring(scene, teacher(scene), units=40)
    early = request_create(
        actor=scene.head.user, tenant=scene.body, period_id=period.pk, school_id=scene.school.pk, units=30
    )
    request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=early.pk)
    requests = [
        request_create(
            actor=scene.sendco.user, tenant=scene.body, period_id=period.pk, school_id=scene.school.pk, units=1
        )
        for _ in range(PARALLEL)
    ]
    barrier = threading.Barrier(PARALLEL)
    outcomes: list[str] = []
    lock = threading.Lock()

    def allocate(request_id: int) -> None:
        try:
            barrier.wait(timeout=60)
            request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=request_id)
            result = "ok"
        except ConflictError as exc:
            result = exc.code
        except BaseException as exc:  # noqa: BLE001 - every thread's outcome is asserted below
            result = f"error:{exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=allocate, args=(r.pk,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not any(t.is_alive() for t in threads)
    assert [o for o in outcomes if o.startswith("error")] == []
    assert (outcomes.count("ok"), outcomes.count("capacity_full")) == (10, 40)
    with tenant_context(scene.body):
        stored = CapacityPeriod.objects.get(pk=period.pk)
        assert (stored.allocated_units, stored.free_units) == (40, 0)
        assert Allocation.objects.filter(period=period).count() == 11
        assert ResourceRequest.objects.filter(status="allocated").count() == 11
        assert ResourceRequest.objects.filter(status="pending").count() == 40
