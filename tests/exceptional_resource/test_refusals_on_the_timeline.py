"""A refusal kept on a case's record is about the award it would have changed: its timeline
entry names that award's pool (``CaseEvent.pool``), as every other entry about an award does,
so an auditor granted that pool reads it and one granted only another pool does not
(``selectors.auditor_scope``). The case: raised by ``scene.senior`` (a former SENDCO, now a
decision officer), decided by ``scene.officer`` from 2026-27 and renewed into 2027-28.

A decision refused on a case (``case_decide``: recusal, escalation, segregation) follows the
same rule: on a reconsideration it is about the running award, whatever pool the form sent;
on a first approval about the pool it named, when that is one of the body's; a decline with
nothing running is about the case. A decline that ends a running award is about its pool."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import Role, User
from core.errors import ConflictError
from core.tenancy import tenant_context
from exceptional_resource.models import CaseEvent
from exceptional_resource.services import awards
from exceptional_resource.services import cases as case_services
from exceptional_resource.services.reviews import review_decide
from pooling.services.ledger import pool_open
from pooling.services.payments import payment_run_confirm
from tests.exceptional_resource.api_support import CRITERIA
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.pages_support import client_for, submitted_case
from tests.factories import member
from tests.pooling.conftest import fund
from tests.pooling.renewal_support import FIRST, RENEWED, World, decided_world, reader, renewed_world, reviewed_world

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]


def _refusals(scene: Scene, world: World) -> list[tuple[str, int | None]]:
    with tenant_context(scene.body):
        rows = CaseEvent.objects.filter(case=world.case, verb="segregation_refused").order_by("id")
        return list(rows.values_list("actor_label", "pool_id"))


def _timeline_verbs(user: User, scene: Scene, world: World) -> tuple[list[str], list[str]]:
    """The verbs of the case's timeline as ``user`` reads it: in the case API and on the page."""
    client = client_for(user)
    api = client.get(f"/api/v1/bodies/{scene.body.slug}/cases/{world.case.pk}/")
    page = client.get(reverse("cases:detail", kwargs={"body_slug": scene.body.slug, "case_id": world.case.pk}))
    assert (api.status_code, page.status_code) == (200, 200)
    return [e["verb"] for e in api.json()["timeline"]], [i["event"].verb for i in page.context["timeline"]]


def test_a_refused_variation_is_about_the_awards_pool_and_only_its_auditors_read_it(scene: Scene) -> None:
    world = renewed_world(scene, raised_by=scene.senior.user.email)
    assert world.renewed is not None
    with pytest.raises(ConflictError) as refused:
        awards.award_vary(
            actor=scene.senior.user,
            tenant=scene.body,
            award_id=world.renewed.pk,
            new_amount_pence=RENEWED + 100_00,
            reason="More sessions",
        )
    assert refused.value.code == "segregation_of_duties"
    assert _refusals(scene, world) == [(scene.senior.user.email, world.later.pk)]
    for verbs in _timeline_verbs(reader(scene, "auditor", [world.later]), scene, world):
        assert verbs.count("segregation_refused") == 1
    for verbs in _timeline_verbs(reader(scene, "auditor", [scene.pool]), scene, world):
        assert "segregation_refused" not in verbs
        assert "approve" in verbs  # the case is read, without the entries about 2027-28


def test_a_refused_review_decision_is_about_the_award_under_review_or_the_renewals_pool(scene: Scene) -> None:
    world = reviewed_world(scene, raised_by=scene.senior.user.email)
    terms = {"actor": scene.senior.user, "tenant": scene.body, "case_id": world.case.pk, "reasons": "Go on"}
    with pytest.raises(ConflictError) as refused:
        review_decide(decision="change", amount_pence=8_000_00, review_on=date(2027, 7, 1), **terms)
    assert refused.value.code == "segregation_of_duties"
    with pytest.raises(ConflictError) as refused_renewal:
        review_decide(
            decision="renew",
            criteria_met=CRITERIA,
            amount_pence=RENEWED,
            pool_id=world.later.pk,
            frequency="monthly",
            starts_on=date(2027, 4, 1),
            ends_on=date(2027, 7, 31),
            review_on=date(2027, 7, 1),
            **terms,
        )
    assert refused_renewal.value.code == "segregation_of_duties"
    email = scene.senior.user.email
    assert _refusals(scene, world) == [(email, scene.pool.pk), (email, world.later.pk)]


def _decision_refuser(scene: Scene, refusal: str) -> User:
    """Who is refused a decision on a case of Meadow's raised by ``scene.senior``, and why."""
    if refusal == "recused":  # a decision officer who is also Meadow's SENDCO
        officer = member(Role.DECISION_OFFICER, scene.body, mfa=True, decision_limit_pence=100_000_00)
        member(Role.SENDCO, scene.body, user=officer.user, school=scene.school)
        return officer.user
    if refusal == "escalated":  # a delegated limit of £1,000.00, under the £7,654.32 asked
        return member(Role.DECISION_OFFICER, scene.body, mfa=True, decision_limit_pence=1_000_00).user
    return scene.senior.user  # segregation_refused: they raised the case


def _decide(
    scene: Scene,
    actor: User,
    case_id: int,
    *,
    outcome: str = "approved",
    amount_pence: int = FIRST,
    pool_id: int | None = None,
    end_on: date | None = None,
) -> None:
    case_services.case_decide(
        actor=actor, tenant=scene.body, case_id=case_id, outcome=outcome, criteria_met=CRITERIA,
        reasons="Meets the criteria", amount_pence=amount_pence, pool_id=pool_id, frequency="monthly",
        starts_on=date(2026, 12, 1), ends_on=date(2027, 3, 31), review_on=date(2027, 3, 1), end_on=end_on,
    )  # fmt: skip


@pytest.mark.parametrize("refusal", ["recused", "escalated", "segregation_refused"])
def test_a_refused_reconsideration_of_a_running_award_is_about_its_pool(scene: Scene, refusal: str) -> None:
    world = renewed_world(scene, raised_by=scene.senior.user.email)
    case_services.case_request_reconsideration(
        actor=scene.head.user, tenant=scene.body, case_id=world.case.pk, grounds="More sessions are needed"
    )
    with pytest.raises(ConflictError) as refused:
        # the form names 2026-27; a reconsideration keeps the running award's pool (2027-28)
        _decide(scene, _decision_refuser(scene, refusal), world.case.pk, pool_id=scene.pool.pk)
    assert refused.value.code == {"recused": "recused", "escalated": "over_delegated_limit"}.get(
        refusal, "segregation_of_duties"
    )
    with tenant_context(scene.body):
        rows = CaseEvent.objects.filter(case=world.case, verb=refusal).values_list("pool_id", flat=True)
        assert list(rows) == [world.later.pk]
    for verbs in _timeline_verbs(reader(scene, "auditor", [world.later]), scene, world):
        assert verbs.count(refusal) == 1
    for verbs in _timeline_verbs(reader(scene, "auditor", [scene.pool]), scene, world):
        assert refusal not in verbs
        assert "approve" in verbs  # the case is read, without the entries about 2027-28


def test_a_refused_first_decision_is_about_the_pool_it_named_if_it_is_the_bodys(scene: Scene) -> None:
    later = pool_open(actor=scene.finance.user, tenant=scene.body, label="2027-28")
    fund(scene.finance, later, 20_000_00, key="fund-later")
    elsewhere = member(Role.FINANCE_OFFICER, mfa=True)  # another body, with a pool of its own
    theirs = pool_open(actor=elsewhere.user, tenant=elsewhere.responsible_body, label="2026-27")
    officer = _decision_refuser(scene, "escalated")
    named = {"later": later.pk, "theirs": theirs.pk, "none": None, "missing": 2_000_000_000}
    cases = {}
    for name, pool_id in named.items():
        case = submitted_case(scene, requested_pence=FIRST)
        with pytest.raises(ConflictError):
            _decide(scene, officer, case.pk, pool_id=pool_id)
        cases[name] = case.pk
    declined = submitted_case(scene, requested_pence=FIRST)
    with pytest.raises(ConflictError):  # a decline with nothing running, refused (recusal)
        _decide(scene, _decision_refuser(scene, "recused"), declined.pk, outcome="declined", amount_pence=0)
    with tenant_context(scene.body):
        pools = {name: CaseEvent.objects.get(case_id=pk, verb="escalated").pool_id for name, pk in cases.items()}
        declined_pool = CaseEvent.objects.get(case=declined, verb="recused").pool_id
    assert pools == {"later": later.pk, "theirs": None, "none": None, "missing": None}
    assert declined_pool is None


def test_declining_a_reconsideration_that_ends_the_running_award_is_about_its_pool(scene: Scene) -> None:
    world = decided_world(scene)
    payment_run_confirm(
        actor=scene.finance.user, tenant=scene.body, pool=scene.pool, due_up_to=date(2026, 12, 31),
        pay_on=date(2026, 12, 31),
    )  # fmt: skip
    case_services.case_request_reconsideration(
        actor=scene.head.user, tenant=scene.body, case_id=world.case.pk, grounds="Ask again"
    )
    _decide(scene, scene.senior.user, world.case.pk, outcome="declined", amount_pence=0, end_on=date(2026, 12, 31))
    with tenant_context(scene.body):
        entries = CaseEvent.objects.filter(case=world.case).order_by("created_at", "pk").values_list("verb", "pool_id")
        assert list(entries)[-2:] == [("award_ended", scene.pool.pk), ("decline", scene.pool.pk)]
