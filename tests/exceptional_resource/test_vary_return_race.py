"""Varying an award while the bank returns its payment, at the same moment on two real
connections: both are recorded, one after the other, whichever starts first. A variation
locks the award's instalments and then posts the change of commitment (which needs the pool,
as its transaction names it); a return locks the pool and then the instalments. Before the
variation took the pool first, the two deadlocked (PostgreSQL aborted one: a 500)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db.models import Sum

from core.tenancy import tenant_context
from exceptional_resource.models import Award
from exceptional_resource.services.awards import award_vary
from pooling.models import Instalment, Leg, PaymentRunLine, Transaction
from pooling.services import payment_returns, schedules
from pooling.services.payment_returns import payment_run_line_return
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.test_recoveries import _paid_award
from tests.exceptional_resource.test_recovery_return_race import _held, race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.date_sensitive(today=date(2026, 12, 7))]

TODAY = date(2026, 12, 7)
RAISED_BY = 100_00


@pytest.mark.parametrize("first", ["vary", "return"])
def test_varying_an_award_while_the_bank_returns_its_payment_records_both(
    scene: Scene, first: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    award = _paid_award(scene)  # December paid
    with tenant_context(scene.body):
        line = PaymentRunLine.objects.select_related("payment_run").get(school_id=award.school_id)
    new_total = award.amount_pence + RAISED_BY
    holds = threading.Event()
    waiter: dict[str, int] = {}
    # The first pauses once it holds its locks (the variation: the instalments, before it
    # posts; the return: the pool and the instalments), until the second waits for them.
    if first == "vary":
        monkeypatch.setattr(schedules, "commitment_post", _held(schedules.commitment_post, holds, waiter))
    else:
        monkeypatch.setattr(
            payment_returns, "_check_recoveries", _held(payment_returns._check_recoveries, holds, waiter)
        )

    def vary() -> None:
        award_vary(
            actor=scene.officer.user, tenant=scene.body, award_id=award.pk, new_amount_pence=new_total, reason="More"
        )

    def bank_return() -> None:
        payment_run_line_return(
            actor=scene.finance.user,
            tenant=scene.body,
            payment_run_id=line.payment_run_id,
            line_id=line.pk,
            returned_on=TODAY,
            reason="Account closed",
        )

    outcomes = race({"vary": vary, "return": bank_return}, first=first, holds=holds, waiter=waiter)
    assert outcomes == {"vary": "recorded", "return": "recorded"}
    with tenant_context(scene.body):
        unbalanced = list(Leg.objects.values("transaction_id").annotate(total=Sum("amount_pence")).exclude(total=0))
        returned = Transaction.objects.filter(kind="payment_returned").count()
        line_returned_on = PaymentRunLine.objects.get(pk=line.pk).returned_on
        total = Award.objects.get(pk=award.pk).amount_pence
        scheduled = (
            Instalment.objects.filter(schedule__source_id=str(award.pk))
            .exclude(status="released")
            .aggregate(total=Sum("amount_pence"))["total"]
        )
    assert unbalanced == []
    assert (returned, line_returned_on, total, scheduled) == (1, TODAY, new_total, new_total)
