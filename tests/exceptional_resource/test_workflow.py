from __future__ import annotations

from datetime import date

import pytest

from accounts.models import Role
from core.errors import ApplicationError, ConflictError
from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case, CaseEvent, Decision, Outcome
from exceptional_resource.selectors.clock import case_clock
from exceptional_resource.services import cases
from pooling.models import Instalment
from pooling.selectors import pool_headroom
from pooling.services.ledger import InsufficientHeadroom
from tests.exceptional_resource.conftest import draft_case
from tests.factories import member

pytestmark = pytest.mark.django_db

CRITERIA = ["The intended outcomes are specific, measurable and have a review date."]


def _approve(scene, case, officer=None, amount=9_000_00, **kwargs):  # type: ignore[no-untyped-def]
    args = dict(
        actor=(officer or scene.officer).user,
        tenant=scene.body,
        case_id=case.pk,
        outcome="approved",
        criteria_met=CRITERIA,
        reasons="Meets the criteria",
        amount_pence=amount,
        pool_id=scene.pool.pk,
        frequency="monthly",
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 3, 31),
        review_on=date(2027, 3, 1),
    )
    args.update(kwargs)
    return cases.case_decide(**args)


def _status(scene, case) -> str:  # type: ignore[no-untyped-def]
    with tenant_context(scene.body):
        return Case.objects.get(pk=case.pk).status


def test_submit_approve_commits_money_and_schedules_instalments(scene) -> None:
    case = draft_case(scene)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    with tenant_context(scene.body):
        submitted = Case.objects.get(pk=case.pk)
    assert submitted.status == "submitted"
    assert submitted.decision_due_on is not None
    result = _approve(scene, case)
    assert _status(scene, case) == "active"
    assert result.award is not None
    headroom = pool_headroom(tenant=scene.body, pool=scene.pool)
    assert headroom.committed_outstanding_pence == 9_000_00
    with tenant_context(scene.body):
        instalments = list(Instalment.objects.filter(schedule__source_id=str(result.award.pk)).order_by("due_on"))
        verbs = list(CaseEvent.objects.filter(case=case).values_list("verb", flat=True))
        audited = set(
            AuditEvent.objects.filter(object_type="exceptional_resource.case", object_id=str(case.pk)).values_list(
                "verb", flat=True
            )
        )
    assert [i.due_on for i in instalments] == [date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)]
    assert sum(i.amount_pence for i in instalments) == 9_000_00
    assert verbs == ["submit", "approve", "award_committed"]
    assert audited == {"case.submit", "case.approve"}
    assert result.decision.policy_id is not None
    assert result.decision.criteria_met == CRITERIA


@pytest.mark.parametrize(
    ("name", "actor_role"),
    [("submit", "officer"), ("approve", "head"), ("request_information", "head"), ("withdraw", "officer")],
)
def test_transitions_are_refused_for_the_wrong_role(scene, name: str, actor_role: str) -> None:
    case = draft_case(scene)
    if name in ("approve", "request_information"):
        cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    actor = getattr(scene, actor_role).user
    with pytest.raises(ApplicationError) as exc:
        if name == "approve":
            _approve(scene, case, officer=getattr(scene, actor_role))
        elif name == "request_information":
            cases.case_request_information(actor=actor, tenant=scene.body, case_id=case.pk, question="?")
        elif name == "submit":
            cases.case_submit(actor=actor, tenant=scene.body, case_id=case.pk)
        else:
            cases.case_withdraw(actor=actor, tenant=scene.body, case_id=case.pk)
    assert exc.value.code == "not_allowed"


def test_refused_transitions_from_the_wrong_status(scene) -> None:
    case = draft_case(scene)
    with pytest.raises(ConflictError) as exc:
        _approve(scene, case)  # still a draft
    assert exc.value.code == "invalid_transition"
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    with pytest.raises(ConflictError):
        cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    _approve(scene, case)
    with pytest.raises(ConflictError):
        cases.case_withdraw(actor=scene.head.user, tenant=scene.body, case_id=case.pk)


def test_an_incomplete_draft_cannot_be_submitted(scene) -> None:
    case = draft_case(scene, need_description="", parents_involved=None)
    with tenant_context(scene.body):
        Outcome.objects.filter(case=case).delete()
    with pytest.raises(ApplicationError) as exc:
        cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    assert exc.value.code == "incomplete_case"
    assert set(exc.value.extra["missing"]) == {"need_description", "outcomes", "parents_involved"}
    assert _status(scene, case) == "draft"


def test_information_request_pauses_the_clock_and_the_answer_resumes_it(scene) -> None:
    case = draft_case(scene)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    cases.case_request_information(
        actor=scene.officer.user, tenant=scene.body, case_id=case.pk, question="Please attach the therapist's report"
    )
    with tenant_context(scene.body):
        paused = case_clock(case=Case.objects.get(pk=case.pk))
    assert paused["paused"] is True
    with pytest.raises(ConflictError):
        _approve(scene, case)  # not while information is awaited
    cases.case_provide_information(actor=scene.head.user, tenant=scene.body, case_id=case.pk, answer="Attached")
    assert _status(scene, case) == "submitted"


def test_above_the_delegated_limit_escalates_to_a_higher_limit(scene) -> None:
    case = draft_case(scene, requested_pence=30_000_00)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    with pytest.raises(ConflictError) as exc:
        _approve(scene, case, amount=30_000_00)
    assert exc.value.code == "over_delegated_limit"
    with tenant_context(scene.body):
        # The refused decision left nothing behind but the record that it went up a level.
        assert list(CaseEvent.objects.filter(case=case, verb="escalated").values_list("actor_label", flat=True)) == [
            scene.officer.user.email
        ]
        assert AuditEvent.objects.get(verb="case.escalated", object_id=str(case.pk)).after == {
            "limit_pence": 25_000_00,
            "amount_pence": 30_000_00,
        }
        assert not Decision.objects.filter(case=case).exists()
    result = _approve(scene, case, officer=scene.senior, amount=30_000_00)
    assert result.award.amount_pence == 30_000_00


def test_an_officer_who_works_at_the_school_must_stand_aside(scene) -> None:
    case = draft_case(scene)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    member(Role.SENDCO, scene.body, user=scene.officer.user, school=scene.school)
    with pytest.raises(ConflictError) as exc:
        _approve(scene, case)
    assert exc.value.code == "recused"
    with tenant_context(scene.body):
        recused = list(CaseEvent.objects.filter(case=case, verb="recused").values_list("actor_label", "note"))
        assert AuditEvent.objects.filter(verb="case.recused", object_id=str(case.pk)).count() == 1
        assert not Decision.objects.filter(case=case).exists()
    assert recused == [(scene.officer.user.email, "The officer works at this school and stood aside.")]


def test_insufficient_headroom_refuses_the_decision_and_records_the_shortfall(scene) -> None:
    case = draft_case(scene, requested_pence=50_000_00)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    with pytest.raises(InsufficientHeadroom) as exc:
        _approve(scene, case, officer=scene.senior, amount=50_000_00)
    assert exc.value.shortfall_pence == 10_000_00
    assert _status(scene, case) == "submitted"
    with tenant_context(scene.body):
        assert CaseEvent.objects.filter(case=case, verb="headroom_shortfall").count() == 1
        assert not Award.objects.filter(case=case).exists()
    assert pool_headroom(tenant=scene.body, pool=scene.pool).committed_outstanding_pence == 0


def test_reconsideration_is_decided_by_a_different_officer(scene) -> None:
    case = draft_case(scene)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    cases.case_decide(
        actor=scene.officer.user,
        tenant=scene.body,
        case_id=case.pk,
        outcome="declined",
        criteria_met=[],
        reasons="The school's own provision is sufficient",
    )
    cases.case_request_reconsideration(
        actor=scene.head.user, tenant=scene.body, case_id=case.pk, grounds="New therapist report"
    )
    with pytest.raises(ConflictError) as exc:
        _approve(scene, case)
    assert exc.value.code == "same_officer_reconsideration"
    result = _approve(scene, case, officer=scene.senior)
    assert result.decision.is_reconsideration is True


def test_bad_decision_input_is_refused(scene) -> None:
    case = draft_case(scene)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    for kwargs, code in (
        ({"outcome": "maybe"}, "invalid_outcome"),
        ({"reasons": " "}, "reasons_required"),
        ({"amount": 0}, "amount_required"),
        ({"frequency": "weekly"}, "invalid_frequency"),
        ({"ends_on": date(2026, 11, 1)}, "invalid_dates"),
        ({"criteria_met": ["Anything goes"]}, "unknown_criteria"),
    ):
        with pytest.raises(ApplicationError) as exc:
            _approve(scene, case, **kwargs)
        assert exc.value.code == code, kwargs
    assert _status(scene, case) == "submitted"
