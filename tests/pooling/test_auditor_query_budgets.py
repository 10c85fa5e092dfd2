"""An auditor's lists cost the same whatever the number of rows: the pools they may audit
(page and API) with one granted pool or five, and the case and award lists, which leave out
the pools they hold no grant on, with one decided case or six. The auditor's pool page and
reports page cost exactly their budgets (issue 22 brought them down: 12 -> 11 and 7 -> 6 on
the bench data)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pooling.services.ledger import pool_open
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.conftest import scene as scene
from tests.exceptional_resource.pages_support import approved_case, client_for
from tests.pooling.audit_grants_support import pool_auditor
from tests.pooling.conftest import fund

pytestmark = pytest.mark.django_db
UNTIL = date(2027, 12, 31)
# Exact budgets, each the count measured in the test's own scene. Each counts the session
# and the user (2) and the request's atomic block, a savepoint and its release here inside
# the test's transaction (2); the bench counts fewer (11 and 6) for what it leaves out.
# The pool page: the body, the memberships, the read's savepoint, the pool, the auditor
# permission's codename, the grant, the audit event, the release, the pool's balances and
# the tenant reset (10). The reports page: the body, the memberships, the exportable
# periods in one query, the report runs and the tenant reset (5).
AUDIT_POOL_PAGE = 14
REPORTS_PAGE = 9


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _pool_urls(scene: Scene) -> list[str]:
    slug = scene.body.slug
    return [
        reverse("pooling:audit-pools", kwargs={"body_slug": slug}),
        reverse("pooling-api:audit-pools", kwargs={"body_slug": slug}),
    ]


def _case_urls(scene: Scene) -> list[str]:
    slug = scene.body.slug
    return [
        reverse("cases:list", kwargs={"body_slug": slug}),
        reverse("cases:awards", kwargs={"body_slug": slug}),
        f"/api/v1/bodies/{slug}/cases/",
        f"/api/v1/bodies/{slug}/awards/",
    ]


def test_the_pools_to_audit_cost_the_same_for_one_pool_or_five(scene: Scene) -> None:
    one = client_for(pool_auditor(scene.body, pools=[scene.pool], valid_to=UNTIL))
    pools = [scene.pool]
    for i in range(4):
        pool = pool_open(actor=scene.finance.user, tenant=scene.body, label=f"20{30 + i}-{31 + i}")
        fund(scene.finance, pool, 1_000_00, key=f"fund-{i}")
        pools.append(pool)
    five = client_for(pool_auditor(scene.body, pools=pools, valid_to=UNTIL))
    for url in _pool_urls(scene):
        assert _count(five, url) <= _count(one, url), url


def test_an_auditors_case_and_award_lists_cost_the_same_for_one_case_or_six(scene: Scene) -> None:
    later = pool_open(actor=scene.finance.user, tenant=scene.body, label="2027-28")
    fund(scene.finance, later, 1_000_00, key="fund-later")
    granted = client_for(pool_auditor(scene.body, pools=[scene.pool], valid_to=UNTIL))
    other = client_for(pool_auditor(scene.body, pools=[later], valid_to=UNTIL))
    approved_case(scene, amount=1_000_00)
    before = {url: (_count(granted, url), _count(other, url)) for url in _case_urls(scene)}
    for _ in range(5):
        approved_case(scene, amount=1_000_00)
    for url, (granted_one, other_one) in before.items():
        assert _count(granted, url) <= granted_one, url
        assert _count(other, url) <= other_one, url
    assert max(g for g, _ in before.values()) <= 20, before


def test_the_auditors_pool_page_costs_its_exact_budget(scene: Scene, django_assert_num_queries: Any) -> None:
    """The auditor's page of a granted pool costs exactly its budget: a change that adds or
    saves a query here changes the count on purpose."""
    client = client_for(pool_auditor(scene.body, pools=[scene.pool], valid_to=UNTIL))
    url = reverse("pooling:audit-pool", kwargs={"body_slug": scene.body.slug, "pool_id": scene.pool.pk})
    client.get(url)  # the session's first request: what is read once a session is not the page's
    with django_assert_num_queries(AUDIT_POOL_PAGE):
        response = client.get(url)
    assert response.status_code == 200
    assert "Pool 2026-27" in response.content.decode()


def test_the_auditors_reports_page_costs_its_exact_budget(scene: Scene, django_assert_num_queries: Any) -> None:
    """The auditor's reports page (the report types they may export, their exportable
    periods read in one query) costs exactly its budget."""
    client = client_for(pool_auditor(scene.body, pools=[scene.pool], valid_to=UNTIL))
    url = reverse("reports:reports", kwargs={"body_slug": scene.body.slug})
    client.get(url)
    with django_assert_num_queries(REPORTS_PAGE):
        response = client.get(url)
    assert response.status_code == 200
