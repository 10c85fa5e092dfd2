from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from accounts.models import Membership, ResponsibleBody, Role
from groupings.models import School
from groupings.services.arrangements import arrangement_activate, arrangement_propose
from groupings.services.policy import policy_ensure_default
from pooling.models import Pool
from pooling.services.ledger import pool_open
from shared_resources.models import CapacityPeriod, SharedResource
from shared_resources.services.register import capacity_period_set, resource_register
from tests.factories import member, own_academy
from tests.pooling.conftest import fund


@dataclass
class Scene:
    body: ResponsibleBody
    school: School
    other_school: School
    pool: Pool
    admin: Membership
    finance: Membership
    officer: Membership
    head: Membership
    sendco: Membership
    other_head: Membership


def _join(admin: Membership, school: School) -> None:
    body = admin.responsible_body
    arrangement = arrangement_propose(
        actor=admin.user,
        tenant=body,
        school_id=school.pk,
        basis="own_academy",
        counterparty="Trust",
        start_date=date(2026, 4, 1),
    )
    arrangement_activate(actor=admin.user, tenant=body, arrangement_id=arrangement.pk)


@pytest.fixture
def scene() -> Scene:
    admin = member(Role.BODY_ADMIN, mfa=True)
    body = admin.responsible_body
    policy_ensure_default(actor=admin.user, tenant=body, effective_from=date(2026, 4, 1))
    school = own_academy(body, name="Meadow Academy")
    other = own_academy(body, name="Hill Academy")
    _join(admin, school)
    _join(admin, other)
    finance = member(Role.FINANCE_OFFICER, body, mfa=True)
    pool = pool_open(actor=finance.user, tenant=body, label="2026-27")
    fund(finance, pool, 100_000_00)
    return Scene(
        body=body,
        school=school,
        other_school=other,
        pool=pool,
        admin=admin,
        finance=finance,
        officer=member(Role.DECISION_OFFICER, body, mfa=True),
        head=member(Role.HEAD, body, school=school),
        sendco=member(Role.SENDCO, body, school=school),
        other_head=member(Role.HEAD, body, school=other),
    )


def teacher_fields(scene: Scene, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = dict(
        kind="post",
        name="Specialist teacher for autism",
        areas_of_need=["ASD", "SLCN"],
        capacity_unit="days",
        capacity_basis="term",
        host_school_id=scene.school.pk,
        payee="Meadow Trust (employer)",
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 8, 31),
        fte_hundredths=100,
        annual_cost_pence=60_000_00,
    )
    fields.update(overrides)
    return fields


def base_fields(scene: Scene, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = dict(
        kind="support_base",
        name="Hill SEMH base",
        areas_of_need=["SEMH"],
        capacity_unit="places",
        capacity_basis="term",
        host_school_id=scene.other_school.pk,
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 8, 31),
        places=8,
        cost_per_place_pence=12_000_00,
    )
    fields.update(overrides)
    return fields


def teacher(scene: Scene, **overrides: Any) -> SharedResource:
    return resource_register(actor=scene.finance.user, tenant=scene.body, **teacher_fields(scene, **overrides))


def spring(scene: Scene, resource: SharedResource, units: int = 60, label: str = "Spring 2027") -> CapacityPeriod:
    return capacity_period_set(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=resource.pk,
        label=label,
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 3, 31),
        capacity_units=units,
    )
