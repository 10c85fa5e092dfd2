"""One meaning of "paid": an instalment is paid when its run has been paid (sent to the
bank, then the bank's confirmation recorded or the payment date come), and only then.
Seen in the browser on 7 December: a run confirmed that day to pay on 4 January made the
head's awards page and the pool dashboard say "Paid so far £2,305.78" while the
governance pack the same day said payments £0.00. Here every page, report and API reads
the same figure on the same day: confirmed, sent to the bank, and paid."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from assurance.annex import inclusion_annex
from assurance.governance import gather as governance
from core.tenancy import tenant_context
from exceptional_resource.selectors.cases import award_rows, award_totals
from exceptional_resource.services import cases
from groupings.models import Arrangement
from pooling.services.payment_runs import payment_run_record_paid, payment_run_send, payment_run_settle
from pooling.services.payments import payment_run_confirm
from tests.exceptional_resource.api_support import api
from tests.exceptional_resource.api_support import url as api_url
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.pages_support import client_for, text
from tests.exceptional_resource.pages_support import url as page_url

pytestmark = pytest.mark.django_db

CRITERIA = ["The intended outcomes are specific, measurable and have a review date."]
CONFIRMED_ON = date(2026, 12, 7)
PAY_ON = date(2027, 1, 4)


def _paid_and_run(scene: Scene) -> tuple[Any, int]:
    """£9,000.00 monthly over four months; a run on 7 December pays December's £2,305.78
    on 4 January."""
    case = draft_case(scene)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    award = cases.case_decide(
        actor=scene.officer.user,
        tenant=scene.body,
        case_id=case.pk,
        outcome="approved",
        criteria_met=CRITERIA,
        reasons="Meets the criteria",
        amount_pence=9_000_00,
        pool_id=scene.pool.pk,
        frequency="monthly",
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 3, 31),
        review_on=date(2027, 3, 1),
    ).award
    run = payment_run_confirm(
        actor=scene.finance.user, tenant=scene.body, pool=scene.pool, due_up_to=date(2026, 12, 31), pay_on=PAY_ON
    )
    return award, run.pk


NOTHING_PAID = {
    "award row": 0,
    "award totals": 0,
    "api award": 0,
    "annex": 0,
    "pack": 0,
    "awards page": "£0.00",
    "dashboard": "£0.00",
}
DECEMBER_PAID = {
    "award row": 2_305_78,
    "award totals": 2_305_78,
    "api award": 2_305_78,
    "annex": 2_305_78,
    "pack": 2_305_78,
    "awards page": "£2,305.78",
    "dashboard": "£2,305.78",
}


def _pounds(page: str, label: str) -> str:
    """The amount shown beside ``label`` in a summary list or a figures table."""
    match = re.search(rf">{re.escape(label)}</(?:dt|th)>\s*<(?:dd|td)[^>]*>(?:<strong>)?(£[\d,.]+)", page)
    assert match, f"{label!r} not on the page"
    return match.group(1)


def _figures(scene: Scene, award: Any, day: date) -> dict[str, int | str]:
    """What every page, report and API says has been paid on ``day``."""
    rows = award_rows(tenant=scene.body, school_ids={scene.school.pk})
    with tenant_context(scene.body):
        arrangement = Arrangement.objects.get(school=scene.school)
    with governance.snapshot(scene.body):
        pack = governance.gather(tenant=scene.body, pool=scene.pool, period_end=day)
    detail = api(scene.head.user).get(api_url(scene.body, f"awards/{award.pk}/")).json()
    awards_page = text(client_for(scene.head.user).get(page_url("awards", scene.body)))
    dashboard = text(
        client_for(scene.finance.user).get(reverse("pooling:dashboard", kwargs={"body_slug": scene.body.slug}))
    )
    return {
        "award row": rows[0].paid_pence,
        "award totals": award_totals(tenant=scene.body, school_ids={scene.school.pk}).paid_pence,
        "api award": detail["paid_pence"],
        "annex": inclusion_annex(tenant=scene.body, arrangement=arrangement, pool=scene.pool).paid_pence,
        "pack": pack.totals.payments,
        "awards page": _pounds(awards_page, "Paid so far"),
        "dashboard": _pounds(dashboard, "Paid to schools"),
    }


def test_a_confirmed_run_has_paid_nothing_anywhere(scene: Scene) -> None:
    with time_machine.travel(CONFIRMED_ON, tick=False):
        award, _ = _paid_and_run(scene)
        figures = _figures(scene, award, CONFIRMED_ON)
        rows = award_rows(tenant=scene.body, school_ids={scene.school.pk})
        # Read on the day: a row read on a later day asks which returned runs had paid it.
        to_come, lines = rows[0].to_come_pence, rows[0].lines
        detail = api(scene.head.user).get(api_url(scene.body, f"awards/{award.pk}/")).json()
        page = text(client_for(scene.head.user).get(page_url("awards", scene.body)))
    assert figures == NOTHING_PAID
    # Still to be paid counts the run's instalment until it is paid; the page says which run.
    assert to_come == 9_000_00
    assert detail["scheduled_pence"] == 9_000_00
    assert [label for _, label in lines] == [
        "In a payment run, to be paid on 4 January 2027",
        "Scheduled",
        "Scheduled",
        "Scheduled",
    ]
    assert "In a payment run, to be paid on 4 January 2027" in page


def test_a_run_sent_to_the_bank_has_paid_nothing_even_on_its_payment_date(scene: Scene) -> None:
    with time_machine.travel(CONFIRMED_ON, tick=False):
        award, run_id = _paid_and_run(scene)
        payment_run_send(actor=scene.finance.user, tenant=scene.body, payment_run_id=run_id)
        sent = _figures(scene, award, CONFIRMED_ON)
        rows = award_rows(tenant=scene.body, school_ids={scene.school.pk})
        to_come, lines = rows[0].to_come_pence, rows[0].lines  # read on the day, as a page does
    with time_machine.travel(PAY_ON, tick=False):
        on_the_day_before_the_task = _figures(scene, award, PAY_ON)
    assert sent == NOTHING_PAID
    assert on_the_day_before_the_task == NOTHING_PAID
    assert to_come == 9_000_00
    assert lines[0][1] == "Sent to the bank, to be paid on 4 January 2027"


def test_once_paid_on_its_payment_date_every_figure_says_paid(scene: Scene) -> None:
    with time_machine.travel(CONFIRMED_ON, tick=False):
        award, run_id = _paid_and_run(scene)
        payment_run_send(actor=scene.finance.user, tenant=scene.body, payment_run_id=run_id)
    with time_machine.travel(PAY_ON, tick=False):
        assert payment_run_settle(tenant=scene.body, payment_run_id=run_id) is True
        figures = _figures(scene, award, PAY_ON)
        rows = award_rows(tenant=scene.body, school_ids={scene.school.pk})
        to_come, lines = rows[0].to_come_pence, rows[0].lines
    assert figures == DECEMBER_PAID
    assert to_come == 9_000_00 - 2_305_78
    assert [label for _, label in lines][:2] == ["Paid on 4 January 2027", "Due"]


def test_paid_when_the_bank_confirms_it_before_the_payment_date(scene: Scene) -> None:
    confirmed_by_bank = date(2026, 12, 21)
    with time_machine.travel(CONFIRMED_ON, tick=False):
        award, run_id = _paid_and_run(scene)
        payment_run_send(actor=scene.finance.user, tenant=scene.body, payment_run_id=run_id)
    with time_machine.travel(confirmed_by_bank, tick=False):
        payment_run_record_paid(
            actor=scene.finance.user, tenant=scene.body, payment_run_id=run_id, paid_on=confirmed_by_bank
        )
        figures = _figures(scene, award, confirmed_by_bank)
        lines = award_rows(tenant=scene.body, school_ids={scene.school.pk})[0].lines
    assert figures == DECEMBER_PAID
    assert lines[0][1] == "Paid on 21 December 2026"


def test_a_payment_the_bank_returned_is_paid_nowhere_and_due_again(scene: Scene) -> None:
    """Paid on 4 January, returned by the bank on 8 January (account closed): from then on
    every page, report and API says nothing is paid, the instalment is due again, and the
    school's awards page says the bank returned it."""
    from pooling.models import PaymentRunLine
    from pooling.services.payment_returns import payment_run_line_return

    returned_on = date(2027, 1, 8)
    with time_machine.travel(CONFIRMED_ON, tick=False):
        award, run_id = _paid_and_run(scene)
        payment_run_send(actor=scene.finance.user, tenant=scene.body, payment_run_id=run_id)
    with time_machine.travel(PAY_ON, tick=False):
        assert payment_run_settle(tenant=scene.body, payment_run_id=run_id) is True
    with time_machine.travel(returned_on, tick=False):
        assert _figures(scene, award, returned_on) == DECEMBER_PAID
        with tenant_context(scene.body):
            line = PaymentRunLine.objects.get(payment_run_id=run_id)
        payment_run_line_return(
            actor=scene.finance.user,
            tenant=scene.body,
            payment_run_id=run_id,
            line_id=line.pk,
            returned_on=returned_on,
            reason="Account closed",
        )
        figures = _figures(scene, award, returned_on)
        rows = award_rows(tenant=scene.body, school_ids={scene.school.pk})
        to_come, lines = rows[0].to_come_pence, rows[0].lines
        page = text(client_for(scene.head.user).get(page_url("awards", scene.body)))
    assert figures == NOTHING_PAID
    assert to_come == 9_000_00
    # Due again, and said so (it read "Due", as if never paid): the school's page shows it too.
    assert lines[0][1] == "Returned by the bank on 8 January 2027, to be paid again"
    assert "Returned by the bank on 8 January 2027, to be paid again" in page
    assert "The bank returned a payment" in page
    assert "£2,305.78 to" in page
    assert "returned on 8 January 2027: Account closed" in page
