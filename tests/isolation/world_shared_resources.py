"""A shared resource for each body with a term, funding from the 2026-27 pool, a request, an
allocation, a delivery and published allocation rules: ``sharedresource_id``,
``capacityperiod_id``, ``resourcefunding_id``, ``resourcerequest_id``, ``allocation_id``."""

from __future__ import annotations

from datetime import date

from accounts.models import Membership, Role
from core.tenancy import tenant_context
from pooling.models import AccountKind
from pooling.services.ledger import LegSpec, pool_open, post
from shared_resources.services.allocation import (
    allocation_rules_publish,
    delivery_record,
    request_allocate,
    request_create,
)
from shared_resources.services.funding import funding_commit
from shared_resources.services.register import capacity_period_set, resource_register
from tests.isolation.world import World


def extend(world: World) -> None:
    for body, user, secret in (
        (world.body_a, world.user_a, "Alpha Specialist Teacher"),
        (world.body_b, world.user_b, "Bravo Secret Specialist Teacher"),
    ):
        with tenant_context(body):
            school_id = Membership.objects.get(user=user, responsible_body=body, role=Role.HEAD).school_id
        assert school_id is not None
        pool = pool_open(actor=user, tenant=body, label="2026-27")
        post(
            actor=user,
            tenant=body,
            pool=pool,
            kind="contribution_expected",
            posted_on=date(2026, 4, 1),
            description=f"{secret} contribution",
            idempotency_key=f"{body.pk}:world-shared:expected",
            source_type="world",
            source_id="shared",
            legs=[
                LegSpec(AccountKind.CONTRIBUTIONS_RECEIVABLE, 90_000_00, school_id),
                LegSpec(AccountKind.CONTRIBUTIONS, -90_000_00, school_id),
            ],
        )
        resource = resource_register(
            actor=user,
            tenant=body,
            kind="post",
            name=secret,
            areas_of_need=["ASD"],
            capacity_unit="days",
            capacity_basis="term",
            host_school_id=school_id,
            payee=f"{secret} Employer",
            starts_on=date(2026, 9, 1),
            ends_on=date(2027, 8, 31),
            fte_hundredths=100,
            annual_cost_pence=45_000_00,
        )
        period = capacity_period_set(
            actor=user,
            tenant=body,
            resource_id=resource.pk,
            label="Spring 2027",
            starts_on=date(2027, 1, 1),
            ends_on=date(2027, 3, 31),
            capacity_units=60,
        )
        funding_commit(
            actor=user,
            tenant=body,
            resource_id=resource.pk,
            pool_id=pool.pk,
            amount_pence=45_000_00,
            starts_on=date(2026, 9, 1),
            ends_on=date(2027, 8, 31),
        )
        allocation_rules_publish(
            actor=user, tenant=body, rules=[f"{secret} rule: first come, first served"], effective_from=date(2026, 4, 1)
        )
        request = request_create(
            actor=user, tenant=body, period_id=period.pk, school_id=school_id, units=5, note=f"{secret} request note"
        )
        allocation = request_allocate(actor=user, tenant=body, request_id=request.pk)
        delivery_record(actor=user, tenant=body, allocation_id=allocation.pk, delivered_on=date(2027, 1, 20), units=2)
        request_create(actor=user, tenant=body, period_id=period.pk, school_id=school_id, units=3)
    world.b_markers += ["Bravo Secret Specialist Teacher"]
