"""A recovery and a bank return of the same payment (issue 14): whichever comes first, an
award never has recovered more from its school than it has paid it, and the next payment
run never pays the school again money it has already given back."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from core.errors import ConflictError
from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource.models import Award
from exceptional_resource.selectors.recoveries import awards_paid_from_pool
from exceptional_resource.services.recoveries import award_recover, award_recoverable_pence
from pooling.models import Instalment, PaymentRun, PaymentRunLine, Transaction
from pooling.selectors import pool_headroom
from pooling.services.ledger import transaction_reverse
from pooling.services.payment_returns import payment_run_fail, payment_run_line_return
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.test_recoveries import DECEMBER, _paid_award

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]

TODAY = date(2026, 12, 7)


def _recoverable(scene: Scene, award: Award) -> int:
    with tenant_context(scene.body):
        return award_recoverable_pence(award)


def _run_and_line(scene: Scene, award: Award) -> tuple[PaymentRun, PaymentRunLine]:
    with tenant_context(scene.body):
        line = PaymentRunLine.objects.select_related("payment_run").get(school_id=award.school_id)
        return line.payment_run, line


def _return(scene: Scene, run: PaymentRun, line: PaymentRunLine) -> PaymentRunLine:
    return payment_run_line_return(
        actor=scene.finance.user,
        tenant=scene.body,
        payment_run_id=run.pk,
        line_id=line.pk,
        returned_on=TODAY,
        reason="Account closed",
    )


def _state(scene: Scene, award: Award, line: PaymentRunLine) -> tuple[int, int, object, int, int]:
    with tenant_context(scene.body):
        return (
            Transaction.objects.filter(kind="payment_returned").count(),
            AuditEvent.objects.filter(verb="payment_run.line_returned").count(),
            PaymentRunLine.objects.get(pk=line.pk).returned_on,
            Instalment.objects.filter(schedule__source_id=str(award.pk), status="paid").count(),
            pool_headroom(tenant=scene.body, pool=scene.pool).paid_pence,
        )


def test_a_return_that_would_leave_more_recovered_than_paid_is_refused_and_writes_nothing(scene: Scene) -> None:
    award = _paid_award(scene)
    run, line = _run_and_line(scene, award)
    recovery = award_recover(
        actor=scene.finance.user, tenant=scene.body, award_id=award.pk, amount_pence=500_00, reason="Unspent"
    )
    before = _state(scene, award, line)
    assert before == (0, 0, None, 1, DECEMBER)
    with pytest.raises(ConflictError) as refused:
        _return(scene, run, line)
    # Before the fix the return was recorded: the award had paid £0 and recovered £500,
    # "can still be recovered" was -£500.00 and the next run paid December again.
    assert refused.value.code == "return_below_recovered"
    assert refused.value.extra == {
        "source": f"award {award.pk}",
        "recovered_pence": 500_00,
        "paid_after_return_pence": 0,
        "recoveries": [recovery.transaction.pk],
    }
    message = refused.value.message
    assert f"The school has paid back £500.00 of award {award.pk}" in message
    assert f"transaction {recovery.transaction.pk}, £500.00 posted on 7 December 2026" in message
    assert "reverse the recovery in the pool's ledger first" in message
    assert _state(scene, award, line) == before
    assert _recoverable(scene, award) == DECEMBER - 500_00


def test_once_the_recovery_is_reversed_the_return_is_recorded_and_nothing_is_recoverable(scene: Scene) -> None:
    award = _paid_award(scene)
    run, line = _run_and_line(scene, award)
    recovery = award_recover(
        actor=scene.finance.user, tenant=scene.body, award_id=award.pk, amount_pence=500_00, reason="Unspent"
    )
    transaction_reverse(
        actor=scene.finance.user, tenant=scene.body, transaction_id=recovery.transaction.pk, reason="Bank returned"
    )
    # A reversed recovery is no longer recovered: before, it still counted against the award.
    assert _recoverable(scene, award) == DECEMBER
    with tenant_context(scene.body):
        [row] = awards_paid_from_pool(tenant=scene.body, pool=scene.pool)
    assert (row.paid_pence, row.recovered_pence, row.recoverable_pence) == (DECEMBER, 0, DECEMBER)
    _return(scene, run, line)
    assert _recoverable(scene, award) == 0
    assert _state(scene, award, line)[:3] == (1, 1, TODAY)
    assert pool_headroom(tenant=scene.body, pool=scene.pool).recoveries_pence == 0


def test_a_recovery_within_what_stays_paid_does_not_stop_the_return(scene: Scene) -> None:
    """Two runs paid December and January; £500 recovered; December's line returned: the
    award still paid January, more than £500, so the return goes through."""
    award = _paid_award(scene, due_up_to=date(2026, 12, 31))
    from tests.pooling.payments_support import confirm_and_pay

    confirm_and_pay(
        actor=scene.finance.user, tenant=scene.body, pool=scene.pool, due_up_to=date(2027, 1, 31), pay_on=TODAY
    )
    with tenant_context(scene.body):
        december_run = PaymentRun.objects.order_by("pk").first()
        assert december_run is not None
        line = PaymentRunLine.objects.get(payment_run=december_run, school_id=award.school_id)
    paid_both = DECEMBER + line_total_january(scene, award)
    award_recover(actor=scene.finance.user, tenant=scene.body, award_id=award.pk, amount_pence=500_00, reason="x")
    _return(scene, december_run, line)
    assert _recoverable(scene, award) == paid_both - DECEMBER - 500_00


def line_total_january(scene: Scene, award: Award) -> int:
    with tenant_context(scene.body):
        return Instalment.objects.get(schedule__source_id=str(award.pk), due_on__month=1).amount_pence


def test_returned_first_a_recovery_is_limited_to_what_is_now_paid(scene: Scene) -> None:
    award = _paid_award(scene)
    run, line = _run_and_line(scene, award)
    _return(scene, run, line)
    assert _recoverable(scene, award) == 0
    with pytest.raises(ConflictError) as over:
        award_recover(actor=scene.finance.user, tenant=scene.body, award_id=award.pk, amount_pence=1, reason="x")
    assert (over.value.code, over.value.extra) == ("over_recovery", {"recoverable_pence": 0})


def test_the_api_refuses_the_return_with_the_code(scene: Scene) -> None:
    award = _paid_award(scene)
    run, line = _run_and_line(scene, award)
    award_recover(actor=scene.finance.user, tenant=scene.body, award_id=award.pk, amount_pence=DECEMBER, reason="x")
    api = APIClient()
    api.force_authenticate(scene.finance.user)
    url = f"/api/v1/bodies/{scene.body.slug}/pools/payment-runs/{run.pk}/lines/{line.pk}/returned/"
    response = api.post(url, {"returned_on": "2026-12-07", "reason": "Account closed"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "return_below_recovered")
    assert _state(scene, award, line)[:3] == (0, 0, None)


def test_a_failed_run_pays_nothing_so_a_recovery_cannot_be_over_it(scene: Scene) -> None:
    """A run sent and not paid has paid nothing: nothing from it can be recovered, and its
    failure is recorded whatever was recovered from earlier runs."""
    from pooling.services.payment_runs import payment_run_send
    from pooling.services.payments import payment_run_confirm

    award = _paid_award(scene)
    award_recover(actor=scene.finance.user, tenant=scene.body, award_id=award.pk, amount_pence=DECEMBER, reason="x")
    run = payment_run_confirm(
        actor=scene.finance.user, tenant=scene.body, pool=scene.pool, due_up_to=date(2027, 1, 31), pay_on=TODAY
    )
    payment_run_send(actor=scene.finance.user, tenant=scene.body, payment_run_id=run.pk)
    payment_run_fail(
        actor=scene.finance.user, tenant=scene.body, payment_run_id=run.pk, failed_on=TODAY, reason="File rejected"
    )
    assert _recoverable(scene, award) == 0
