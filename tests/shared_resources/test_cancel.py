"""Withdrawing a request (the school's own, before a decision) and cancelling an allocation
(an officer, with a reason): capacity given back by the database, delivered units kept,
every refusal writing nothing, pages and API, and a cancellation racing allocations."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from django.db import DatabaseError, connections, transaction

from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.models import AuditEvent
from core.tenancy import tenant_context
from shared_resources.models import Allocation, CapacityPeriod, ResourceRequest
from shared_resources.services.allocation import delivery_record, request_allocate, request_create, request_waitlist
from shared_resources.services.cancel import allocation_cancel, request_withdraw
from tests.shared_resources.conftest import Scene, spring, teacher
from tests.shared_resources.test_api import api
from tests.shared_resources.test_api import url as api_url
from tests.shared_resources.test_pages import client_for, field_error, text, url

pytestmark = pytest.mark.django_db


def _ask(scene: Scene, period: CapacityPeriod, units: int, *, school: Any = None) -> ResourceRequest:
    school = school or scene.school
    actor = scene.sendco.user if school == scene.school else scene.other_head.user
    return request_create(actor=actor, tenant=scene.body, period_id=period.pk, school_id=school.pk, units=units)


def _state(scene: Scene, period: CapacityPeriod) -> tuple[Any, ...]:
    with tenant_context(scene.body):
        p = CapacityPeriod.objects.get(pk=period.pk)
        return (
            p.allocated_units,
            tuple(ResourceRequest.objects.order_by("pk").values_list("status", flat=True)),
            tuple(Allocation.objects.order_by("pk").values_list("units", "cancelled_units")),
            AuditEvent.objects.count(),
        )


def test_a_school_withdraws_its_own_pending_or_waitlisted_request(scene: Scene) -> None:
    period = spring(scene, teacher(scene), units=20)
    pending = _ask(scene, period, 6)
    waiting = _ask(scene, period, 4)
    request_waitlist(actor=scene.officer.user, tenant=scene.body, request_id=waiting.pk, reason="Full for now")
    done = request_withdraw(actor=scene.sendco.user, tenant=scene.body, request_id=pending.pk, reason="Met in house")
    assert (done.status, done.decision_reason, done.decided_by_label) == (
        "withdrawn",
        "Met in house",
        scene.sendco.user.email,
    )
    assert request_withdraw(actor=scene.head.user, tenant=scene.body, request_id=waiting.pk).status == "withdrawn"
    with tenant_context(scene.body):
        assert AuditEvent.objects.filter(verb=AuditVerb.SHARED_RESOURCE_REQUEST_WITHDRAWN).count() == 2
        assert CapacityPeriod.objects.get(pk=period.pk).allocated_units == 0
    before = _state(scene, period)
    with pytest.raises(ConflictError) as exc:
        request_withdraw(actor=scene.sendco.user, tenant=scene.body, request_id=pending.pk)
    assert exc.value.code == "request_not_open"
    assert _state(scene, period) == before


def test_withdrawing_is_refused_for_another_school_an_allocated_request_and_an_officer(scene: Scene) -> None:
    period = spring(scene, teacher(scene), units=20)
    theirs = _ask(scene, period, 3, school=scene.other_school)
    allocated = _ask(scene, period, 5)
    request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=allocated.pk)
    before = _state(scene, period)
    with pytest.raises(NotFound):
        request_withdraw(actor=scene.sendco.user, tenant=scene.body, request_id=theirs.pk)
    with pytest.raises(ConflictError) as exc:
        request_withdraw(actor=scene.sendco.user, tenant=scene.body, request_id=allocated.pk)
    assert exc.value.code == "request_not_open"
    with pytest.raises(ApplicationError) as refused:
        request_withdraw(actor=scene.officer.user, tenant=scene.body, request_id=theirs.pk)
    assert refused.value.code == "not_allowed"
    with pytest.raises(ApplicationError) as long_reason:
        request_withdraw(actor=scene.other_head.user, tenant=scene.body, request_id=theirs.pk, reason="x" * 501)
    assert (long_reason.value.code, long_reason.value.field) == ("invalid_value", "reason")
    assert _state(scene, period) == before


def test_cancelling_an_undelivered_allocation_gives_every_unit_back(scene: Scene) -> None:
    period = spring(scene, teacher(scene), units=10)
    first = _ask(scene, period, 10)
    allocation = request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=first.pk)
    later = _ask(scene, period, 4, school=scene.other_school)
    with pytest.raises(ConflictError):
        request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=later.pk)
    done = allocation_cancel(
        actor=scene.officer.user, tenant=scene.body, allocation_id=allocation.pk, reason="Pupil moved school"
    )
    assert (done.units, done.cancelled_units, done.cancel_reason) == (0, 10, "Pupil moved school")
    with tenant_context(scene.body):
        assert CapacityPeriod.objects.get(pk=period.pk).allocated_units == 0
        request = ResourceRequest.objects.get(pk=first.pk)
        assert (request.status, request.decision_reason) == ("cancelled", "Pupil moved school")
        event = AuditEvent.objects.get(verb=AuditVerb.SHARED_RESOURCE_ALLOCATION_CANCELLED)
        assert (event.before["units"], event.after["units"], event.after["freed_units"]) == (10, 0, 10)
        assert event.after["request_status"] == "cancelled"
    # The freed units are allocated to the next school.
    request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=later.pk)
    with tenant_context(scene.body):
        assert CapacityPeriod.objects.get(pk=period.pk).allocated_units == 4
    with pytest.raises(ConflictError) as again:
        allocation_cancel(actor=scene.officer.user, tenant=scene.body, allocation_id=allocation.pk, reason="Again")
    assert again.value.code == "request_not_open"


def test_delivered_units_stay_and_only_the_rest_is_cancelled(scene: Scene) -> None:
    period = spring(scene, teacher(scene), units=12)
    allocation = request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=_ask(scene, period, 10).pk)
    delivery_record(
        actor=scene.officer.user,
        tenant=scene.body,
        allocation_id=allocation.pk,
        delivered_on=date(2027, 1, 20),
        units=4,
    )
    done = allocation_cancel(
        actor=scene.officer.user, tenant=scene.body, allocation_id=allocation.pk, reason="Teacher on long-term leave"
    )
    assert (done.units, done.cancelled_units) == (4, 6)
    with tenant_context(scene.body):
        assert CapacityPeriod.objects.get(pk=period.pk).allocated_units == 4
        assert ResourceRequest.objects.get(pk=allocation.request_id).status == "allocated"
    before = _state(scene, period)
    with pytest.raises(ConflictError) as exc:
        allocation_cancel(actor=scene.officer.user, tenant=scene.body, allocation_id=allocation.pk, reason="More")
    assert exc.value.code == "all_delivered"
    with pytest.raises(ConflictError) as late:
        delivery_record(
            actor=scene.officer.user,
            tenant=scene.body,
            allocation_id=allocation.pk,
            delivered_on=date(2027, 2, 1),
            units=1,
        )
    assert late.value.code == "request_not_open"
    assert _state(scene, period) == before


def test_a_fully_delivered_allocation_cannot_be_cancelled(scene: Scene) -> None:
    period = spring(scene, teacher(scene), units=12)
    allocation = request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=_ask(scene, period, 3).pk)
    delivery_record(
        actor=scene.officer.user,
        tenant=scene.body,
        allocation_id=allocation.pk,
        delivered_on=date(2027, 1, 20),
        units=3,
    )
    before = _state(scene, period)
    with pytest.raises(ConflictError) as exc:
        allocation_cancel(actor=scene.officer.user, tenant=scene.body, allocation_id=allocation.pk, reason="Late")
    assert exc.value.code == "all_delivered"
    assert "delivered units cannot be cancelled" in exc.value.message
    assert _state(scene, period) == before


@pytest.mark.parametrize(
    ("who", "reason", "code"),
    [("officer", "", "missing_field"), ("officer", "x" * 501, "invalid_value"), ("head", "Moved", "not_allowed")],
)
def test_bad_cancellations_write_nothing(scene: Scene, who: str, reason: str, code: str) -> None:
    period = spring(scene, teacher(scene), units=12)
    allocation = request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=_ask(scene, period, 5).pk)
    actor = scene.officer.user if who == "officer" else scene.head.user
    before = _state(scene, period)
    with pytest.raises(ApplicationError) as exc:
        allocation_cancel(actor=actor, tenant=scene.body, allocation_id=allocation.pk, reason=reason)
    assert exc.value.code == code
    assert _state(scene, period) == before


def test_the_database_keeps_a_cancellation_final(scene: Scene) -> None:
    period = spring(scene, teacher(scene), units=12)
    allocation = request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=_ask(scene, period, 5).pk)
    allocation_cancel(actor=scene.officer.user, tenant=scene.body, allocation_id=allocation.pk, reason="Moved")
    with tenant_context(scene.body), pytest.raises(DatabaseError, match="stays cancelled"), transaction.atomic():
        Allocation.objects.filter(pk=allocation.pk).update(units=5)
    with tenant_context(scene.body):
        assert CapacityPeriod.objects.get(pk=period.pk).allocated_units == 0


def test_withdraw_and_cancel_pages(scene: Scene) -> None:
    period = spring(scene, teacher(scene), units=12)
    pending = _ask(scene, period, 2)
    allocated = _ask(scene, period, 5)
    allocation = request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=allocated.pk)
    sendco = client_for(scene.sendco.user)
    listing = text(sendco.get(url(scene, "requests")))
    assert url(scene, "request-withdraw", resourcerequest_id=pending.pk) in listing
    assert url(scene, "request-withdraw", resourcerequest_id=allocated.pk) not in listing
    page = sendco.get(url(scene, "request-withdraw", resourcerequest_id=pending.pk))
    assert page.status_code == 200
    assert "Withdraw this request" in text(page)
    done = sendco.post(url(scene, "request-withdraw", resourcerequest_id=pending.pk), {"reason": ""})
    assert done.status_code == 302
    refused = sendco.post(url(scene, "request-withdraw", resourcerequest_id=pending.pk), {"reason": ""})
    assert refused.status_code == 200
    assert "cannot be changed now" in text(refused)

    officer = client_for(scene.officer.user)
    assert url(scene, "allocation-cancel", allocation_id=allocation.pk) in text(officer.get(url(scene, "requests")))
    empty = officer.post(url(scene, "allocation-cancel", allocation_id=allocation.pk), {"reason": "  "})
    assert empty.status_code == 200
    assert field_error(empty, "reason")
    with tenant_context(scene.body):
        assert CapacityPeriod.objects.get(pk=period.pk).allocated_units == 5
    ok = officer.post(url(scene, "allocation-cancel", allocation_id=allocation.pk), {"reason": "Pupil left"})
    assert ok.status_code == 302
    with tenant_context(scene.body):
        assert CapacityPeriod.objects.get(pk=period.pk).allocated_units == 0
    assert sendco.get(url(scene, "allocation-cancel", allocation_id=allocation.pk)).status_code == 404
    listing = text(sendco.get(url(scene, "requests") + "?status=cancelled"))
    assert "Allocation cancelled" in listing
    assert "Pupil left" in listing


def test_withdraw_and_cancel_over_the_api(scene: Scene) -> None:
    period = spring(scene, teacher(scene), units=12)
    pending = _ask(scene, period, 2)
    theirs = _ask(scene, period, 1, school=scene.other_school)
    allocation = request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=_ask(scene, period, 5).pk)
    sendco = api(scene.sendco.user)
    response = sendco.post(api_url(scene, f"requests/{pending.pk}/withdraw/"), {}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "withdrawn")
    assert sendco.post(api_url(scene, f"requests/{theirs.pk}/withdraw/"), {}, format="json").status_code == 404
    again = sendco.post(api_url(scene, f"requests/{pending.pk}/withdraw/"), {}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "request_not_open")
    officer = api(scene.officer.user)
    no_reason = officer.post(api_url(scene, f"allocations/{allocation.pk}/cancel/"), {}, format="json")
    assert no_reason.status_code == 400
    assert sendco.post(
        api_url(scene, f"allocations/{allocation.pk}/cancel/"), {"reason": "x"}, format="json"
    ).status_code in (403, 404)
    cancelled = officer.post(api_url(scene, f"allocations/{allocation.pk}/cancel/"), {"reason": "Left"}, format="json")
    assert cancelled.status_code == 200, cancelled.json()
    assert (cancelled.json()["status"], cancelled.json()["cancelled_units"]) == ("cancelled", 5)
    with tenant_context(scene.body):
        assert CapacityPeriod.objects.get(pk=period.pk).allocated_units == 0


@pytest.mark.django_db(transaction=True)
def test_a_cancellation_racing_allocations_never_overbooks(scene: Scene) -> None:
    """A full term (10 of 10 held by one school): one thread cancels that allocation while 20
    threads each try to allocate 1 unit. Whatever the order, the term's ``allocated_units``
    equals the sum of what allocations hold and never exceeds 10."""
    period = spring(scene, teacher(scene), units=10)
    held = request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=_ask(scene, period, 10).pk)
    asks = [_ask(scene, period, 1, school=scene.other_school) for _ in range(20)]
    barrier = threading.Barrier(21)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(work: Any) -> None:
        try:
            barrier.wait(timeout=60)
            work()
            result = "ok"
        except ConflictError as exc:
            result = exc.code
        except BaseException as exc:  # noqa: BLE001 - every thread's outcome is asserted below
            result = f"error:{exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    def cancel() -> None:
        allocation_cancel(actor=scene.officer.user, tenant=scene.body, allocation_id=held.pk, reason="Moved")

    works = [cancel] + [
        (lambda rid=r.pk: request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=rid)) for r in asks
    ]
    threads = [threading.Thread(target=run, args=(w,)) for w in works]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not any(t.is_alive() for t in threads)
    assert [o for o in outcomes if o.startswith("error")] == []
    assert set(outcomes) <= {"ok", "capacity_full"}
    allocated_ok = outcomes.count("ok") - 1  # the cancellation itself succeeded
    with tenant_context(scene.body):
        stored = CapacityPeriod.objects.get(pk=period.pk)
        live = sum(Allocation.objects.filter(period=period).values_list("units", flat=True))
        assert Allocation.objects.get(pk=held.pk).units == 0
    assert 0 <= allocated_ok <= 10
    assert stored.allocated_units == live == allocated_ok
