"""Recovering unspent money from a school (issue 14, item 2)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from assurance.governance.gather import gather, snapshot
from core.errors import ApplicationError, ConflictError
from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource.models import Award, CaseEvent, Outcome
from exceptional_resource.selectors.recoveries import awards_to_consider_for_recovery
from exceptional_resource.services import cases
from exceptional_resource.services.recoveries import award_recover
from pooling.models import Pool, Transaction
from pooling.selectors import pool_headroom
from pooling.services.payments import pool_close
from tests.exceptional_resource.api_support import api
from tests.exceptional_resource.api_support import url as api_url
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.pages_support import client_for, field_error, text, url
from tests.exceptional_resource.test_workflow import _approve
from tests.pooling.payments_support import confirm_and_pay

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]

DECEMBER = 230_578  # December's instalment of £9,000 paid monthly from 1 December to 31 March


def _paid_award(scene: Scene, due_up_to: date = date(2026, 12, 31)) -> Award:
    case = draft_case(scene)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    award = _approve(scene, case).award
    assert award is not None
    confirm_and_pay(
        actor=scene.finance.user, tenant=scene.body, pool=scene.pool, due_up_to=due_up_to, pay_on=date(2026, 12, 7)
    )
    return award


def _recoveries(scene: Scene) -> int:
    with tenant_context(scene.body):
        return Transaction.objects.filter(kind="recovery").count()


def test_a_recovery_posts_to_recoveries_and_restores_headroom(scene: Scene) -> None:
    award = _paid_award(scene)
    before = pool_headroom(tenant=scene.body, pool=scene.pool)
    done = award_recover(
        actor=scene.finance.user, tenant=scene.body, award_id=award.pk, amount_pence=1_000_00, reason="Unspent"
    )
    after = pool_headroom(tenant=scene.body, pool=scene.pool)
    assert (done.posted_to.pk, done.carried_forward, done.recoverable_left_pence) == (scene.pool.pk, False, 130_578)
    assert after.recoveries_pence == 1_000_00
    assert after.available_on_expected_pence == before.available_on_expected_pence + 1_000_00
    assert after.cash_pence == before.cash_pence + 1_000_00
    with tenant_context(scene.body):
        legs = sorted(done.transaction.legs.values_list("account__kind", "amount_pence", "school_id"))
        assert legs == [("pool_bank", 1_000_00, award.school_id), ("recoveries", -1_000_00, award.school_id)]
        audit = AuditEvent.objects.get(verb="award.recovered")
        assert audit.after["amount_pence"] == 1_000_00
        assert (audit.after["posted_to"], audit.after["carried_forward"]) == ("2026-27", False)
        assert CaseEvent.objects.filter(case=award.case, verb="award_recovered").count() == 1
    with pytest.raises(ConflictError) as over:
        award_recover(
            actor=scene.finance.user, tenant=scene.body, award_id=award.pk, amount_pence=130_579, reason="Too much"
        )
    assert over.value.code == "over_recovery"
    assert over.value.extra == {"recoverable_pence": 130_578}
    award_recover(actor=scene.finance.user, tenant=scene.body, award_id=award.pk, amount_pence=130_578, reason="All")
    assert pool_headroom(tenant=scene.body, pool=scene.pool).recoveries_pence == DECEMBER


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"amount_pence": 0}, "invalid_amount"),
        ({"amount_pence": -5}, "invalid_amount"),
        ({"amount_pence": True}, "invalid_amount"),
        ({"amount_pence": 10.5}, "invalid_amount"),
        ({"reason": "   "}, "reason_required"),
        ({"received_on": date(2026, 12, 8)}, "future_date"),
    ],
)
def test_bad_recovery_input_is_refused_and_writes_nothing(scene: Scene, changes: dict[str, Any], code: str) -> None:
    award = _paid_award(scene)
    args: dict[str, Any] = {"amount_pence": 100, "reason": "Unspent", **changes}
    with pytest.raises(ApplicationError) as refused:
        award_recover(actor=scene.finance.user, tenant=scene.body, award_id=award.pk, **args)
    assert refused.value.code == code
    assert _recoveries(scene) == 0


def test_only_a_finance_officer_records_a_recovery(scene: Scene) -> None:
    award = _paid_award(scene)
    for who in (scene.officer, scene.head):
        with pytest.raises(ApplicationError) as refused:
            award_recover(actor=who.user, tenant=scene.body, award_id=award.pk, amount_pence=100, reason="x")
        assert refused.value.code == "not_allowed"
    assert _recoveries(scene) == 0


def test_a_recovery_for_a_closed_period_is_carried_forward_into_the_current_pool(scene: Scene) -> None:
    award = _paid_award(scene, due_up_to=date(2027, 3, 31))
    pool_close(actor=scene.finance.user, tenant=scene.body, pool=scene.pool, next_label="2027-28")
    with tenant_context(scene.body):
        current = Pool.objects.get(label="2027-28")
    before = pool_headroom(tenant=scene.body, pool=current).available_on_expected_pence
    done = award_recover(
        actor=scene.finance.user, tenant=scene.body, award_id=award.pk, amount_pence=500_00, reason="Left early"
    )
    assert (done.posted_to.label, done.carried_forward) == ("2027-28", True)
    # Received on 7 December 2026, in the closed period: recognised on 2027-28's first day.
    assert done.transaction.posted_on == date(2027, 4, 1)
    assert "(received on 7 December 2026)" in done.transaction.description
    assert pool_headroom(tenant=scene.body, pool=current).available_on_expected_pence == before + 500_00
    with snapshot(scene.body):
        pack = gather(tenant=scene.body, pool=current, period_end=date(2028, 3, 31))
    assert [(r.award_id, r.amount_pence, r.award_pool, r.carried_forward) for r in pack.recoveries] == [
        (award.pk, 500_00, "2026-27", True)
    ]
    check = next(c for c in pack.checks if c.name == "Recoveries (award by award)")
    assert (check.pack_pence, check.ledger_pence, check.ok) == (500_00, 500_00, True)


def test_the_governance_pack_lists_recoveries_and_reconciles_them(scene: Scene) -> None:
    award = _paid_award(scene)
    award_recover(actor=scene.finance.user, tenant=scene.body, award_id=award.pk, amount_pence=250_00, reason="x")
    with snapshot(scene.body):
        pack = gather(tenant=scene.body, pool=scene.pool, period_end=date(2027, 3, 31))
    assert [(r.case_reference, r.amount_pence, r.carried_forward) for r in pack.recoveries] == [
        (award.case.reference, 250_00, False)
    ]
    check = next(c for c in pack.checks if c.name == "Recoveries (award by award)")
    assert (check.pack_pence, check.ledger_pence) == (250_00, 250_00)
    assert pack.reconciled


def test_the_api_records_a_recovery_and_refuses_bad_values(scene: Scene) -> None:
    award = _paid_award(scene)
    path = api_url(scene.body, f"awards/{award.pk}/recoveries/")
    client = api(scene.finance.user)
    for bad, field in (
        ({"amount_pence": 0, "reason": "x"}, "amount_pence"),
        ({"amount_pence": "ten", "reason": "x"}, "amount_pence"),
        ({"amount_pence": 100}, "reason"),
        ({"amount_pence": 100, "reason": "x" * 501}, "reason"),
        ({"amount_pence": 100, "reason": "x", "received_on": "31/12/2026"}, "received_on"),
    ):
        response = client.post(path, bad, format="json")
        assert response.status_code == 400, (bad, response.json())
        assert field in str(response.json()), (bad, response.json())
    over = client.post(path, {"amount_pence": DECEMBER + 1, "reason": "x"}, format="json")
    assert (over.status_code, over.json()["code"]) == (409, "over_recovery")
    assert _recoveries(scene) == 0
    response = client.post(path, {"amount_pence": 1_000_00, "reason": "Unspent"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in ("award_id", "amount_pence", "posted_to_pool", "carried_forward")} == {
        "award_id": award.pk,
        "amount_pence": 1_000_00,
        "posted_to_pool": "2026-27",
        "carried_forward": False,
    }
    assert body["recoverable_left_pence"] == DECEMBER - 1_000_00
    officer = api(scene.officer.user).post(path, {"amount_pence": 100, "reason": "x"}, format="json")
    assert officer.status_code in (403, 404)


def test_the_page_shows_what_can_be_recovered_and_records_it(scene: Scene) -> None:
    award = _paid_award(scene)
    client = client_for(scene.finance.user)
    page = client.get(url("award-recover", scene.body, award_id=award.pk))
    assert "£2,305.78" in text(page)
    bad = client.post(url("award-recover", scene.body, award_id=award.pk), {"amount": "0", "reason": "x"})
    assert field_error(bad, "id_amount")
    over = client.post(url("award-recover", scene.body, award_id=award.pk), {"amount": "3000", "reason": "x"})
    assert "cannot be more" in field_error(over, "id_amount")
    assert _recoveries(scene) == 0
    done = client.post(url("award-recover", scene.body, award_id=award.pk), {"amount": "1000.00", "reason": "Unspent"})
    assert done.status_code == 302
    assert pool_headroom(tenant=scene.body, pool=scene.pool).recoveries_pence == 1_000_00


def test_year_end_lists_awards_that_paid_money_while_outcomes_were_not_met(scene: Scene) -> None:
    decided = []
    for amount in (9_000_00, 1_210_00):
        case = draft_case(scene, requested_pence=amount)
        cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
        award = _approve(scene, case, amount=amount).award
        assert award is not None
        decided.append(award)
    missed, met = decided
    run = {"due_up_to": date(2026, 12, 31), "pay_on": date(2026, 12, 7)}
    confirm_and_pay(actor=scene.finance.user, tenant=scene.body, pool=scene.pool, **run)
    with tenant_context(scene.body):
        Outcome.objects.filter(case=missed.case).update(result="not_yet")
        Outcome.objects.filter(case=met.case).update(result="achieved")
    rows = awards_to_consider_for_recovery(tenant=scene.body, pool=scene.pool)
    assert [(r.award.pk, r.paid_pence, r.recoverable_pence, r.results) for r in rows] == [
        (missed.pk, DECEMBER, DECEMBER, ["not_yet"])
    ]
    page = text(client_for(scene.finance.user).get(url("recovery-candidates", scene.body, pool_id=scene.pool.pk)))
    to_consider, others = page.split('id="other-awards"')
    assert missed.case.reference in to_consider
    assert met.case.reference not in to_consider
    assert met.case.reference in others  # listed too, to record what any school returns


def _met(scene: Scene, award: Award) -> None:
    with tenant_context(scene.body):
        Outcome.objects.filter(case=award.case).update(result="achieved")


def test_a_finance_officer_finds_any_award_that_paid_money_from_the_pool_pages_and_recovers_it(scene: Scene) -> None:
    """A finance officer sees no case: the pool's pages lead to every award that paid money
    from it, outcomes met or not (a pupil who left, a school returning what it did not spend)."""
    award = _paid_award(scene)
    _met(scene, award)
    client = client_for(scene.finance.user)
    runs = text(
        client.get(reverse("pooling:payment-runs", kwargs={"body_slug": scene.body.slug, "pool_id": scene.pool.pk}))
    )
    recoveries = url("recovery-candidates", scene.body, pool_id=scene.pool.pk)
    assert f'href="{recoveries}">Recover money from schools</a>' in runs
    page = text(client.get(recoveries))
    to_consider, others = page.split('id="other-awards"')
    assert award.case.reference not in to_consider  # its outcomes were met
    assert award.case.reference in others
    assert "Achieved" in others
    recover = url("award-recover", scene.body, award_id=award.pk)
    assert f'href="{recover}"' in others
    for bad, field, message in (
        ({"amount": "ten", "reason": "x"}, "id_amount", ""),
        ({"amount": "-5", "reason": "x"}, "id_amount", ""),
        ({"amount": "1.234", "reason": "x"}, "id_amount", ""),
        ({"amount": "0.00", "reason": "x"}, "id_amount", ""),
        ({"amount": "10", "reason": "  "}, "id_reason", "Say why the money is recovered"),
        ({"amount": "10", "reason": "x" * 501}, "id_reason", ""),
        (
            {
                "amount": "10",
                "reason": "x",
                "received_on_day": "8",
                "received_on_month": "12",
                "received_on_year": "2026",
            },
            "id_received_on",
            "The money cannot be received in the future",
        ),
        (
            {
                "amount": "10",
                "reason": "x",
                "received_on_day": "31",
                "received_on_month": "2",
                "received_on_year": "2026",
            },
            "id_received_on",
            "",
        ),
    ):
        refused = client.post(recover, bad)
        assert refused.status_code == 200, bad
        assert field_error(refused, field), bad
        assert message in field_error(refused, field), bad
    assert _recoveries(scene) == 0
    done = client.post(recover, {"amount": str(DECEMBER / 100), "reason": "The pupil left in December"})
    assert done.status_code == 302
    assert pool_headroom(tenant=scene.body, pool=scene.pool).recoveries_pence == DECEMBER
    assert "Recovered in full" in text(client.get(recoveries)).split('id="other-awards"')[1]


def test_year_end_lists_an_award_the_period_paid_though_it_was_decided_from_the_one_before(scene: Scene) -> None:
    case = draft_case(scene)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    award = _approve(scene, case, ends_on=date(2027, 6, 30)).award
    assert award is not None
    confirm_and_pay(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2027, 3, 31),
        pay_on=date(2026, 12, 7),
    )
    pool_close(actor=scene.finance.user, tenant=scene.body, pool=scene.pool, next_label="2027-28")
    with tenant_context(scene.body):
        current = Pool.objects.get(label="2027-28")
        Outcome.objects.filter(case=case).update(result="partly")
    with time_machine.travel(datetime(2027, 5, 15, 10, tzinfo=UTC), tick=False):
        confirm_and_pay(
            actor=scene.finance.user,
            tenant=scene.body,
            pool=current,
            due_up_to=date(2027, 4, 30),
            pay_on=date(2027, 5, 1),
        )
        rows = awards_to_consider_for_recovery(tenant=scene.body, pool=current)
        page = text(client_for(scene.finance.user).get(url("recovery-candidates", scene.body, pool_id=current.pk)))
    assert [(r.award.pk, r.award.pool.label, r.results) for r in rows] == [(award.pk, "2026-27", ["partly"])]
    # December to April of £9,000 spread over 1 December-30 June by days, each month floored:
    # 3 x 131,603 (31 of 212 days) + 118,867 (28) + 127,358 (30).
    assert rows[0].paid_pence == rows[0].recoverable_pence == 641_034
    decided_from = f'{award.case.reference} <span class="govuk-body-s">(decided from 2026-27)</span>'
    assert decided_from in page.split('id="other-awards"')[0]


def test_the_api_lists_the_awards_that_paid_money_and_those_to_consider(scene: Scene) -> None:
    decided = []
    for amount in (9_000_00, 1_210_00):
        case = draft_case(scene, requested_pence=amount)
        cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
        award = _approve(scene, case, amount=amount).award
        assert award is not None
        decided.append(award)
    missed, met = decided
    confirm_and_pay(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 12, 31),
        pay_on=date(2026, 12, 7),
    )
    with tenant_context(scene.body):
        Outcome.objects.filter(case=missed.case).update(result="not_yet")
    _met(scene, met)
    award_recover(actor=scene.finance.user, tenant=scene.body, award_id=met.pk, amount_pence=100_00, reason="Unspent")
    path = api_url(scene.body, f"pools/{scene.pool.pk}/recovery-candidates/")
    client = api(scene.finance.user)
    every = client.get(path)
    assert every.status_code == 200, every.json()
    rows = {r["award_id"]: r for r in every.json()["results"]}
    assert set(rows) == {missed.pk, met.pk}
    assert {k: rows[met.pk][k] for k in ("paid_pence", "recovered_pence", "recoverable_pence", "outcomes_not_met")} == {
        "paid_pence": 31_000,
        "recovered_pence": 100_00,
        "recoverable_pence": 31_000 - 100_00,
        "outcomes_not_met": False,
    }
    assert (rows[missed.pk]["outcome_results"], rows[missed.pk]["award_pool"]) == (["not_yet"], "2026-27")
    considered = client.get(path, {"to_consider": "true"}).json()["results"]
    assert [(r["award_id"], r["paid_pence"], r["outcomes_not_met"]) for r in considered] == [
        (missed.pk, DECEMBER, True)
    ]
    assert client.get(path, {"to_consider": "perhaps"}).status_code == 400
    assert client.get(api_url(scene.body, "pools/999999999/recovery-candidates/")).status_code == 404
    assert api(scene.officer.user).get(path).status_code == 404


def test_the_year_end_close_page_itself_lists_the_awards_to_consider_for_recovery(scene: Scene) -> None:
    decided = []
    for amount in (9_000_00, 1_210_00):
        case = draft_case(scene, requested_pence=amount)
        cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
        award = _approve(scene, case, amount=amount).award
        assert award is not None
        decided.append(award)
    missed, met = decided
    confirm_and_pay(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 12, 31),
        pay_on=date(2026, 12, 7),
    )
    with tenant_context(scene.body):
        Outcome.objects.filter(case=missed.case).update(result="not_yet")
    _met(scene, met)
    close = reverse("pooling:pool-close", kwargs={"body_slug": scene.body.slug, "pool_id": scene.pool.pk})
    page = text(client_for(scene.finance.user).get(close))
    listing = page.split('<div id="recovery-candidates">')[1].split("Record a recovery from a school</a>")[0]
    assert "Awards to consider for recovery" in listing
    cells = re.findall(r'<td class="govuk-table__cell[^"]*">([^<]*)</td>', listing)
    assert cells == ["Meadow Academy", missed.case.reference, "Not yet achieved", "£2,305.78", "£2,305.78"]
    assert met.case.reference not in listing
    assert url("recovery-candidates", scene.body, pool_id=scene.pool.pk) in listing


def test_money_cannot_come_back_before_the_award_paid_it(scene: Scene) -> None:
    """December's instalment was paid by a run paid on 7 December 2026: nothing can have
    been returned before then, on the service, the page or the API."""
    award = _paid_award(scene)
    args = {"actor": scene.finance.user, "tenant": scene.body, "award_id": award.pk, "reason": "Unspent"}
    for day in (date(2020, 1, 1), date(2026, 12, 6)):
        with pytest.raises(ApplicationError) as refused:
            award_recover(amount_pence=100, received_on=day, **args)
        assert (refused.value.code, refused.value.field) == ("received_before_paid", "received_on")
        assert refused.value.message.startswith(f"By {day:%-d %B %Y} this award had paid the school £0.00")
    page = client_for(scene.finance.user).post(
        url("award-recover", scene.body, award_id=award.pk),
        {"amount": "1.00", "reason": "x", "received_on_day": "1", "received_on_month": "1", "received_on_year": "2020"},
    )
    assert "money cannot come back before it was paid" in field_error(page, "id_received_on")
    response = api(scene.finance.user).post(
        api_url(scene.body, f"awards/{award.pk}/recoveries/"),
        {"amount_pence": 100, "reason": "x", "received_on": "2026-12-06"},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (400, "received_before_paid")
    assert _recoveries(scene) == 0
    done = award_recover(amount_pence=100, received_on=date(2026, 12, 7), **args)
    assert done.transaction.posted_on == date(2026, 12, 7)
    assert "received on" not in done.transaction.description


def test_only_a_finance_officer_sees_the_recoveries_page_and_an_unknown_pool_is_not_found(scene: Scene) -> None:
    page = url("recovery-candidates", scene.body, pool_id=scene.pool.pk)
    for who in (scene.officer, scene.head):
        assert client_for(who.user).get(page).status_code == 404
    finance = client_for(scene.finance.user)
    assert finance.get(page).status_code == 200
    assert finance.get(url("recovery-candidates", scene.body, pool_id=999_999_999)).status_code == 404
