"""A bank return on a settled case (issue 14): a reconsideration declined with an end date
after December was paid, then the bank returns December's line. The case stays declined:
the school is still owed December, a month the award ran, and the next payment run pays it,
once. The pages say so, the figures agree, and no status change settles a case while the
instalment is unpaid."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, transaction
from django.db.models import Sum

from core.errors import ConflictError
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case
from exceptional_resource.services import cases
from pooling.error_codes import PoolingError
from pooling.models import Instalment, PaymentRun, PaymentRunLine
from pooling.selectors import pool_headroom
from pooling.services.payment_returns import payment_run_line_return
from pooling.services.payments import payment_run_confirm
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.pages_support import client_for, text, url
from tests.exceptional_resource.test_decision_effects import DECEMBER, _reconsider, _running
from tests.exceptional_resource.test_workflow import CRITERIA
from tests.pooling.payments_support import confirm_and_pay

TODAY = date(2026, 12, 7)
pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=TODAY)]

RETURNED = "Returned by the bank on 7 December 2026, to be paid again"


def _figures(scene: Scene, award: Award) -> tuple[int, int, int, int]:
    """(paid, committed outstanding in the ledger, unpaid instalments of the award, of every
    award): the ledger's committed balance must equal the unpaid instalments."""
    headroom = pool_headroom(tenant=scene.body, pool=scene.pool)
    with tenant_context(scene.body):
        unpaid = Instalment.objects.filter(status="scheduled")
        mine = unpaid.filter(schedule__source_type="award", schedule__source_id=str(award.pk))
        return (
            headroom.paid_pence,
            headroom.committed_outstanding_pence,
            int(mine.aggregate(t=Sum("amount_pence"))["t"] or 0),
            int(unpaid.aggregate(t=Sum("amount_pence"))["t"] or 0),
        )


def _status(scene: Scene, case: Case) -> str:
    with tenant_context(scene.body):
        return Case.objects.get(pk=case.pk).status


def test_a_declined_case_whose_paid_december_the_bank_returns_is_paid_december_again_once(scene: Scene) -> None:
    case, award = _running(scene)
    december_run = confirm_and_pay(
        actor=scene.finance.user, tenant=scene.body, pool=scene.pool, due_up_to=date(2026, 12, 31), pay_on=TODAY
    )
    decline = {"outcome": "declined", "amount": 0, "pool_id": None}
    _reconsider(scene, case, **decline, end_on=date(2026, 12, 31))
    assert _status(scene, case) == "declined"
    assert _figures(scene, award) == (DECEMBER, 0, 0, 0)  # January to March released

    with tenant_context(scene.body):
        line = PaymentRunLine.objects.get(payment_run=december_run, school_id=award.school_id)
    payment_run_line_return(
        actor=scene.finance.user,
        tenant=scene.body,
        payment_run_id=december_run.pk,
        line_id=line.pk,
        returned_on=TODAY,
        reason="Account closed",
    )
    # The case stays declined, December is owed again: paid 0, committed = unpaid = December.
    assert _status(scene, case) == "declined"
    assert _figures(scene, award) == (0, DECEMBER, DECEMBER, DECEMBER)

    # The case page (officer) and the school's awards page (head) say what it is.
    for user, page in (
        (scene.senior.user, url("detail", scene.body, case_id=case.pk)),
        (scene.head.user, url("awards", scene.body)),
    ):
        shown = text(client_for(user).get(page))
        assert RETURNED in shown, page
        assert "£2,305.78" in shown

    # A status change never settles the case while December is unpaid: reconsidered and
    # declined again, it is refused, and the case waits for the run.
    cases.case_request_reconsideration(
        actor=scene.head.user, tenant=scene.body, case_id=case.pk, grounds="Please look again"
    )
    decline_again = dict(
        actor=scene.officer.user,
        tenant=scene.body,
        case_id=case.pk,
        outcome="declined",
        criteria_met=CRITERIA,
        reasons="Still met from the school's own budget",
    )
    with pytest.raises(ConflictError) as unpaid:
        cases.case_decide(**decline_again)  # type: ignore[arg-type]
    assert (unpaid.value.code, unpaid.value.extra) == ("unpaid_instalments", {"unpaid_pence": DECEMBER})
    assert _status(scene, case) == "reconsideration_requested"

    # The next run pays exactly December, once.
    again = confirm_and_pay(
        actor=scene.finance.user, tenant=scene.body, pool=scene.pool, due_up_to=date(2027, 3, 31), pay_on=TODAY
    )
    with tenant_context(scene.body):
        assert list(again.lines.values_list("school_id", "amount_pence")) == [(award.school_id, DECEMBER)]
    assert again.total_pence == DECEMBER
    assert _figures(scene, award) == (DECEMBER, 0, 0, 0)
    with pytest.raises(ConflictError) as nothing:
        payment_run_confirm(
            actor=scene.finance.user, tenant=scene.body, pool=scene.pool, due_up_to=date(2027, 3, 31), pay_on=TODAY
        )
    assert nothing.value.code == PoolingError.NOTHING_TO_PAY
    with tenant_context(scene.body):
        assert PaymentRun.objects.filter(status="paid").count() == 2
    shown = text(client_for(scene.senior.user).get(url("detail", scene.body, case_id=case.pk)))
    assert RETURNED not in shown
    assert "Paid on 7 December 2026" in shown

    cases.case_decide(**decline_again)  # type: ignore[arg-type]
    assert _status(scene, case) == "declined"


def test_a_return_of_months_paid_in_advance_past_the_award_s_end_releases_them_instead_of_paying_again(
    scene: Scene,
) -> None:
    """Found by the deep run of the case state machine: a run paid an award to March in
    advance, the award was ended from 31 December, then the bank returned the payment. The
    months after the end went back to "due" on a declined case, and the next run would have
    paid an ended award again. Only December, a month the award ran, is owed; January to
    March are released to the pool."""
    case, award = _running(scene)
    march_run = confirm_and_pay(
        actor=scene.finance.user, tenant=scene.body, pool=scene.pool, due_up_to=date(2027, 3, 31), pay_on=TODAY
    )
    headroom_before = pool_headroom(tenant=scene.body, pool=scene.pool)
    _reconsider(scene, case, outcome="declined", amount=0, pool_id=None, end_on=date(2026, 12, 31))
    assert _status(scene, case) == "declined"
    assert _figures(scene, award) == (9_000_00, 0, 0, 0)  # paid in advance: nothing to release

    with tenant_context(scene.body):
        line = PaymentRunLine.objects.get(payment_run=march_run, school_id=award.school_id)
    payment_run_line_return(
        actor=scene.finance.user,
        tenant=scene.body,
        payment_run_id=march_run.pk,
        line_id=line.pk,
        returned_on=TODAY,
        reason="Account closed",
    )
    # December is owed again; January to March are released, not due.
    assert _figures(scene, award) == (0, DECEMBER, DECEMBER, DECEMBER)
    with tenant_context(scene.body):
        statuses = sorted(
            Instalment.objects.filter(schedule__source_type="award", schedule__source_id=str(award.pk)).values_list(
                "due_on", "status"
            )
        )
    assert [s for _, s in statuses] == ["scheduled", "released", "released", "released"], statuses
    # What was released went back to the pool: headroom is what it was less December.
    after = pool_headroom(tenant=scene.body, pool=scene.pool)
    assert after.committed_outstanding_pence + after.paid_pence == DECEMBER
    assert headroom_before.paid_pence == 9_000_00

    again = confirm_and_pay(
        actor=scene.finance.user, tenant=scene.body, pool=scene.pool, due_up_to=date(2027, 3, 31), pay_on=TODAY
    )
    assert again.total_pence == DECEMBER
    assert _figures(scene, award) == (DECEMBER, 0, 0, 0)


def test_writing_a_settled_case_s_own_status_again_is_not_a_settling_change(scene: Scene) -> None:
    """The database's settled-case check is about status changes (migration 0014). Before it,
    the trigger fired on any UPDATE naming the status column, so a full save of this declined
    case (its December returned by the bank, owed and unpaid, as the docs allow) was refused
    as if it were being declined again; a real change to another settled status still is."""
    case, award = _running(scene)
    december_run = confirm_and_pay(
        actor=scene.finance.user, tenant=scene.body, pool=scene.pool, due_up_to=date(2026, 12, 31), pay_on=TODAY
    )
    _reconsider(scene, case, outcome="declined", amount=0, pool_id=None, end_on=date(2026, 12, 31))
    with tenant_context(scene.body):
        line = PaymentRunLine.objects.get(payment_run=december_run, school_id=award.school_id)
    payment_run_line_return(
        actor=scene.finance.user,
        tenant=scene.body,
        payment_run_id=december_run.pk,
        line_id=line.pk,
        returned_on=TODAY,
        reason="Account closed",
    )
    assert _figures(scene, award) == (0, DECEMBER, DECEMBER, DECEMBER)
    with tenant_context(scene.body):
        declined = Case.objects.get(pk=case.pk)
        declined.save()  # every column, the status among them, unchanged
        assert Case.objects.filter(pk=case.pk).update(status="declined") == 1
        for settled in ("withdrawn", "closed"):
            with pytest.raises(DatabaseError, match="has unpaid instalments"), transaction.atomic():
                Case.objects.filter(pk=case.pk).update(status=settled)
    assert _status(scene, case) == "declined"
    assert _figures(scene, award) == (0, DECEMBER, DECEMBER, DECEMBER)
