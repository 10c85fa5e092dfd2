"""A case's timeline follows the rule of its decisions and awards (issue 16, point 5): on a
case an auditor reaches only through a grant, the entries about an award or decision of a
pool they hold no grant on (its approval, the award committed, its review, its end) are left
out of the case page and the case API, as its decisions and awards are. Entries about the
case itself (submitted, information asked and given) stay. Anyone who reads the case in
another role (a decision officer; the school's own head, also an auditor) sees it whole.

The world: a case decided from 2026-27 (``FIRST``) and renewed into 2027-28 (``RENEWED``)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from core.tenancy import tenant_context
from exceptional_resource.models import Case, CaseEvent
from pooling.models import Pool
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.conftest import scene as scene
from tests.exceptional_resource.pages_support import client_for
from tests.factories import member
from tests.pooling.audit_grants_support import grant_pools
from tests.pooling.renewal_support import GRANT_ENDS, reader, renewed_world

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]
FIRST_SHOWN, RENEWED_SHOWN = "7,654.32", "4,321.09"
# What the case's timeline holds, oldest first, and the pool each entry is about (None: the case).
FIRST_ENTRIES = ["approve", "award_committed", "review_due", "review_recorded", "award_ended"]
RENEWAL_ENTRIES = ["renew", "award_committed"]


def _timelines(client: Client, scene: Scene, case: Case) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(verb, note) of each entry: the case API's timeline, and the case page's."""
    api = client.get(f"/api/v1/bodies/{scene.body.slug}/cases/{case.pk}/")
    page = client.get(reverse("cases:detail", kwargs={"body_slug": scene.body.slug, "case_id": case.pk}))
    assert (api.status_code, page.status_code) == (200, 200)
    from_api = [(e["verb"], e["note"]) for e in api.json()["timeline"]]
    from_page = [(item["event"].verb, item["event"].note) for item in page.context["timeline"]]
    return from_api, from_page


def _case_entries(scene: Scene, case: Case) -> list[str]:
    with tenant_context(scene.body):
        return list(CaseEvent.objects.filter(case=case, pool__isnull=True).values_list("verb", flat=True))


def test_every_entry_about_an_award_or_decision_names_its_pool(scene: Scene) -> None:
    world = renewed_world(scene)
    with tenant_context(scene.body):
        entries = [(e.verb, e.pool_id) for e in CaseEvent.objects.filter(case=world.case).order_by("created_at", "id")]
    about_pools = [e for e in entries if e[1] is not None]
    first, later = scene.pool.pk, world.later.pk
    assert about_pools == [(v, first) for v in FIRST_ENTRIES] + [(v, later) for v in RENEWAL_ENTRIES]
    assert [v for v, pool in entries if pool is None] == _case_entries(scene, world.case)
    assert "submit" in _case_entries(scene, world.case)


@pytest.mark.parametrize("who", ["auditor", "head_and_auditor"])
def test_an_auditor_of_the_renewal_reads_no_entry_about_the_first_award(scene: Scene, who: str) -> None:
    world = renewed_world(scene)
    client = client_for(reader(scene, who, [world.later]))
    for timeline in _timelines(client, scene, world.case):
        verbs = [verb for verb, _ in timeline]
        assert not any(FIRST_SHOWN in note for _, note in timeline)
        assert "approve" not in verbs
        assert any(RENEWED_SHOWN in note for _, note in timeline)
        assert verbs == _case_entries(scene, world.case) + RENEWAL_ENTRIES


def test_an_auditor_of_the_first_period_reads_no_entry_about_the_renewal(scene: Scene) -> None:
    world = renewed_world(scene)
    client = client_for(reader(scene, "auditor", [scene.pool]))
    for timeline in _timelines(client, scene, world.case):
        verbs = [verb for verb, _ in timeline]
        assert not any(RENEWED_SHOWN in note for _, note in timeline)
        assert "renew" not in verbs
        assert [v for v in verbs if v not in _case_entries(scene, world.case)] == FIRST_ENTRIES


@pytest.mark.parametrize("who", ["officer", "own_head_and_auditor", "auditor_of_both"])
def test_readers_in_another_role_or_of_both_periods_read_the_whole_timeline(scene: Scene, who: str) -> None:
    world = renewed_world(scene)
    pools: list[Pool] = [world.later]
    if who == "officer":
        user = scene.officer.user
    elif who == "own_head_and_auditor":  # Meadow's head, also an auditor of 2027-28 only
        user = scene.head.user
        member(Role.AUDITOR, scene.body, user=user, valid_to=GRANT_ENDS)
        grant_pools(scene.body, user, valid_until=GRANT_ENDS, pools=pools)
    else:
        user = reader(scene, "auditor", [scene.pool, world.later])
    with tenant_context(scene.body):
        everything = list(CaseEvent.objects.filter(case=world.case).order_by("created_at", "id").values_list("verb"))
    for timeline in _timelines(client_for(user), scene, world.case):
        assert [(verb,) for verb, _ in timeline] == everything
