"""Decisions on a case that already has money (issue 14, item 1): a reconsideration or a
review supersedes the running award through ``award_effects.decision_effect``."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from core.errors import ApplicationError, ConflictError
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case, CaseEvent, Decision
from exceptional_resource.services import cases
from pooling.models import Instalment
from pooling.selectors import pool_headroom
from pooling.services.ledger import InsufficientHeadroom
from pooling.services.payments import payment_run_confirm
from tests.exceptional_resource.api_support import api, approve_terms
from tests.exceptional_resource.api_support import url as api_url
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.pages_support import approved_case, client_for, field_error, input_value, text
from tests.exceptional_resource.pages_support import url as page_url
from tests.exceptional_resource.test_workflow import CRITERIA, _approve

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]

DECEMBER = 230_578  # £9,000 over 1 Dec-31 Mar by days: December's 31 of 121 days, floored


ASKED = 45_000_00  # the school asked for more than it was first given: it asks again


def _running(scene: Scene, amount: int = 9_000_00) -> tuple[Case, Award]:
    case = draft_case(scene, requested_pence=ASKED)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    award = _approve(scene, case, amount=amount, outcome="partly_approved").award
    assert award is not None
    cases.case_request_reconsideration(
        actor=scene.head.user, tenant=scene.body, case_id=case.pk, grounds="The therapist says more is needed"
    )
    return case, award


def _reconsider(scene: Scene, case: Case, **changes: Any) -> cases.DecisionResult:
    """Approving all that was asked is *approved*, less *partly approved* (decision_terms)."""
    if "amount" in changes and "outcome" not in changes:
        changes["outcome"] = "approved" if changes["amount"] == ASKED else "partly_approved"
    return _approve(scene, case, officer=scene.senior, **changes)


def _committed(scene: Scene) -> int:
    return pool_headroom(tenant=scene.body, pool=scene.pool).committed_outstanding_pence


def _pay_december(scene: Scene) -> None:
    payment_run_confirm(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 12, 31),
        pay_on=date(2026, 12, 31),
    )


def test_approving_a_reconsideration_varies_the_running_award_instead_of_adding_one(scene: Scene) -> None:
    case, award = _running(scene)
    result = _reconsider(scene, case, amount=12_000_00)
    assert result.award is not None
    assert result.award.pk == award.pk
    assert _committed(scene) == 12_000_00  # was £21,000: a second award beside the first
    with tenant_context(scene.body):
        assert list(Award.objects.filter(case=case).values_list("amount_pence", "status")) == [(12_000_00, "active")]
        first, second = Decision.objects.filter(case=case).order_by("decided_at", "pk")
        assert (second.supersedes_id, second.acts_on_award_id, second.award_effect) == (first.pk, award.pk, "varied")
        assert (first.award_effect, second.is_reconsideration, second.amount_pence) == ("new", True, 12_000_00)
        assert Case.objects.get(pk=case.pk).status == "active"
        assert (
            sum(
                Instalment.objects.filter(schedule__source_id=str(award.pk), status="scheduled").values_list(
                    "amount_pence", flat=True
                )
            )
            == 12_000_00
        )


def test_approving_less_releases_unpaid_instalments_and_never_goes_below_what_is_paid(scene: Scene) -> None:
    case, award = _running(scene)
    _pay_december(scene)
    with pytest.raises(ConflictError) as below:
        _reconsider(scene, case, amount=2_000_00)
    assert below.value.code == "below_paid"
    assert "£2,305.78 is already paid" in below.value.message
    _reconsider(scene, case, amount=5_000_00)
    assert _committed(scene) == 5_000_00 - DECEMBER
    with tenant_context(scene.body):
        assert Award.objects.get(pk=award.pk).amount_pence == 5_000_00
        paid = Instalment.objects.get(schedule__source_id=str(award.pk), status="paid")
        assert (paid.due_on, paid.amount_pence) == (date(2026, 12, 1), DECEMBER)


def test_approving_more_than_the_pool_can_fund_changes_nothing_and_records_the_shortfall(scene: Scene) -> None:
    case, _ = _running(scene)
    with pytest.raises(InsufficientHeadroom) as short:
        _reconsider(scene, case, amount=45_000_00)
    # £40,000 in the pool, £9,000 already committed to this award: an increase of £36,000
    # against £31,000 available.
    assert short.value.extra["shortfall_pence"] == 5_000_00
    assert _committed(scene) == 9_000_00
    with tenant_context(scene.body):
        assert Decision.objects.filter(case=case).count() == 1
        assert Case.objects.get(pk=case.pk).status == "reconsideration_requested"
        assert CaseEvent.objects.filter(case=case, verb="headroom_shortfall").count() == 1


def test_declining_a_reconsideration_ends_the_award_from_the_officers_date(scene: Scene) -> None:
    case, award = _running(scene)
    _pay_december(scene)
    decline = {"outcome": "declined", "amount": 0, "pool_id": None}
    with pytest.raises(ApplicationError) as no_date:
        _reconsider(scene, case, **decline)
    assert (no_date.value.code, no_date.value.field) == ("end_on_required", "end_on")
    with pytest.raises(ConflictError) as unpaid:
        _reconsider(scene, case, **decline, end_on=date(2027, 1, 31))
    assert unpaid.value.code == "unpaid_instalments"
    assert "£2,305.78 of this award is due on or before 31 January 2027 and not yet paid" in unpaid.value.message
    assert _committed(scene) == 9_000_00 - DECEMBER
    result = _reconsider(scene, case, **decline, end_on=date(2026, 12, 31))
    assert result.award is None
    assert _committed(scene) == 0  # January to March released: nothing left scheduled
    with tenant_context(scene.body):
        ended = Award.objects.get(pk=award.pk)
        assert (ended.status, ended.ended_on) == ("ended", date(2026, 12, 31))
        assert Case.objects.get(pk=case.pk).status == "declined"
        assert not Instalment.objects.filter(schedule__source_id=str(award.pk), status="scheduled").exists()
        first, second = Decision.objects.filter(case=case).order_by("decided_at", "pk")
        assert (second.outcome, second.supersedes_id, second.acts_on_award_id) == ("declined", first.pk, award.pk)
        assert second.award_effect == "ended"


def test_declining_with_nothing_running_needs_no_date(scene: Scene) -> None:
    case = draft_case(scene)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    result = cases.case_decide(
        actor=scene.officer.user,
        tenant=scene.body,
        case_id=case.pk,
        outcome="declined",
        criteria_met=CRITERIA,
        reasons="Does not meet the criteria",
    )
    assert (result.decision.award_effect, result.decision.supersedes_id, result.award) == ("none", None, None)


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_declined_case_with_unpaid_instalments(scene: Scene) -> None:
    case, _ = _running(scene)
    for status in ("declined", "withdrawn", "closed"):
        with pytest.raises(DatabaseError, match="has unpaid instalments"):
            with transaction.atomic(), tenant_context(scene.body), connection.cursor() as cursor:
                cursor.execute("UPDATE exceptional_resource_case SET status = %s WHERE id = %s", [status, case.pk])
    with tenant_context(scene.body):
        assert Case.objects.get(pk=case.pk).status == "reconsideration_requested"
        cursor_free = Case.objects.filter(pk=case.pk)
        cursor_free.update(status="active")  # any other status is allowed
        assert Case.objects.get(pk=case.pk).status == "active"


def test_through_the_api_a_reconsideration_supersedes_the_running_award_and_the_link_is_shown(scene: Scene) -> None:
    case, award = _running(scene)
    _pay_december(scene)
    decide = api_url(scene.body, f"cases/{case.pk}/decide/")
    officer = api(scene.senior.user)
    decline = {"outcome": "declined", "reasons": "The need is met from the school's own budget"}
    for bad, status, where in (
        (decline, 400, "end_on_required"),
        ({**decline, "end_on": "31/12/2026"}, 400, "end_on"),
        ({**decline, "end_on": "2026-02-30"}, 400, "end_on"),
        ({**decline, "end_on": "2027-01-31"}, 409, "unpaid_instalments"),
        ({**approve_terms(scene.pool.pk, amount=2_000_00), "outcome": "partly_approved"}, 409, "below_paid"),
        ({**approve_terms(scene.pool.pk, amount="12000.50"), "outcome": "partly_approved"}, 400, "amount_pence"),
    ):
        refused = officer.post(decide, bad, format="json")
        assert refused.status_code == status, (bad, refused.json())
        assert where in str(refused.json()), (bad, refused.json())
    assert _committed(scene) == 9_000_00 - DECEMBER
    varied = officer.post(
        decide, {**approve_terms(scene.pool.pk, amount=12_000_00), "outcome": "partly_approved"}, format="json"
    )
    assert varied.status_code == 201, varied.json()
    assert varied.json()["award_id"] == award.pk
    first, second = varied.json()["case"]["decisions"][::-1]
    assert {k: second[k] for k in ("supersedes_id", "acts_on_award_id", "award_effect", "amount_pence")} == {
        "supersedes_id": first["id"],
        "acts_on_award_id": award.pk,
        "award_effect": "varied",
        "amount_pence": 12_000_00,
    }
    assert (first["supersedes_id"], first["acts_on_award_id"], first["award_effect"]) == (None, None, "new")
    assert _committed(scene) == 12_000_00 - DECEMBER
    page = text(client_for(scene.senior.user).get(page_url("detail", scene.body, case_id=case.pk)))
    assert "Supersedes the decision of 7 December 2026 (partly approved), which stays on the record" in page
    assert "The running award was varied to £12,000.00" in page
    assert "A new award of £9,000.00" in page
    cases.case_request_reconsideration(
        actor=scene.head.user, tenant=scene.body, case_id=case.pk, grounds="Please look again"
    )
    ended = api(scene.officer.user).post(decide, {**decline, "end_on": "2026-12-31"}, format="json")
    assert ended.status_code == 201, ended.json()
    last = ended.json()["case"]["decisions"][0]
    assert (last["outcome"], last["acts_on_award_id"], last["award_effect"]) == ("declined", award.pk, "ended")
    assert ended.json()["case"]["status"] == "declined"
    assert _committed(scene) == 0
    page = text(client_for(scene.senior.user).get(page_url("detail", scene.body, case_id=case.pk)))
    assert "The running award ended on 31 December 2026: its unpaid instalments after that day were released" in page


def test_varying_below_what_is_paid_shows_the_error_on_the_amount_and_keeps_what_was_typed(scene: Scene) -> None:
    """The schedule's refusal names its own argument (``new_total_pence``); the page puts it on
    the amount field, as it does the award service's errors (it was shown above the form)."""
    case = approved_case(scene)
    _pay_december(scene)
    with tenant_context(scene.body):
        award = Award.objects.get(case=case)
        paid = sum(
            Instalment.objects.filter(schedule__source_id=str(award.pk), status="paid").values_list(
                "amount_pence", flat=True
            )
        )
    assert paid > 1_00
    typed = {"new_amount": "1.00", "reason": "Fewer sessions"}
    page = client_for(scene.senior.user).post(page_url("award-vary", scene.body, award_id=award.pk), typed)
    assert page.status_code == 200
    assert field_error(page, "id_new_amount") == f"£{paid / 100:,.2f} is already paid: the total cannot be less."
    assert input_value(page, "new_amount") == "1.00"
    assert "Fewer sessions</textarea>" in html.unescape(text(page))
    with tenant_context(scene.body):
        assert Award.objects.get(pk=award.pk).amount_pence == award.amount_pence
