"""Review of forum16 (issue 16, point 5): a pool grant limits what an auditor reads of
decided cases. A user who is both a school's head and the body's auditor must still read
another school's decided case only through a live grant on its pool: the head role gives
their own school's cases, not every school's in every period."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import Role
from core.tenancy import tenant_context
from exceptional_resource.models import Award
from pooling.services.ledger import pool_open
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.conftest import scene as scene
from tests.exceptional_resource.pages_support import approved_case, client_for
from tests.factories import member, own_academy
from tests.pooling.audit_grants_support import grant_pools
from tests.pooling.conftest import fund

pytestmark = pytest.mark.django_db


def test_a_head_elsewhere_who_audits_another_period_reads_no_case_of_this_period(scene: Scene) -> None:
    case = approved_case(scene, amount=7_654_32)  # Meadow Academy's case, decided from scene.pool
    with tenant_context(scene.body):
        award = Award.objects.get(case=case)
    later = pool_open(actor=scene.finance.user, tenant=scene.body, label="2027-28")
    fund(scene.finance, later, 1_000_00, key="fund-later")
    brook = own_academy(scene.body, name="Brook Academy")
    user = member(Role.HEAD, scene.body, school=brook).user
    member(Role.AUDITOR, scene.body, user=user, valid_to=date(2027, 12, 31))
    grant_pools(scene.body, user, valid_until=date(2027, 12, 31), pools=[later])
    client = client_for(user)
    slug = scene.body.slug
    api = f"/api/v1/bodies/{slug}"
    urls = {
        "case page": reverse("cases:detail", kwargs={"body_slug": slug, "case_id": case.pk}),
        "case API": f"{api}/cases/{case.pk}/",
        "award API": f"{api}/awards/{award.pk}/",
    }
    # Neither Meadow's head nor an auditor of scene.pool: the same 404 as a pure auditor of 2027-28.
    assert {what: client.get(url).status_code for what, url in urls.items()} == dict.fromkeys(urls, 404)
