from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from accounts.models import Role
from pooling.models import AccountKind, Pool
from pooling.services.ledger import LegSpec, pool_open, post
from tests.factories import member, own_academy


@pytest.fixture
def officer() -> Any:
    return member(Role.FINANCE_OFFICER, mfa=True)


@pytest.fixture
def pool(officer: Any) -> Pool:
    return pool_open(actor=officer.user, tenant=officer.responsible_body, label="2026-27")


def fund(officer: Any, pool: Pool, pence: int, *, received: bool = True, key: str = "fund") -> None:
    """Recognise ``pence`` of contributions in the pool (and receive them)."""
    body = officer.responsible_body
    school = own_academy(body)
    post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        kind="contribution_expected",
        posted_on=date(2026, 4, 1),
        description="Test contribution",
        idempotency_key=f"{body.pk}:{key}:expected",
        source_type="test",
        source_id=key,
        legs=[
            LegSpec(AccountKind.CONTRIBUTIONS_RECEIVABLE, pence, school.pk),
            LegSpec(AccountKind.CONTRIBUTIONS, -pence, school.pk),
        ],
    )
    if received:
        post(
            actor=officer.user,
            tenant=body,
            pool=pool,
            kind="receipt",
            posted_on=date(2026, 4, 30),
            description="Test receipt",
            idempotency_key=f"{body.pk}:{key}:received",
            source_type="test",
            source_id=key,
            legs=[
                LegSpec(AccountKind.POOL_BANK, pence, school.pk),
                LegSpec(AccountKind.CONTRIBUTIONS_RECEIVABLE, -pence, school.pk),
            ],
        )
