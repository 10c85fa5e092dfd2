"""An auditor reads a pupil only for a case they may read (issue 16, point 5): the pupils
API is no wider than the cases API. Through a grant on a pool, the pupils listed and opened
are those with a case of that pool (or a case not yet decided, which belongs to no pool);
never the body's other pupils. A school role keeps its own schools' pupils, a decision
officer every pupil. And when the grant is revoked, the pupil, the case, its timeline and
its comments are a 404 at once.

The world: Meadow's case decided from 2026-27 (``scene.pool``), a 2027-28 pool with nothing
decided from it yet, and a pupil of Meadow with no case at all."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from core.tenancy import tenant_context
from exceptional_resource.models import Case, Pupil
from pooling.models import PoolAuditGrant
from pooling.services.audit_grants import pool_audit_revoke
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.conftest import scene as scene
from tests.exceptional_resource.pages_support import client_for, submitted_case
from tests.factories import member
from tests.pooling.renewal_support import World, decided_world, reader

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]


def _lone_pupil(scene: Scene) -> Pupil:
    with tenant_context(scene.body):
        return Pupil.objects.create(
            responsible_body=scene.body,
            school=scene.school,
            year_group="Y5",
            sen_status="sen_support",
            primary_need="ASD",
        )


def _api(scene: Scene, path: str) -> str:
    return f"/api/v1/bodies/{scene.body.slug}/{path}"


def _listed(client: Client, scene: Scene) -> list[int]:
    response = client.get(_api(scene, "pupils/"))
    assert response.status_code == 200
    return sorted(p["id"] for p in response.json()["results"])


def _opened(client: Client, scene: Scene, *pupils: Pupil) -> list[int]:
    return [client.get(_api(scene, f"pupils/{p.pk}/")).status_code for p in pupils]


def _world(scene: Scene) -> tuple[World, Pupil, Pupil]:
    world = decided_world(scene)
    with tenant_context(scene.body):
        pupil = Case.objects.select_related("pupil").get(pk=world.case.pk).pupil
    return world, pupil, _lone_pupil(scene)


@pytest.mark.parametrize("who", ["auditor", "head_and_auditor"])
def test_an_auditor_of_another_period_reads_no_pupil(scene: Scene, who: str) -> None:
    world, pupil, lone = _world(scene)
    client = client_for(reader(scene, who, [world.later]))
    assert _listed(client, scene) == []
    assert _opened(client, scene, pupil, lone) == [404, 404]


@pytest.mark.parametrize("who", ["auditor", "head_and_auditor"])
def test_an_auditor_of_the_cases_period_reads_its_pupil_and_no_other(scene: Scene, who: str) -> None:
    _world_parts, pupil, lone = _world(scene)
    client = client_for(reader(scene, who, [scene.pool]))
    assert _listed(client, scene) == [pupil.pk]
    assert _opened(client, scene, pupil, lone) == [200, 404]


def test_a_case_not_yet_decided_keeps_its_pupil_readable_as_its_case_is(scene: Scene) -> None:
    world, _pupil, lone = _world(scene)
    client = client_for(reader(scene, "auditor", [world.later]))
    undecided = submitted_case(scene)
    with tenant_context(scene.body):
        waiting = Case.objects.select_related("pupil").get(pk=undecided.pk).pupil
    assert _listed(client, scene) == [waiting.pk]
    assert _opened(client, scene, waiting, lone) == [200, 404]


@pytest.mark.parametrize("who", ["officer", "own_head_and_auditor"])
def test_readers_in_another_role_read_every_pupil_they_did_before(scene: Scene, who: str) -> None:
    _world_parts, pupil, lone = _world(scene)
    user = scene.officer.user if who == "officer" else scene.head.user
    if who == "own_head_and_auditor":
        member(Role.AUDITOR, scene.body, user=user, valid_to=date(2027, 12, 31))
    client = client_for(user)
    assert _listed(client, scene) == sorted([pupil.pk, lone.pk])
    assert _opened(client, scene, pupil, lone) == [200, 200]


def test_revoking_the_grant_closes_the_pupil_the_case_its_timeline_and_comments_at_once(scene: Scene) -> None:
    world, pupil, _lone = _world(scene)
    auditor = reader(scene, "auditor", [scene.pool])
    client = client_for(auditor)
    urls = {
        "pupil API": _api(scene, f"pupils/{pupil.pk}/"),
        "case API (with its timeline)": _api(scene, f"cases/{world.case.pk}/"),
        "comments API": _api(scene, f"cases/{world.case.pk}/comments/"),
        "evidence API": _api(scene, f"cases/{world.case.pk}/evidence/"),
        "case page (with its timeline)": reverse(
            "cases:detail", kwargs={"body_slug": scene.body.slug, "case_id": world.case.pk}
        ),
    }
    assert {what: client.get(u).status_code for what, u in urls.items()} == dict.fromkeys(urls, 200)
    assert client.get(urls["case API (with its timeline)"]).json()["timeline"]
    assert _listed(client, scene) == [pupil.pk]
    admin = member(Role.BODY_ADMIN, scene.body, mfa=True).user
    with tenant_context(scene.body):
        grant = PoolAuditGrant.objects.get(user=auditor)
    pool_audit_revoke(actor=admin, tenant=scene.body, poolauditgrant_id=grant.pk)
    assert {what: client.get(u).status_code for what, u in urls.items()} == dict.fromkeys(urls, 404)
    assert _listed(client, scene) == []
