"""Segregation of duties (issue 14, item 3): a grouping-policy setting, on by default."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import Membership, Role
from core.errors import ConflictError
from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case, CaseEvent, Decision
from exceptional_resource.services import awards, cases
from exceptional_resource.services.reviews import ReviewDecisionResult, review_decide
from groupings.models import GroupingPolicy
from groupings.services import policy as groupings_services
from pooling.models import PaymentRun
from pooling.services.payments import payment_run_confirm
from tests.exceptional_resource.api_support import api, url
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.pages_support import client_for
from tests.exceptional_resource.pages_support import url as page_url
from tests.exceptional_resource.test_workflow import CRITERIA, _approve
from tests.factories import member
from tests.pooling.renewal_support import reviewed_world

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]


def _policy_without_segregation(scene: Scene) -> None:
    groupings_services.policy_version_create(
        actor=scene.finance.user,
        tenant=scene.body,
        effective_from=date(2026, 5, 1),
        pooled_share_percent="10",
        urgent_reserve_percent="5",
        decision_target_working_days=10,
        decision_criteria=CRITERIA,
        segregation_of_duties=False,
        change_note="Small trust: one person does both",
        allow_backdating=True,
    )


def _raised_by_officer(scene: Scene) -> Case:
    case = draft_case(scene, created_by_label=scene.officer.user.email)  # a former SENDCO, now an officer
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    return case


def test_the_default_policy_has_segregation_of_duties_on(scene: Scene) -> None:
    with tenant_context(scene.body):
        assert GroupingPolicy.objects.get().segregation_of_duties is True


def test_nobody_decides_a_case_they_raised_and_the_refusal_is_audited(scene: Scene) -> None:
    case = _raised_by_officer(scene)
    with pytest.raises(ConflictError) as refused:
        _approve(scene, case)
    assert refused.value.code == "segregation_of_duties"
    assert "You raised this case" in refused.value.message
    with tenant_context(scene.body):
        assert Case.objects.get(pk=case.pk).status == "submitted"
        assert not Decision.objects.filter(case=case).exists()
        assert CaseEvent.objects.filter(case=case, verb="segregation_refused").count() == 1
        audit = AuditEvent.objects.get(verb="case.segregation_refused")
        assert (audit.object_id, audit.actor_label, audit.after) == (
            str(case.pk),
            scene.officer.user.email,
            {"policy_version": 1},
        )
    assert _approve(scene, case, officer=scene.senior).award is not None  # another officer may


def test_deciding_a_case_one_raised_is_allowed_when_the_policy_turns_it_off(scene: Scene) -> None:
    _policy_without_segregation(scene)
    case = _raised_by_officer(scene)  # submitted under version 2
    assert _approve(scene, case).award is not None


def test_the_api_answers_409_and_keeps_the_audit_of_the_refusal(scene: Scene) -> None:
    case = _raised_by_officer(scene)
    response = api(scene.officer.user).post(
        url(scene.body, f"cases/{case.pk}/decide/"),
        {
            "outcome": "declined",
            "criteria_met": [],
            "reasons": "Not met",
        },
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (409, "segregation_of_duties")
    with tenant_context(scene.body):
        assert AuditEvent.objects.filter(verb="case.segregation_refused", object_id=str(case.pk)).count() == 1
        assert Case.objects.get(pk=case.pk).status == "submitted"


def _decided_by_a_finance_officer(scene: Scene) -> int:
    member(Role.FINANCE_OFFICER, scene.body, user=scene.officer.user)
    case = draft_case(scene)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    award = _approve(scene, case).award
    assert award is not None
    return award.pk


def test_nobody_confirms_a_run_that_pays_an_award_they_decided(scene: Scene) -> None:
    award_id = _decided_by_a_finance_officer(scene)
    run = {"tenant": scene.body, "pool": scene.pool, "due_up_to": date(2026, 12, 31), "pay_on": date(2026, 12, 31)}
    with pytest.raises(ConflictError) as refused:
        payment_run_confirm(actor=scene.officer.user, **run)
    assert refused.value.code == "segregation_of_duties"
    assert f"You decided an award this run pays (award {award_id})" in refused.value.message
    with tenant_context(scene.body):
        assert not PaymentRun.objects.exists()
        audit = AuditEvent.objects.get(verb="payment_run.refused_segregation")
        assert (audit.object_id, audit.actor_label) == (str(scene.pool.pk), scene.officer.user.email)
        assert audit.after == {"awards": [award_id], "policy_version": 1}
    confirmed = payment_run_confirm(actor=scene.finance.user, **run)
    assert confirmed.total_pence == 230_578


def test_the_run_api_answers_409_and_keeps_the_audit(scene: Scene) -> None:
    _decided_by_a_finance_officer(scene)
    response = api(scene.officer.user).post(
        url(scene.body, f"pools/{scene.pool.pk}/payment-runs/confirm/"),
        {"due_up_to": "2026-12-31", "pay_on": "2026-12-31"},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (409, "segregation_of_duties")
    with tenant_context(scene.body):
        assert AuditEvent.objects.filter(verb="payment_run.refused_segregation").count() == 1
        assert not PaymentRun.objects.exists()


def test_a_run_may_be_confirmed_by_its_decider_when_the_policy_turns_it_off(scene: Scene) -> None:
    _decided_by_a_finance_officer(scene)
    _policy_without_segregation(scene)
    run = payment_run_confirm(
        actor=scene.officer.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 12, 31),
        pay_on=date(2026, 12, 31),
    )
    assert run.total_pence == 230_578


def test_nobody_confirms_a_run_that_pays_an_award_whose_reconsideration_they_decided(scene: Scene) -> None:
    """Upholding a reconsideration at the same amount moves no money, so the ledger holds no
    posting of the officer who upheld it: they decided the award all the same."""
    member(Role.FINANCE_OFFICER, scene.body, user=scene.senior.user)
    case = draft_case(scene)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    award = _approve(scene, case).award
    assert award is not None
    cases.case_request_reconsideration(
        actor=scene.head.user, tenant=scene.body, case_id=case.pk, grounds="Please look again"
    )
    upheld = _approve(scene, case, officer=scene.senior, reasons="Upheld: the award stands")
    assert upheld.award is not None
    assert upheld.award.pk == award.pk
    assert upheld.decision.award_effect == "varied"
    run = {"tenant": scene.body, "pool": scene.pool, "due_up_to": date(2026, 12, 31), "pay_on": date(2026, 12, 31)}
    with pytest.raises(ConflictError) as refused:
        payment_run_confirm(actor=scene.senior.user, **run)
    assert refused.value.code == "segregation_of_duties"
    assert f"You decided an award this run pays (award {award.pk})" in refused.value.message
    with tenant_context(scene.body):
        assert not PaymentRun.objects.exists()
        audit = AuditEvent.objects.get(verb="payment_run.refused_segregation")
        assert audit.actor_label == scene.senior.user.email
        assert audit.after == {"awards": [award.pk], "policy_version": 1}
    assert payment_run_confirm(actor=scene.finance.user, **run).total_pence == 230_578


def _error_summary(response: Any) -> str:
    match = re.search(r'<div class="govuk-error-summary".*?</div>\s*</div>', response.content.decode(), re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))) if match else ""


def test_the_decide_page_says_why_and_keeps_the_audit_of_the_refusal(scene: Scene) -> None:
    case = _raised_by_officer(scene)
    page = client_for(scene.officer.user).post(
        page_url("decide", scene.body, case_id=case.pk),
        {
            "outcome": "approved",
            "criteria_met": CRITERIA,
            "reasons": "Meets the criteria",
            "amount": "9000.00",
            "pool": str(scene.pool.pk),
            "frequency": "monthly",
            "starts_on": "2026-12-01",
            "ends_on": "2027-03-31",
            "review_on": "2027-03-01",
            "action": "decide",
        },
    )
    assert page.status_code == 200
    assert "You raised this case, so under the grouping's segregation of duties another officer must decide it" in (
        _error_summary(page)
    )
    with tenant_context(scene.body):
        assert Case.objects.get(pk=case.pk).status == "submitted"
        assert not Decision.objects.filter(case=case).exists()
        assert AuditEvent.objects.filter(verb="case.segregation_refused", object_id=str(case.pk)).count() == 1


def test_the_run_page_says_why_and_keeps_the_audit_of_the_refusal(scene: Scene) -> None:
    award_id = _decided_by_a_finance_officer(scene)
    confirm = reverse("pooling:payment-run-new", kwargs={"body_slug": scene.body.slug, "pool_id": scene.pool.pk})
    page = client_for(scene.officer.user).post(
        confirm, {"due_up_to": "2026-12-31", "pay_on": "2026-12-31", "expected_total_pence": "230578"}
    )
    assert page.status_code == 200
    assert f"You decided an award this run pays (award {award_id})" in _error_summary(page)
    with tenant_context(scene.body):
        assert not PaymentRun.objects.exists()
        assert AuditEvent.objects.filter(verb="payment_run.refused_segregation").count() == 1


def test_nobody_varies_the_award_of_a_case_they_raised_on_the_page_or_the_api(scene: Scene) -> None:
    """Varying an award decides the case's money again: the officer who raised the case may
    not, by the service, the page or the API; each refusal is on the case's record and audited."""
    case = _raised_by_officer(scene)
    award = _approve(scene, case, officer=scene.senior).award
    assert award is not None
    with pytest.raises(ConflictError) as refused:
        awards.award_vary(
            actor=scene.officer.user, tenant=scene.body, award_id=award.pk, new_amount_pence=12_000_00, reason="More"
        )
    assert refused.value.code == "segregation_of_duties"
    page = client_for(scene.officer.user).post(
        page_url("award-vary", scene.body, award_id=award.pk), {"new_amount": "12000.00", "reason": "More"}
    )
    assert page.status_code == 200
    assert "You raised this case" in _error_summary(page)
    response = api(scene.officer.user).post(
        url(scene.body, f"awards/{award.pk}/vary/"), {"new_amount_pence": 12_000_00, "reason": "More"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "segregation_of_duties")
    with tenant_context(scene.body):
        assert Award.objects.get(pk=award.pk).amount_pence == 9_000_00
        assert CaseEvent.objects.filter(case=case, verb="segregation_refused").count() == 3
        assert AuditEvent.objects.filter(verb="case.segregation_refused", object_id=str(case.pk)).count() == 3
    varied = awards.award_vary(
        actor=scene.senior.user, tenant=scene.body, award_id=award.pk, new_amount_pence=12_000_00, reason="More"
    )
    assert varied.amount_pence == 12_000_00


def test_varying_and_paying_read_the_same_policy_the_one_in_force_not_the_cases(scene: Scene) -> None:
    """The case was submitted under version 1 (segregation on); version 2, in force now,
    turns it off. Varying the award and confirming the run that pays it both follow the
    policy in force when the officer acts, so the officer who raised it may do both."""
    case = _raised_by_officer(scene)
    award = _approve(scene, case, officer=scene.senior).award
    assert award is not None
    _policy_without_segregation(scene)
    with tenant_context(scene.body):
        raised_under = Case.objects.get(pk=case.pk).policy
    assert raised_under is not None
    assert raised_under.version == 1
    varied = awards.award_vary(
        actor=scene.officer.user, tenant=scene.body, award_id=award.pk, new_amount_pence=12_000_00, reason="More"
    )
    assert varied.amount_pence == 12_000_00
    member(Role.FINANCE_OFFICER, scene.body, user=scene.officer.user)
    run = payment_run_confirm(
        actor=scene.officer.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 12, 31),
        pay_on=date(2026, 12, 31),
    )
    assert run.total_pence > 0
    with tenant_context(scene.body):
        assert not CaseEvent.objects.filter(case=case, verb="segregation_refused").exists()


def _review_change(scene: Scene, case_id: int, officer: Membership) -> ReviewDecisionResult:
    return review_decide(
        actor=officer.user,
        tenant=scene.body,
        case_id=case_id,
        decision="change",
        reasons="Fewer sessions are needed now",
        amount_pence=7_000_00,
        review_on=date(2027, 7, 1),
    )


def test_nobody_decides_the_review_of_a_case_they_raised_when_the_case_records_no_policy(scene: Scene) -> None:
    """A case with no policy of its own (``Case.policy`` is empty) is reviewed under the policy
    in force, as its award is varied: its segregation of duties (on) refuses the officer who
    raised it, on the case's record and audited, and another officer may decide."""
    world = reviewed_world(scene, raised_by=scene.senior.user.email)
    with tenant_context(scene.body):
        Case.objects.filter(pk=world.case.pk).update(policy=None)
    with pytest.raises(ConflictError) as refused:
        _review_change(scene, world.case.pk, scene.senior)
    assert (refused.value.code, refused.value.extra) == ("segregation_of_duties", {"policy_version": 1})
    with tenant_context(scene.body):
        assert Case.objects.get(pk=world.case.pk).status == "review_due"
        assert Award.objects.get(pk=world.first.pk).amount_pence == 7_654_32
        assert CaseEvent.objects.filter(case=world.case, verb="segregation_refused").count() == 1
        audit = AuditEvent.objects.get(verb="case.segregation_refused", object_id=str(world.case.pk))
        assert (audit.actor_label, audit.after) == (scene.senior.user.email, {"policy_version": 1})
    changed = _review_change(scene, world.case.pk, scene.officer)
    assert changed.award is not None
    assert changed.award.amount_pence == 7_000_00


def test_a_review_reads_the_policy_in_force_as_varying_and_paying_do_not_the_cases(scene: Scene) -> None:
    """Raised under version 1 (segregation on), reviewed under version 2 (off), now in force:
    the officer who raised the case may decide its review, as they may vary its award."""
    world = reviewed_world(scene, raised_by=scene.senior.user.email)
    _policy_without_segregation(scene)
    with tenant_context(scene.body):
        raised_under = Case.objects.get(pk=world.case.pk).policy
    assert raised_under is not None
    assert raised_under.version == 1
    changed = _review_change(scene, world.case.pk, scene.senior)
    assert changed.award is not None
    assert changed.award.amount_pence == 7_000_00
    with tenant_context(scene.body):
        assert Case.objects.get(pk=world.case.pk).status == "active"
        assert not CaseEvent.objects.filter(case=world.case, verb="segregation_refused").exists()
