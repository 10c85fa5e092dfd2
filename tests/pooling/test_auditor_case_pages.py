"""Auditor access per funding period reaches the case pages too (issue 16, point 5): an
auditor granted one pool reads no decision or award of another pool on the case list, the
awards page (its rows and its totals), a case's page, its evidence, the reviews list, or
the case, award and evidence API. Undecided cases (no pool yet) stay readable, and people
who read cases in another role (a decision officer, the school's head) are not limited."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case
from pooling.services.audit_grants import pool_audit_revoke
from pooling.services.ledger import pool_open
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.conftest import scene as scene
from tests.exceptional_resource.pages_support import approved_case, client_for, submitted_case
from tests.factories import member
from tests.pooling.audit_grants_support import pool_auditor
from tests.pooling.conftest import fund

pytestmark = pytest.mark.django_db
AMOUNT_SHOWN = ("7,654.32", "765432")


def _urls(slug: str, case: Case, award: Award) -> dict[str, str]:
    api = f"/api/v1/bodies/{slug}"
    return {
        "case page": reverse("cases:detail", kwargs={"body_slug": slug, "case_id": case.pk}),
        "evidence page": reverse("cases:evidence", kwargs={"body_slug": slug, "case_id": case.pk}),
        "case API": f"{api}/cases/{case.pk}/",
        "evidence API": f"{api}/cases/{case.pk}/evidence/",
        "award API": f"{api}/awards/{award.pk}/",
    }


def _lists(slug: str) -> dict[str, str]:
    api = f"/api/v1/bodies/{slug}"
    return {
        "case list": reverse("cases:list", kwargs={"body_slug": slug}),
        "awards page": reverse("cases:awards", kwargs={"body_slug": slug}),
        "reviews page": reverse("cases:reviews", kwargs={"body_slug": slug}),
        "case list API": f"{api}/cases/",
        "awards API": f"{api}/awards/",
        "reviews API": f"{api}/reviews-due/?within_days=366",
    }


def _world(scene: Scene) -> tuple[Case, Award, Case, Any]:
    case = approved_case(scene, amount=7_654_32)
    with tenant_context(scene.body):
        award = Award.objects.get(case=case)
    undecided = submitted_case(scene)
    later = pool_open(actor=scene.finance.user, tenant=scene.body, label="2027-28")
    fund(scene.finance, later, 1_000_00, key="fund-later")
    return case, award, undecided, later


def _shows(client: Client, url: str, case: Case) -> tuple[int, bool]:
    response = client.get(url)
    html = response.content.decode()
    return response.status_code, case.reference in html or any(a in html for a in AMOUNT_SHOWN)


def test_an_auditor_of_another_period_reads_no_case_or_award_of_this_one(scene: Scene) -> None:
    case, award, undecided, later = _world(scene)
    other_period = client_for(pool_auditor(scene.body, pools=[later], valid_to=date(2027, 12, 31)))
    slug = scene.body.slug
    for what, url in _urls(slug, case, award).items():
        assert other_period.get(url).status_code == 404, what
    for what, url in _lists(slug).items():
        status, shown = _shows(other_period, url, case)
        assert (status, shown) == (200, False), what
    # A case not yet decided belongs to no pool: readable, as before the grants.
    assert (
        other_period.get(reverse("cases:detail", kwargs={"body_slug": slug, "case_id": undecided.pk})).status_code
        == 200
    )


def test_the_auditor_of_this_period_reads_it_until_the_grant_is_revoked(scene: Scene) -> None:
    case, award, _undecided, _later = _world(scene)
    auditor = pool_auditor(scene.body, pools=[scene.pool], valid_to=date(2027, 12, 31))
    client = client_for(auditor)
    slug = scene.body.slug
    urls = _urls(slug, case, award)
    for what, url in urls.items():
        assert client.get(url).status_code == 200, what
    for what in ("case list", "awards page", "case list API", "awards API"):
        assert _shows(client, _lists(slug)[what], case) == (200, True), what
    admin = member(Role.BODY_ADMIN, scene.body, mfa=True).user
    with tenant_context(scene.body):
        from pooling.models import PoolAuditGrant

        grant = PoolAuditGrant.objects.get(user=auditor)
    pool_audit_revoke(actor=admin, tenant=scene.body, poolauditgrant_id=grant.pk)
    assert client.get(urls["case page"]).status_code == 404
    assert client.get(urls["award API"]).status_code == 404
    assert _shows(client, _lists(slug)["awards API"], case) == (200, False)


@pytest.mark.parametrize("who", ["officer", "head", "officer_and_auditor"])
def test_people_who_read_cases_in_another_role_are_not_limited_by_pool_grants(scene: Scene, who: str) -> None:
    case, award, _undecided, _later = _world(scene)
    user: User = scene.officer.user if who != "head" else scene.head.user
    if who == "officer_and_auditor":
        member(Role.AUDITOR, scene.body, user=user, valid_to=date(2027, 12, 31))
    client = client_for(user)
    for what, url in _urls(scene.body.slug, case, award).items():
        assert client.get(url).status_code == 200, (who, what)
