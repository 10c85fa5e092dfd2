from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from accounts.models import Membership, ResponsibleBody, Role
from core.tenancy import tenant_context
from exceptional_resource.models import Case, Outcome, ProvisionRow, Pupil, ResourceLine
from groupings.models import School
from groupings.services.arrangements import arrangement_activate, arrangement_propose
from groupings.services.policy import policy_ensure_default
from pooling.models import Pool
from pooling.services.ledger import pool_open
from tests.factories import member, own_academy
from tests.pooling.conftest import fund


@dataclass
class Scene:
    body: ResponsibleBody
    school: School
    pool: Pool
    head: Membership
    officer: Membership
    senior: Membership
    finance: Membership


@pytest.fixture
def scene() -> Scene:
    admin = member(Role.BODY_ADMIN, mfa=True)
    body = admin.responsible_body
    policy_ensure_default(actor=admin.user, tenant=body, effective_from=date(2026, 4, 1))
    school = own_academy(body, name="Meadow Academy")
    arrangement = arrangement_propose(
        actor=admin.user,
        tenant=body,
        school_id=school.pk,
        basis="own_academy",
        counterparty="Trust",
        start_date=date(2026, 4, 1),
    )
    arrangement_activate(actor=admin.user, tenant=body, arrangement_id=arrangement.pk)
    finance = member(Role.FINANCE_OFFICER, body, mfa=True)
    pool = pool_open(actor=finance.user, tenant=body, label="2026-27")
    fund(finance, pool, 40_000_00)
    return Scene(
        body=body,
        school=school,
        pool=pool,
        head=member(Role.HEAD, body, school=school),
        officer=member(Role.DECISION_OFFICER, body, mfa=True, decision_limit_pence=25_000_00),
        senior=member(Role.DECISION_OFFICER, body, mfa=True, decision_limit_pence=100_000_00),
        finance=finance,
    )


def draft_case(scene: Scene, *, requested_pence: int | None = None, **overrides: Any) -> Case:
    """A complete draft: what a head fills in, in minutes. It asks for £9,000.00 (30 sessions
    at £300.00), or for ``requested_pence`` as one line."""
    with tenant_context(scene.body):
        pupil = Pupil.objects.create(
            responsible_body=scene.body,
            school=scene.school,
            year_group="Y3",
            sen_status="sen_support",
            primary_need="SLCN",
        )
        fields = dict(
            responsible_body=scene.body,
            reference=f"ER-{Case.objects.count() + 1:05d}-{pupil.pk}",
            school=scene.school,
            pupil=pupil,
            need_description="Severe speech and language needs; no functional communication yet.",
            own_imf_pence=3_000_00,
            notional_sen_pence=6_000_00,
            parents_involved=True,
            parents_summary="Met parents on 2 Nov",
            pupil_involved=True,
            pupil_summary="Pupil views recorded",
            created_by_label=scene.head.user.email,
        )
        fields.update(overrides)
        case = Case.objects.create(**fields)
        ProvisionRow.objects.create(
            responsible_body=scene.body,
            case=case,
            provision="Speech group",
            staff_role="TA",
            group_size=4,
            sessions_per_week=3,
            minutes_per_session=30,
            weeks=38,
            hourly_cost_pence=20_00,
        )
        ResourceLine.objects.create(
            responsible_body=scene.body,
            case=case,
            kind="specialist_teaching",
            description="Speech and language therapist",
            quantity=30 if requested_pence is None else 1,
            unit_cost_pence=300_00 if requested_pence is None else requested_pence,
            starts_on=date(2026, 12, 1),
            ends_on=date(2027, 3, 31),
        )
        Outcome.objects.create(
            responsible_body=scene.body,
            case=case,
            description="Uses 50 signs",
            measure="Therapist's count",
            review_on=date(2027, 3, 1),
        )
    return case
