from __future__ import annotations

from datetime import date

import pytest

from core.errors import ApplicationError, ConflictError
from core.models import AuditEvent
from core.tenancy import tenant_context
from shared_resources.models import Allocation, CapacityPeriod, Delivery, ResourceRequest
from shared_resources.services.allocation import (
    allocation_rules_publish,
    delivery_record,
    request_allocate,
    request_create,
    request_decline,
    request_waitlist,
)
from shared_resources.services.register import resource_register
from tests.exceptional_resource.conftest import Scene as CaseScene
from tests.exceptional_resource.conftest import draft_case
from tests.shared_resources.conftest import Scene, base_fields, spring, teacher

pytestmark = pytest.mark.django_db


def _ask(scene: Scene, period: CapacityPeriod, units: int, **kw: object) -> ResourceRequest:
    return request_create(
        actor=scene.sendco.user,
        tenant=scene.body,
        period_id=period.pk,
        school_id=kw.pop("school_id", scene.school.pk),  # type: ignore[arg-type]
        units=units,
        **kw,  # type: ignore[arg-type]
    )


def _case_scene(scene: Scene) -> CaseScene:
    return CaseScene(
        body=scene.body,
        school=scene.school,
        pool=scene.pool,
        head=scene.head,
        officer=scene.officer,
        senior=scene.officer,
        finance=scene.finance,
    )


def test_a_sendco_asks_for_days_for_a_case_and_an_officer_allocates_them(scene: Scene) -> None:
    period = spring(scene, teacher(scene), units=60)
    case = draft_case(_case_scene(scene))
    rules = allocation_rules_publish(
        actor=scene.admin.user,
        tenant=scene.body,
        rules=["Requests are decided in the order they arrive.", "No school holds more than half a term."],
        effective_from=date(2026, 4, 1),
    )
    request = _ask(scene, period, 6, case_id=case.pk, note="Assessment and staff training")
    assert (request.status, request.units, request.case_id, request.rules_version) == (
        "pending",
        6,
        case.pk,
        rules.version,
    )
    allocation = request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=request.pk)
    with tenant_context(scene.body):
        stored = ResourceRequest.objects.get(pk=request.pk)
        period.refresh_from_db()
        verbs = list(AuditEvent.objects.filter(verb__startswith="shared_resource.").values_list("verb", flat=True))
    assert (allocation.units, allocation.school_id) == (6, scene.school.pk)
    assert (stored.status, stored.decided_by_label) == ("allocated", scene.officer.user.email)
    assert (period.allocated_units, period.free_units) == (6, 54)
    assert verbs.count("shared_resource.allocated") == 1
    assert verbs.count("shared_resource.requested") == 1


def test_an_officer_may_allocate_part_of_a_request_but_never_more_than_asked(scene: Scene) -> None:
    period = spring(scene, teacher(scene), units=60)
    request = _ask(scene, period, 6)
    with pytest.raises(ApplicationError) as exc:
        request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=request.pk, units=7)
    assert exc.value.field == "units"
    allocation = request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=request.pk, units=4)
    assert allocation.units == 4
    with pytest.raises(ConflictError) as exc2:
        request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=request.pk)
    assert exc2.value.code == "request_not_open"


def test_a_place_in_a_full_base_is_refused_and_nothing_is_written(scene: Scene) -> None:
    base = resource_register(actor=scene.finance.user, tenant=scene.body, **base_fields(scene, places=2))
    period = spring(scene, base, units=2)
    first = _ask(scene, period, 2, starts_on=date(2027, 3, 1))
    assert first.starts_on == date(2027, 3, 1)
    request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=first.pk)
    late = _ask(scene, period, 1)
    assert late.starts_on == period.starts_on
    with pytest.raises(ConflictError) as exc:
        request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=late.pk)
    assert (exc.value.code, exc.value.extra) == ("capacity_full", {"free_units": 0})
    with tenant_context(scene.body):
        assert Allocation.objects.count() == 1
        assert ResourceRequest.objects.get(pk=late.pk).status == "pending"
    waiting = request_waitlist(
        actor=scene.officer.user, tenant=scene.body, request_id=late.pk, reason="The base is full this term."
    )
    assert (waiting.status, waiting.decision_reason) == ("waitlisted", "The base is full this term.")


def test_a_request_for_another_school_or_its_case_is_refused(scene: Scene) -> None:
    period = spring(scene, teacher(scene))
    with pytest.raises(ApplicationError) as exc:
        _ask(scene, period, 2, school_id=scene.other_school.pk)
    assert (exc.value.code, exc.value.field) == ("other_school", "school_id")
    other_case = draft_case(_case_scene(scene), school=scene.other_school)
    with pytest.raises(ApplicationError) as exc:
        _ask(scene, period, 2, case_id=other_case.pk)
    assert (exc.value.code, exc.value.field) == ("unknown_case", "case_id")
    with tenant_context(scene.body):
        assert ResourceRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("kw", "code", "field"),
    [
        ({"units": 0}, "invalid_value", "units"),
        ({"units": -3}, "invalid_value", "units"),
        ({"units": 2, "starts_on": date(2027, 4, 1)}, "dates_out_of_order", "starts_on"),
        ({"units": 2, "note": "x" * 501}, "invalid_value", "note"),
        ({"units": 2, "case_id": 999_999_999}, "unknown_case", "case_id"),
    ],
)
def test_bad_request_input_is_refused(scene: Scene, kw: dict[str, object], code: str, field: str) -> None:
    period = spring(scene, teacher(scene))
    units = kw.pop("units")
    with pytest.raises(ApplicationError) as exc:
        _ask(scene, period, units, **kw)  # type: ignore[arg-type]
    assert (exc.value.code, exc.value.field) == (code, field)
    with tenant_context(scene.body):
        assert ResourceRequest.objects.count() == 0


@pytest.mark.parametrize("role", ["officer", "finance", "admin"])
def test_only_heads_and_sendcos_request(scene: Scene, role: str) -> None:
    period = spring(scene, teacher(scene))
    with pytest.raises(ApplicationError) as exc:
        request_create(
            actor=getattr(scene, role).user, tenant=scene.body, period_id=period.pk, school_id=scene.school.pk, units=1
        )
    assert exc.value.code == "not_allowed"


@pytest.mark.parametrize("role", ["head", "finance", "admin"])
def test_only_decision_officers_allocate(scene: Scene, role: str) -> None:
    period = spring(scene, teacher(scene))
    request = _ask(scene, period, 1)
    with pytest.raises(ApplicationError) as exc:
        request_allocate(actor=getattr(scene, role).user, tenant=scene.body, request_id=request.pk)
    assert exc.value.code == "not_allowed"
    with tenant_context(scene.body):
        assert Allocation.objects.count() == 0


def test_a_decline_needs_a_reason_and_ends_the_request(scene: Scene) -> None:
    period = spring(scene, teacher(scene))
    request = _ask(scene, period, 3)
    with pytest.raises(ApplicationError) as exc:
        request_decline(actor=scene.officer.user, tenant=scene.body, request_id=request.pk, reason="  ")
    assert (exc.value.code, exc.value.field) == ("missing_field", "reason")
    declined = request_decline(
        actor=scene.officer.user, tenant=scene.body, request_id=request.pk, reason="Outside the published rules."
    )
    assert declined.status == "declined"
    with pytest.raises(ConflictError) as exc2:
        request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=request.pk)
    assert exc2.value.code == "request_not_open"


def test_delivery_is_recorded_within_the_term_and_never_above_the_allocation(scene: Scene) -> None:
    period = spring(scene, teacher(scene))
    request = _ask(scene, period, 6)
    allocation = request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=request.pk)
    delivery_record(
        actor=scene.finance.user,
        tenant=scene.body,
        allocation_id=allocation.pk,
        delivered_on=date(2027, 1, 15),
        units=4,
    )
    with pytest.raises(ConflictError) as exc:
        delivery_record(
            actor=scene.officer.user,
            tenant=scene.body,
            allocation_id=allocation.pk,
            delivered_on=date(2027, 2, 15),
            units=3,
        )
    assert (exc.value.code, exc.value.field) == ("over_delivered", "units")
    with pytest.raises(ApplicationError) as exc2:
        delivery_record(
            actor=scene.officer.user,
            tenant=scene.body,
            allocation_id=allocation.pk,
            delivered_on=date(2027, 4, 1),
            units=1,
        )
    assert (exc2.value.code, exc2.value.field) == ("dates_out_of_order", "delivered_on")
    with pytest.raises(ApplicationError) as exc3:
        delivery_record(
            actor=scene.head.user,
            tenant=scene.body,
            allocation_id=allocation.pk,
            delivered_on=date(2027, 2, 1),
            units=1,
        )
    assert exc3.value.code == "not_allowed"
    with tenant_context(scene.body):
        assert list(Delivery.objects.values_list("units", flat=True)) == [4]


def test_rules_versions_are_published_in_order(scene: Scene) -> None:
    first = allocation_rules_publish(
        actor=scene.finance.user,
        tenant=scene.body,
        rules=["First come, first served."],
        effective_from=date(2026, 9, 1),
    )
    with pytest.raises(ApplicationError) as exc:
        allocation_rules_publish(
            actor=scene.finance.user, tenant=scene.body, rules=["Earlier"], effective_from=date(2026, 8, 1)
        )
    assert exc.value.field == "effective_from"
    with pytest.raises(ApplicationError) as exc2:
        allocation_rules_publish(
            actor=scene.finance.user, tenant=scene.body, rules=[" "], effective_from=date(2026, 9, 2)
        )
    assert exc2.value.field == "rules"
    second = allocation_rules_publish(
        actor=scene.finance.user, tenant=scene.body, rules=["Half a term at most."], effective_from=date(2026, 10, 1)
    )
    assert (first.version, second.version) == (1, 2)


def test_a_case_s_provision_in_place_sums_each_allocation_s_deliveries_and_leaves_out_other_cases(
    scene: Scene,
) -> None:
    from shared_resources.selectors import ProvisionInPlace, provision_in_place

    resource = teacher(scene)
    period = spring(scene, resource, units=60)
    case, other, without = (draft_case(_case_scene(scene)) for _ in range(3))
    allocated = [
        request_allocate(
            actor=scene.officer.user, tenant=scene.body, request_id=_ask(scene, period, units, case_id=c.pk).pk
        )
        for c, units in ((case, 6), (case, 2), (other, 3))
    ]
    for day, units in ((date(2027, 1, 11), 2), (date(2027, 1, 18), 1)):
        delivery_record(
            actor=scene.officer.user, tenant=scene.body, allocation_id=allocated[0].pk, delivered_on=day, units=units
        )
    with tenant_context(scene.body):
        in_place = provision_in_place(tenant=scene.body, case_id=case.pk)
        nothing = provision_in_place(tenant=scene.body, case_id=without.pk)
    shown = (resource.name, resource.get_kind_display(), "Spring 2027", resource.capacity_unit)
    assert in_place == [
        ProvisionInPlace(*shown, allocated=6, delivered=3),  # the same term: in the order allocated
        ProvisionInPlace(*shown, allocated=2, delivered=0),
    ]
    assert nothing == []
