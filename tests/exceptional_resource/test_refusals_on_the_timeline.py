"""A refusal kept on a case's record is about the award it would have changed: its timeline
entry names that award's pool (``CaseEvent.pool``), as every other entry about an award does,
so an auditor granted that pool reads it and one granted only another pool does not
(``selectors.auditor_scope``). The case: raised by ``scene.senior`` (a former SENDCO, now a
decision officer), decided by ``scene.officer`` from 2026-27 and renewed into 2027-28."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import User
from core.errors import ConflictError
from core.tenancy import tenant_context
from exceptional_resource.models import CaseEvent
from exceptional_resource.services import awards
from exceptional_resource.services.reviews import review_decide
from tests.exceptional_resource.api_support import CRITERIA
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.pages_support import client_for
from tests.pooling.renewal_support import RENEWED, World, reader, renewed_world, reviewed_world

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
