"""A case decided from 2026-27 and renewed into 2027-28, and the readers of it by role
(issue 16, point 5): shared by the tests of what an auditor reaches through a grant.

Roles: ``auditor`` (an auditor of the named pools only), ``head_and_auditor`` (Brook
Academy's head, also the body's auditor of the named pools), ``officer`` (a decision
officer), ``head_elsewhere`` (Brook Academy's head only). Every case here is Meadow's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from accounts.models import Role, User
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case
from exceptional_resource.services import cases as case_services
from exceptional_resource.services.awards import awards_mark_reviews_due
from exceptional_resource.services.reviews import review_decide
from pooling.models import Pool
from pooling.services.ledger import pool_open
from tests.exceptional_resource.api_support import CRITERIA, api, url
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.pages_support import submitted_case
from tests.factories import member, own_academy
from tests.pooling.audit_grants_support import grant_pools
from tests.pooling.conftest import fund

FIRST, RENEWED = 7_654_32, 4_321_09  # the 2026-27 award and its 2027-28 renewal
GRANT_ENDS = date(2027, 12, 31)


@dataclass
class World:
    case: Case
    first: Award  # decided from scene.pool (2026-27)
    later: Pool  # 2027-28
    renewed: Award | None = None  # the renewal, decided from ``later``


def decided_world(scene: Scene, *, raised_by: str = "") -> World:
    """``raised_by``: the sign-in email of who drafted the case (its head's by default)."""
    case = submitted_case(scene, requested_pence=FIRST, **({"created_by_label": raised_by} if raised_by else {}))
    case_services.case_decide(
        actor=scene.officer.user,
        tenant=scene.body,
        case_id=case.pk,
        outcome="approved",
        criteria_met=CRITERIA,
        reasons="Meets the criteria",
        amount_pence=FIRST,
        pool_id=scene.pool.pk,
        frequency="monthly",
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 3, 31),
        review_on=date(2027, 3, 1),
    )
    later = pool_open(actor=scene.finance.user, tenant=scene.body, label="2027-28")
    fund(scene.finance, later, 20_000_00, key="fund-later")
    with tenant_context(scene.body):
        return World(case=Case.objects.get(pk=case.pk), first=Award.objects.get(case=case), later=later)


def reviewed_world(scene: Scene, *, raised_by: str = "") -> World:
    """The case's review due (on 2 March 2027) and its progress recorded by the school."""
    world = decided_world(scene, raised_by=raised_by)
    assert awards_mark_reviews_due(tenant=scene.body, today=date(2027, 3, 2)) == [world.case.pk]
    head = api(scene.head.user)
    detail = head.get(url(scene.body, f"cases/{world.case.pk}/")).json()
    results = [{"outcome_id": o["id"], "result": "partly", "note": "40 signs of 50"} for o in detail["outcomes"]]
    recorded = head.post(url(scene.body, f"cases/{world.case.pk}/review/"), {"results": results}, format="json")
    assert recorded.status_code == 200, recorded.json()
    return world


def renewed_world(scene: Scene, *, raised_by: str = "") -> World:
    """The case renewed after its review, the new award decided from 2027-28."""
    world = reviewed_world(scene, raised_by=raised_by)
    result = review_decide(
        actor=scene.officer.user,
        tenant=scene.body,
        case_id=world.case.pk,
        decision="renew",
        reasons="Good progress; continue.",
        criteria_met=CRITERIA,
        amount_pence=RENEWED,
        pool_id=world.later.pk,
        frequency="monthly",
        starts_on=date(2027, 4, 1),
        ends_on=date(2027, 7, 31),
        review_on=date(2027, 7, 1),
    )
    assert result.award is not None
    world.renewed = result.award
    return world


def reader(scene: Scene, who: str, pools: list[Pool]) -> User:
    if who == "officer":
        return scene.officer.user
    brook = own_academy(scene.body, name="Brook Academy")
    if who in ("head_and_auditor", "head_elsewhere"):
        user = member(Role.HEAD, scene.body, school=brook).user
        if who == "head_elsewhere":
            return user
        member(Role.AUDITOR, scene.body, user=user, valid_to=GRANT_ENDS)
    else:
        user = member(Role.AUDITOR, scene.body, valid_to=GRANT_ENDS).user
    grant_pools(scene.body, user, valid_until=GRANT_ENDS, pools=pools)
    return user
