"""A run confirmed before commitments legs named the committed school debited the payee's
commitment instead; the close puts those legs back on the schools the run's instalments
were committed to. When the run's instalments no longer add up to what it committed, the
close is refused naming the run: it never carries the commitment against the wrong party."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import ConflictError
from core.tenancy import tenant_context
from pooling.error_codes import PoolingError
from pooling.models import AccountKind, Pool, PoolStatus, Transaction
from pooling.services.ledger import LegSpec, post
from pooling.services.payments import pool_close
from shared_resources.services.funding import funding_commit
from tests.pooling.payments_support import confirm_and_pay
from tests.shared_resources.conftest import Scene, teacher

pytestmark = pytest.mark.django_db

BANK = {"sort_code": "12-34-56", "account_number": "12345678", "payment_reference": "IMF SPEC TEACH"}


def test_a_close_is_refused_naming_an_older_payee_run_whose_instalments_no_longer_add_up(scene: Scene) -> None:
    post_ = teacher(scene, **BANK)
    funding_commit(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=post_.pk,
        pool_id=scene.pool.pk,
        amount_pence=60_000_00,
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 12, 31),
    )
    run = confirm_and_pay(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 12, 31),
        pay_on=date(2026, 12, 1),
    )
    with tenant_context(scene.body):
        line = run.lines.get()
    assert line.payee_id is not None
    # The older shape: the run's commitment debited on the payee, not the host school, and
    # 1p more than the run's instalments now add up to.
    moved = line.amount_pence + 1
    post(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        kind="payable",
        posted_on=date(2026, 12, 1),
        description="Older run's commitment on the payee",
        idempotency_key=f"{scene.body.pk}:legacy:{run.pk}",
        source_type="payment_run",
        source_id=str(run.pk),
        legs=[
            LegSpec(AccountKind.COMMITMENTS, moved, payee_id=line.payee_id),
            LegSpec(AccountKind.COMMITMENTS, -moved, school_id=post_.host_school_id),
        ],
    )

    with pytest.raises(ConflictError) as refused:
        pool_close(actor=scene.finance.user, tenant=scene.body, pool=scene.pool, next_label="2027-28")

    assert refused.value.code == PoolingError.CLOSE_RUN_INSTALMENTS_MISMATCH
    assert f"payment run {run.pk}'s instalments" in str(refused.value)
    with tenant_context(scene.body):
        assert Pool.objects.get(pk=scene.pool.pk).status == PoolStatus.OPEN
        assert not Pool.objects.filter(label="2027-28").exists()
        assert not Transaction.objects.filter(kind="carry_forward").exists()
