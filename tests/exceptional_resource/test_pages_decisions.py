"""The decision officer's queue and decision page: headroom now and after, the published
criteria, refusals (limit, recusal, headroom) shown clearly, and changes to awards."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role
from core.money import format_pence
from core.tenancy import tenant_context
from exceptional_resource.models import Award, CaseEvent, Decision
from exceptional_resource.services.cases import case_request_information
from pooling.models import Instalment
from pooling.selectors import pool_headroom
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.pages_support import (
    CRITERIA,
    approved_case,
    client_for,
    field_error,
    fresh,
    input_value,
    submitted_case,
    text,
    url,
)
from tests.factories import member, own_academy

pytestmark = pytest.mark.django_db


def _decision(scene: Scene, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "outcome": "approved",
        "criteria_met": CRITERIA,
        "reasons": "Meets the published criteria.",
        "amount": "9000.00",
        "pool": str(scene.pool.pk),
        "frequency": "monthly",
        "starts_on": "2026-12-01",
        "ends_on": "2027-03-31",
        "review_on": "2027-03-01",
        "conditions": "Termly progress note.",
        "action": "decide",
    }
    data.update(changes)
    return data


def _available(scene: Scene) -> int:
    return pool_headroom(tenant=scene.body, pool=scene.pool).available_on_expected_pence


def test_the_queue_shows_the_clock_and_the_headroom(scene: Scene) -> None:
    waiting = submitted_case(scene)
    paused = submitted_case(scene)
    case_request_information(actor=scene.officer.user, tenant=scene.body, case_id=paused.pk, question="Plan?")
    drafted = draft_case(scene)
    page = text(client_for(scene.officer.user).get(url("queue", scene.body)))
    assert waiting.reference in page
    assert paused.reference in page
    assert drafted.reference not in page
    assert "0 of 10 working days" in page
    assert "Paused" in page
    assert format_pence(_available(scene)) in page
    assert "£9,000.00" in page  # what each asks for


@pytest.mark.parametrize("who", ["head", "auditor", "finance", "trustee"])
def test_the_queue_and_decision_page_are_404_for_others(scene: Scene, who: str) -> None:
    case = submitted_case(scene)
    user = {
        "head": scene.head.user,
        "auditor": member(Role.AUDITOR, scene.body).user,
        "finance": scene.finance.user,
        "trustee": member(Role.TRUSTEE, scene.body).user,
    }[who]
    client = client_for(user)
    assert client.get(url("queue", scene.body)).status_code == 404
    assert client.get(url("decide", scene.body, case_id=case.pk)).status_code == 404
    assert client.post(url("decide", scene.body, case_id=case.pk), _decision(scene)).status_code == 404
    assert client.get(url("request-information", scene.body, case_id=case.pk)).status_code == 404
    assert fresh(scene, case).status == "submitted"


def test_an_officer_without_mfa_is_sent_to_set_it_up(scene: Scene) -> None:
    case = submitted_case(scene)
    no_mfa = member(Role.DECISION_OFFICER, scene.body, decision_limit_pence=10_000_00)
    response = client_for(no_mfa.user).get(url("decide", scene.body, case_id=case.pk))
    assert response.status_code == 302
    assert "/mfa/" in response["Location"] or "totp" in response["Location"]


def test_the_decision_page_shows_headroom_now_and_after_and_the_criteria(scene: Scene) -> None:
    case = submitted_case(scene)
    before = _available(scene)
    page = text(client_for(scene.officer.user).get(url("decide", scene.body, case_id=case.pk)))
    assert "Available now (2026-27)" in page
    assert format_pence(before) in page
    assert format_pence(before - 9_000_00) in page  # after this decision (the amount asked for)
    with tenant_context(scene.body):
        criteria = list(fresh(scene, case).policy.decision_criteria)  # type: ignore[union-attr]
    for criterion in criteria:
        assert criterion.replace("'", "&#x27;") in page
    # Updating the figures with another amount decides nothing.
    preview = client_for(scene.officer.user).post(
        url("decide", scene.body, case_id=case.pk), _decision(scene, amount="5000", action="preview")
    )
    assert format_pence(before - 5_000_00) in text(preview)
    assert input_value(preview, "amount") == "5000"
    assert fresh(scene, case).status == "submitted"


def test_approving_commits_the_money_and_the_head_sees_the_award(scene: Scene) -> None:
    case = submitted_case(scene)
    before = _available(scene)
    response = client_for(scene.officer.user).post(url("decide", scene.body, case_id=case.pk), _decision(scene))
    assert response["Location"] == url("detail", scene.body, case_id=case.pk)
    assert fresh(scene, case).status == "active"
    assert _available(scene) == before - 9_000_00
    with tenant_context(scene.body):
        decision = Decision.objects.get(case=case)
    assert (decision.outcome, decision.amount_pence, decision.criteria_met) == ("approved", 9_000_00, CRITERIA)
    assert decision.conditions == "Termly progress note."
    head_view = text(client_for(scene.head.user).get(url("detail", scene.body, case_id=case.pk)))
    assert "Meets the published criteria." in head_view
    assert "1 December 2026 to 31 March 2027, paid monthly" in head_view
    with tenant_context(scene.body):
        first = Instalment.objects.filter(schedule__source_id=str(decision.award.pk)).order_by("due_on").first()
    assert first is not None
    assert format_pence(first.amount_pence) in head_view


def test_declining_needs_only_reasons(scene: Scene) -> None:
    case = submitted_case(scene)
    data = {"outcome": "declined", "reasons": "Within what the school can provide.", "action": "decide"}
    response = client_for(scene.officer.user).post(url("decide", scene.body, case_id=case.pk), data)
    assert response.status_code == 302
    assert fresh(scene, case).status == "declined"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "9000.005"}, "amount", "Enter an amount with no more than 2 decimal places (pence)"),
        ({"amount": "-10"}, "amount", "Enter an amount of 0 or more"),
        ({"amount": ""}, "amount", "Enter the amount awarded."),
        ({"ends_on": "2026-11-30"}, "ends_on", "The last day must be on or after the first day."),
        ({"reasons": ""}, "reasons", "Give the reasons for the decision"),
        ({"outcome": ""}, "outcome", "Choose approve, partly approve or decline"),
        ({"frequency": ""}, "frequency", "Choose monthly or termly payments."),
        ({"review_on": ""}, "review_on", "Enter the review date."),
        ({"pool": "999999"}, "pool", "Choose an open funding period"),
        ({"criteria_met": ["Not in the policy"]}, "criteria_met", "Tick criteria from the published list only"),
    ],
)
def test_bad_decision_values_are_refused_on_the_field_and_kept(
    scene: Scene, changes: dict[str, Any], field: str, message: str
) -> None:
    case = submitted_case(scene)
    before = _available(scene)
    response = client_for(scene.officer.user).post(
        url("decide", scene.body, case_id=case.pk), _decision(scene, **changes)
    )
    assert response.status_code == 200
    assert field_error(response, f"id_{field}") == message
    assert "Termly progress note." in text(response)  # what was typed is kept
    assert fresh(scene, case).status == "submitted"
    assert _available(scene) == before


def test_above_the_delegated_limit_is_refused_and_escalated(scene: Scene) -> None:
    case = submitted_case(scene, requested_pence=30_000_00)
    response = client_for(scene.officer.user).post(
        url("decide", scene.body, case_id=case.pk), _decision(scene, amount="30000")
    )
    page = text(response)
    assert "The decision has not been made" in page
    assert "This is above your delegated limit, so it must be escalated" in page
    assert input_value(response, "amount") == "30000"
    with tenant_context(scene.body):
        assert Decision.objects.filter(case=case).count() == 0
    assert fresh(scene, case).status == "submitted"


def test_an_officer_who_works_at_the_school_must_stand_aside(scene: Scene) -> None:
    case = submitted_case(scene)
    officer = member(Role.DECISION_OFFICER, scene.body, mfa=True, decision_limit_pence=50_000_00)
    member(Role.HEAD, scene.body, school=scene.school, user=officer.user)
    client = client_for(officer.user)
    page = text(client.get(url("decide", scene.body, case_id=case.pk)))
    assert "so you must stand aside" in page
    response = client.post(url("decide", scene.body, case_id=case.pk), _decision(scene))
    assert "You work at this school, so you cannot decide this case" in text(response)
    with tenant_context(scene.body):
        assert Decision.objects.filter(case=case).count() == 0
    assert fresh(scene, case).status == "submitted"


def test_insufficient_headroom_is_refused_and_recorded_for_governance(scene: Scene) -> None:
    too_much = _available(scene) + 1_00
    case = submitted_case(scene, requested_pence=too_much)
    response = client_for(scene.senior.user).post(
        url("decide", scene.body, case_id=case.pk), _decision(scene, amount=f"{too_much / 100:.2f}")
    )
    page = text(response)
    assert "The pool cannot fund this" in page
    assert "for the finance officers and trustees to resolve at governance level" in page
    assert "Short by £1.00" in page
    with tenant_context(scene.body):
        assert CaseEvent.objects.filter(case=case, verb="headroom_shortfall").count() == 1
        assert Award.objects.filter(case=case).count() == 0
    assert fresh(scene, case).status == "submitted"


def test_reconsideration_is_decided_by_a_different_officer(scene: Scene) -> None:
    case = approved_case(scene)
    client_for(scene.head.user).post(url("reconsideration", scene.body, case_id=case.pk), {"grounds": "More needed"})
    same = client_for(scene.officer.user).post(
        url("decide", scene.body, case_id=case.pk), _decision(scene, outcome="declined")
    )
    assert "a different officer must decide the reconsideration" in text(same)
    page = text(client_for(scene.senior.user).get(url("decide", scene.body, case_id=case.pk)))
    assert "This case's award of £9,000.00 is running" in page
    no_end = client_for(scene.senior.user).post(
        url("decide", scene.body, case_id=case.pk), _decision(scene, outcome="declined", amount="")
    )
    assert field_error(no_end, "id_end_on") == (
        "This case has a running award: enter the day it ends (unpaid instalments after it are released)."
    )
    assert fresh(scene, case).status == "reconsideration_requested"
    other = client_for(scene.senior.user).post(
        url("decide", scene.body, case_id=case.pk), _decision(scene, outcome="declined", amount="", end_on="2026-11-30")
    )
    assert other.status_code == 302
    assert fresh(scene, case).status == "declined"
    assert pool_headroom(tenant=scene.body, pool=scene.pool).committed_outstanding_pence == 0


def test_asking_for_information_pauses_the_clock(scene: Scene) -> None:
    case = submitted_case(scene)
    client = client_for(scene.officer.user)
    blank = client.post(url("request-information", scene.body, case_id=case.pk), {"question": " "})
    assert field_error(blank, "id_question") == "Say what information you need"
    client.post(url("request-information", scene.body, case_id=case.pk), {"question": "Send the EP report."})
    assert fresh(scene, case).status == "information_requested"
    page = text(client_for(scene.head.user).get(url("detail", scene.body, case_id=case.pk)))
    assert "Send the EP report." in page
    assert "Paused" in page


def test_an_officer_varies_and_ends_an_award(scene: Scene) -> None:
    case = approved_case(scene)
    with tenant_context(scene.body):
        award = Award.objects.get(case=case)
    client = client_for(scene.officer.user)
    bad = client.post(url("award-vary", scene.body, award_id=award.pk), {"new_amount": "8000.001", "reason": "x"})
    assert field_error(bad, "id_new_amount") == "Enter an amount with no more than 2 decimal places (pence)"
    assert (
        client.post(
            url("award-vary", scene.body, award_id=award.pk), {"new_amount": "8000", "reason": "Fewer hours"}
        ).status_code
        == 302
    )
    bad_end = client.post(
        url("award-end", scene.body, award_id=award.pk),
        {"end_on_day": "1", "end_on_month": "13", "end_on_year": "2027", "reason": "Left"},
    )
    assert field_error(bad_end, "id_end_on") == "The last day of the award must be a real date"
    response = client.post(
        url("award-end", scene.body, award_id=award.pk),
        {"end_on_day": "15", "end_on_month": "1", "end_on_year": "2027", "reason": "Left"},
    )
    assert response.status_code == 302
    with tenant_context(scene.body):
        award.refresh_from_db()
    assert (award.amount_pence, award.status) == (8_000_00, "ended")
    assert fresh(scene, case).status == "ended"
    head = client_for(scene.head.user)
    assert head.get(url("award-vary", scene.body, award_id=award.pk)).status_code == 404
    assert head.get(url("award-end", scene.body, award_id=award.pk)).status_code == 404


def test_an_officer_of_another_school_scope_cannot_reach_other_bodies_cases(scene: Scene) -> None:
    case = submitted_case(scene)
    elsewhere = member(Role.DECISION_OFFICER, mfa=True, decision_limit_pence=50_000_00)
    other_body_school = own_academy(elsewhere.responsible_body)
    assert other_body_school.pk != scene.school.pk
    client = client_for(elsewhere.user)
    assert client.get(url("decide", elsewhere.responsible_body, case_id=case.pk)).status_code == 404
    assert client.get(url("decide", scene.body, case_id=case.pk)).status_code == 404
