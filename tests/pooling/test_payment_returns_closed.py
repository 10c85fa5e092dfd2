"""A payment returned after its pool's year is closed (bank returns often arrive after
31 March): refused with its own code and what to do (reopen, record, close again), and
nothing written; documented in docs/money.md."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from core.errors import ConflictError
from core.tenancy import tenant_context
from pooling.error_codes import PoolingError
from pooling.models import PaymentRunLine, Transaction
from pooling.services.payment_returns import payment_run_line_return
from pooling.services.payments import pool_close
from tests.factories import own_academy
from tests.pooling.conftest import fund
from tests.pooling.payments_support import award, confirm_and_pay

pytestmark = pytest.mark.django_db


def test_a_payment_returned_after_the_year_is_closed_is_refused_with_what_to_do(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 50_000_00)
    award(officer, pool, 1_200_00, school=own_academy(body, name="Ash Academy"), source_id="A-1")
    run = confirm_and_pay(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2027, 3, 31), pay_on=date(2027, 3, 31)
    )
    pool_close(actor=officer.user, tenant=body, pool=pool, next_label="2027-28")
    with tenant_context(body):
        line = PaymentRunLine.objects.get(payment_run=run)
        before = Transaction.objects.count()

    with time_machine.travel(date(2027, 4, 9), tick=False), pytest.raises(ConflictError) as refused:
        payment_run_line_return(
            actor=officer.user,
            tenant=body,
            payment_run_id=run.pk,
            line_id=line.pk,
            returned_on=date(2027, 4, 8),
            reason="Account closed",
        )

    assert refused.value.code == PoolingError.RETURN_POOL_CLOSED
    assert str(refused.value) == (
        f"Pool 2026-27 is closed, so the payment from run {run.pk} that the bank returned on 8 April 2027 cannot "
        "be recorded against it yet. Ask a body administrator to reopen pool 2026-27, record the return, then "
        "close the pool again: the close carries the instalments due again to the next pool."
    )
    with tenant_context(body):
        line.refresh_from_db()
        assert (line.returned_on, line.returned_instalment_ids) == (None, [])
        assert Transaction.objects.count() == before
