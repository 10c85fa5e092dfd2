from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from core.errors import ApplicationError, ConflictError
from core.models import AuditEvent
from core.tenancy import tenant_context
from shared_resources.models import CapacityPeriod, SharedResource
from shared_resources.services.allocation import request_allocate, request_create
from shared_resources.services.edit import resource_update
from shared_resources.services.register import capacity_period_set, resource_register
from tests.factories import SchoolFactory
from tests.shared_resources.conftest import Scene, base_fields, spring, teacher, teacher_fields

pytestmark = pytest.mark.django_db


def _count(scene: Scene) -> tuple[int, int]:
    with tenant_context(scene.body):
        return SharedResource.objects.count(), CapacityPeriod.objects.count()


def test_a_finance_officer_registers_a_specialist_teacher_with_its_audit_event(scene: Scene) -> None:
    resource = teacher(scene)
    with tenant_context(scene.body):
        stored = SharedResource.objects.get(pk=resource.pk)
        event = AuditEvent.objects.get(verb="shared_resource.registered", object_id=str(resource.pk))
    assert (stored.kind, stored.fte_hundredths, stored.annual_cost_pence, stored.payee) == (
        "post",
        100,
        60_000_00,
        "Meadow Trust (employer)",
    )
    assert stored.areas_of_need == ["ASD", "SLCN"]
    assert event.after["annual_cost_pence"] == 60_000_00
    assert event.object_label == "Specialist teacher or central-team post: Specialist teacher for autism"


def test_a_support_base_and_a_commissioned_service_are_registered(scene: Scene) -> None:
    base = resource_register(actor=scene.admin.user, tenant=scene.body, **base_fields(scene))
    service = resource_register(
        actor=scene.finance.user,
        tenant=scene.body,
        **teacher_fields(
            scene,
            kind="service",
            name="Educational psychology sessions",
            capacity_unit="sessions",
            payee="Bright EP Ltd",
            contract_reference="EP-2026-04",
            contract_value_pence=18_500_50,
            fte_hundredths=None,
            annual_cost_pence=None,
        ),
    )
    assert (base.places, base.cost_per_place_pence, base.capacity_unit) == (8, 12_000_00, "places")
    assert (service.contract_value_pence, service.contract_reference, service.fte_hundredths) == (
        18_500_50,
        "EP-2026-04",
        None,
    )


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"kind": "tutor"}, "invalid_kind", "kind"),
        ({"name": "  "}, "missing_field", "name"),
        ({"name": "x" * 201}, "invalid_value", "name"),
        ({"areas_of_need": []}, "invalid_value", "areas_of_need"),
        ({"areas_of_need": ["NOPE"]}, "invalid_value", "areas_of_need"),
        ({"capacity_unit": "places"}, "invalid_value", "capacity_unit"),
        ({"capacity_unit": "litres"}, "invalid_value", "capacity_unit"),
        ({"capacity_basis": "week"}, "invalid_value", "capacity_basis"),
        ({"starts_on": date(2027, 9, 1)}, "dates_out_of_order", "ends_on"),
        ({"starts_on": None}, "missing_field", "starts_on"),
        ({"fte_hundredths": 0}, "invalid_value", "fte_hundredths"),
        ({"annual_cost_pence": -1}, "invalid_amount", "annual_cost_pence"),
        ({"annual_cost_pence": None}, "missing_field", "annual_cost_pence"),
        ({"annual_cost_pence": 12.5}, "invalid_amount", "annual_cost_pence"),
        ({"payee": ""}, "missing_field", "payee"),
        ({"host_school_id": None}, "unknown_school", "host_school_id"),
    ],
)
def test_bad_register_input_is_refused_and_nothing_is_written(
    scene: Scene, overrides: dict[str, object], code: str, field: str
) -> None:
    with pytest.raises(ApplicationError) as exc:
        teacher(scene, **overrides)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert _count(scene) == (0, 0)


def test_a_host_school_outside_the_grouping_is_refused(scene: Scene) -> None:
    stranger = SchoolFactory()
    with pytest.raises(ApplicationError) as exc:
        teacher(scene, host_school_id=stranger.pk)
    assert exc.value.code == "unknown_school"
    assert _count(scene) == (0, 0)


def test_a_base_needs_places_and_a_cost(scene: Scene) -> None:
    with pytest.raises(ApplicationError) as exc:
        resource_register(actor=scene.finance.user, tenant=scene.body, **base_fields(scene, cost_per_place_pence=None))
    assert (exc.value.code, exc.value.field) == ("missing_field", "annual_cost_pence")
    with pytest.raises(ApplicationError) as exc:
        resource_register(actor=scene.finance.user, tenant=scene.body, **base_fields(scene, places=0))
    assert exc.value.field == "places"
    assert _count(scene) == (0, 0)


@pytest.mark.parametrize("role", ["head", "officer", "sendco"])
def test_only_admins_and_finance_officers_manage_the_register(scene: Scene, role: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        resource_register(actor=getattr(scene, role).user, tenant=scene.body, **teacher_fields(scene))
    assert exc.value.code == "not_allowed"
    assert _count(scene) == (0, 0)


def test_capacity_periods_of_a_resource_never_overlap(scene: Scene) -> None:
    resource = teacher(scene)
    spring(scene, resource)
    with pytest.raises(ConflictError) as exc:
        capacity_period_set(
            actor=scene.finance.user,
            tenant=scene.body,
            resource_id=resource.pk,
            label="Late spring",
            starts_on=date(2027, 3, 31),
            ends_on=date(2027, 4, 30),
            capacity_units=10,
        )
    assert (exc.value.code, exc.value.field) == ("period_overlaps", "starts_on")
    assert _count(scene) == (1, 1)


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "units", "code"),
    [
        (date(2027, 3, 31), date(2027, 1, 1), 10, "dates_out_of_order"),
        (date(2026, 8, 1), date(2026, 12, 31), 10, "outside_contract"),
        (date(2027, 4, 1), date(2027, 7, 31), -1, "invalid_value"),
    ],
)
def test_bad_capacity_input_is_refused(scene: Scene, starts_on: date, ends_on: date, units: int, code: str) -> None:
    resource = teacher(scene)
    with pytest.raises(ApplicationError) as exc:
        capacity_period_set(
            actor=scene.finance.user,
            tenant=scene.body,
            resource_id=resource.pk,
            label="Term",
            starts_on=starts_on,
            ends_on=ends_on,
            capacity_units=units,
        )
    assert exc.value.code == code
    assert _count(scene) == (1, 0)


def test_capacity_cannot_go_below_what_is_allocated(scene: Scene) -> None:
    resource = teacher(scene)
    period = spring(scene, resource, units=20)
    request = request_create(
        actor=scene.sendco.user, tenant=scene.body, period_id=period.pk, school_id=scene.school.pk, units=12
    )
    request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=request.pk)
    with pytest.raises(ConflictError) as exc:
        capacity_period_set(
            actor=scene.finance.user,
            tenant=scene.body,
            resource_id=resource.pk,
            period_id=period.pk,
            label="Spring 2027",
            starts_on=period.starts_on,
            ends_on=period.ends_on,
            capacity_units=11,
        )
    assert (exc.value.code, exc.value.field) == ("capacity_below_allocated", "capacity_units")
    period = capacity_period_set(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=resource.pk,
        period_id=period.pk,
        label="Spring 2027",
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        capacity_units=12,
    )
    with tenant_context(scene.body):
        stored = CapacityPeriod.objects.get(pk=period.pk)
    assert (stored.capacity_units, stored.allocated_units) == (12, 12)


def test_a_base_cannot_shrink_below_the_places_allocated(scene: Scene) -> None:
    base = resource_register(actor=scene.finance.user, tenant=scene.body, **base_fields(scene))
    period = spring(scene, base, units=8)
    request = request_create(
        actor=scene.head.user, tenant=scene.body, period_id=period.pk, school_id=scene.school.pk, units=3
    )
    request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=request.pk)
    with pytest.raises(ConflictError) as exc:
        resource_update(
            actor=scene.finance.user, tenant=scene.body, resource_id=base.pk, **base_fields(scene, places=2)
        )
    assert exc.value.code == "capacity_below_allocated"
    with pytest.raises(ApplicationError) as exc2:
        spring(scene, base, units=9, label="Spring again")
    assert exc2.value.field == "capacity_units"


@pytest.mark.django_db(transaction=True)
def test_the_database_keeps_allocated_units_itself_and_refuses_more_than_capacity(scene: Scene) -> None:
    resource = teacher(scene)
    period = spring(scene, resource, units=5)
    with pytest.raises(DatabaseError, match="kept by the allocation trigger"):
        with transaction.atomic(), tenant_context(scene.body), connection.cursor() as cursor:
            cursor.execute("UPDATE shared_resources_capacityperiod SET allocated_units = 3 WHERE id = %s", [period.pk])
    with pytest.raises(IntegrityError, match="shcap_capacity_not_exceeded"):
        with transaction.atomic(), tenant_context(scene.body), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO shared_resources_resourcerequest (responsible_body_id, resource_id, period_id, "
                "school_id, units, note, status, decision_reason, decided_by_label, requested_by_label, created_at) "
                "VALUES (%s, %s, %s, %s, 6, '', 'allocated', '', '', 'x', now()) RETURNING id",
                [scene.body.pk, resource.pk, period.pk, scene.school.pk],
            )
            request_id = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO shared_resources_allocation (responsible_body_id, request_id, period_id, school_id, "
                "units, allocated_by_label, created_at) VALUES (%s, %s, %s, %s, 6, 'x', now())",
                [scene.body.pk, request_id, period.pk, scene.school.pk],
            )
