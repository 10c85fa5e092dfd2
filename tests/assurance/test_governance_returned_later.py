"""A line the bank returned after a governance pack's date: the pack as at a day between
the run's payment and the return still shows it paid and reconciles (the line keeps the
instalments it paid); as at the return, they are due again. Pages, the pack and the award
totals read "paid on day D" through ``pooling.selectors.paid``."""

from __future__ import annotations

from datetime import date

import pytest

from core.tenancy import tenant_context
from exceptional_resource.selectors.cases import award_totals
from pooling.models import Instalment, PaymentRun, PaymentRunLine
from pooling.selectors.paid import DUE, PAID, instalment_label, instalment_state, paid_q
from pooling.services.payment_returns import payment_run_line_return
from tests.assurance.governance_support import failure_of, governance_scene, pack_of, subledger_figures
from tests.assurance.test_governance_subledgers import RUN, RUN_PRIMARY, RUN_SECONDARY

TODAY = date(2026, 12, 7)
BETWEEN = date(2026, 11, 30)  # after the run was paid (2 November), before the return (today)
pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=TODAY)]


def test_a_pack_dated_before_a_later_return_shows_it_paid_and_reconciles() -> None:
    scene = governance_scene()
    with tenant_context(scene.body):
        run = PaymentRun.objects.get(pool=scene.pool)
        line = PaymentRunLine.objects.get(payment_run=run, school=scene.primary)
        returned_ids = set(
            Instalment.objects.filter(payment_run=run, schedule__school=scene.primary).values_list("pk", flat=True)
        )
    assert run.paid_on == date(2026, 11, 2)
    payment_run_line_return(
        actor=scene.finance,
        tenant=scene.body,
        payment_run_id=run.pk,
        line_id=line.pk,
        returned_on=TODAY,
        reason="Account closed",
    )

    before = pack_of(scene, period_end=BETWEEN)
    assert before.reconciled, failure_of(before)
    assert subledger_figures(before)["Paid instalments (payments made)"] == (RUN, RUN)
    after = pack_of(scene, period_end=TODAY)
    assert after.reconciled, failure_of(after)
    assert subledger_figures(after)["Paid instalments (payments made)"] == (RUN_SECONDARY, RUN_SECONDARY)

    with tenant_context(scene.body):
        line.refresh_from_db()
        assert set(line.returned_instalment_ids) == returned_ids
        paid_between = sum(i.amount_pence for i in Instalment.objects.filter(paid_q(BETWEEN)))
        paid_now = sum(i.amount_pence for i in Instalment.objects.filter(paid_q(TODAY)))
        returned = list(Instalment.objects.filter(pk__in=returned_ids).select_related("payment_run"))
        totals_between = award_totals(tenant=scene.body, school_ids=None, day=BETWEEN)
        totals_now = award_totals(tenant=scene.body, school_ids=None, day=TODAY)
        assert {instalment_state(i, BETWEEN) for i in returned} == {PAID}
        assert {instalment_label(i, BETWEEN) for i in returned} == {"Paid on 2 November 2026"}
        assert {instalment_state(i, TODAY) for i in returned} == {DUE}
    assert (paid_between, paid_now) == (RUN, RUN_SECONDARY)
    assert (totals_between.paid_pence, totals_now.paid_pence) == (RUN, RUN_SECONDARY)
    assert totals_now.to_come_pence == totals_between.to_come_pence + RUN_PRIMARY
