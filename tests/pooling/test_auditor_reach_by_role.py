"""What a reader reaches of the cases and awards when auditor grants meet other roles
(issue 16, point 5; review of forum16). A reader sees the union of their routes: a school
role its own schools' cases, a body-wide role (a decision officer) every case, the auditor
role the cases and awards of the pools they hold a live grant on. Through a grant, a case is
readable when any of its decisions or awards is in a granted pool (a 2027-28 renewal of a
2026-27 award), its awards and decisions of other pools stay out of sight, and an award is
readable exactly when it is in a granted pool, so never while its case is a 404.

Roles, throughout: ``auditor`` (an auditor of the named pools only), ``head_and_auditor``
(Brook Academy's head, also the body's auditor of the named pools), ``officer`` (a decision
officer), ``head_elsewhere`` (Brook Academy's head only). Every case here is Meadow's."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from exceptional_resource.models import Case
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.conftest import scene as scene
from tests.exceptional_resource.pages_support import client_for
from tests.factories import member
from tests.pooling.audit_grants_support import grant_pools
from tests.pooling.renewal_support import FIRST, GRANT_ENDS, RENEWED
from tests.pooling.renewal_support import decided_world as _decided
from tests.pooling.renewal_support import reader as _reader
from tests.pooling.renewal_support import renewed_world as _renewed

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]
ROLES = ["auditor", "head_and_auditor", "officer", "head_elsewhere"]


def _api(scene: Scene, path: str) -> str:
    return f"/api/v1/bodies/{scene.body.slug}/{path}"


def _case_urls(scene: Scene, case: Case) -> dict[str, str]:
    slug = scene.body.slug
    return {
        "case page": reverse("cases:detail", kwargs={"body_slug": slug, "case_id": case.pk}),
        "evidence page": reverse("cases:evidence", kwargs={"body_slug": slug, "case_id": case.pk}),
        "case API": _api(scene, f"cases/{case.pk}/"),
        "evidence API": _api(scene, f"cases/{case.pk}/evidence/"),
    }


def _statuses(client: Client, urls: dict[str, str]) -> dict[str, int]:
    return {what: client.get(url).status_code for what, url in urls.items()}


def _listed(client: Client, scene: Scene) -> tuple[list[int], list[int]]:
    """The case ids of the case list API and the award ids of the awards API."""
    cases = client.get(_api(scene, "cases/")).json()["results"]
    awards = client.get(_api(scene, "awards/")).json()["results"]
    return [c["id"] for c in cases], [a["id"] for a in awards]


# Point 1: another school's case decided from 2026-27, the reader's grant (if any) on 2027-28.
@pytest.mark.parametrize(
    ("who", "expected"), [("auditor", 404), ("head_and_auditor", 404), ("officer", 200), ("head_elsewhere", 404)]
)
def test_a_case_of_an_ungranted_period_by_role(scene: Scene, who: str, expected: int) -> None:
    world = _decided(scene)
    client = client_for(_reader(scene, who, [world.later]))
    urls = {**_case_urls(scene, world.case), "award API": _api(scene, f"awards/{world.first.pk}/")}
    assert _statuses(client, urls) == dict.fromkeys(urls, expected)
    seen = ([world.case.pk], [world.first.pk]) if expected == 200 else ([], [])
    assert _listed(client, scene) == seen


@pytest.mark.parametrize("who", ["auditor", "head_and_auditor"])
def test_a_head_elsewhere_who_audits_the_cases_period_reads_it_through_the_grant(scene: Scene, who: str) -> None:
    world = _decided(scene)
    client = client_for(_reader(scene, who, [scene.pool]))
    urls = {**_case_urls(scene, world.case), "award API": _api(scene, f"awards/{world.first.pk}/")}
    assert _statuses(client, urls) == dict.fromkeys(urls, 200)
    assert _listed(client, scene) == ([world.case.pk], [world.first.pk])


def test_a_head_who_also_audits_keeps_the_own_schools_cases_without_a_grant_on_their_pool(scene: Scene) -> None:
    world = _decided(scene)
    client = client_for(scene.head.user)  # Meadow's head, now also the auditor of 2027-28 only
    member(Role.AUDITOR, scene.body, user=scene.head.user, valid_to=GRANT_ENDS)
    grant_pools(scene.body, scene.head.user, valid_until=GRANT_ENDS, pools=[world.later])
    urls = {**_case_urls(scene, world.case), "award API": _api(scene, f"awards/{world.first.pk}/")}
    assert _statuses(client, urls) == dict.fromkeys(urls, 200)
    assert _listed(client, scene) == ([world.case.pk], [world.first.pk])


# Points 2 and 3: a 2027-28 renewal of a 2026-27 award, the reader's grant (if any) on 2027-28.
@pytest.mark.parametrize(
    ("who", "case_status", "amounts"),
    [
        ("auditor", 200, [RENEWED]),
        ("head_and_auditor", 200, [RENEWED]),
        ("officer", 200, [RENEWED, FIRST]),
        ("head_elsewhere", 404, None),
    ],
)
def test_a_renewal_into_a_granted_period_by_role(
    scene: Scene, who: str, case_status: int, amounts: list[int] | None
) -> None:
    world = _renewed(scene)
    assert world.renewed is not None
    client = client_for(_reader(scene, who, [world.later]))
    assert _statuses(client, _case_urls(scene, world.case)) == dict.fromkeys(_case_urls(scene, world.case), case_status)
    if amounts is None:
        assert _listed(client, scene) == ([], [])
        return
    detail: dict[str, Any] = client.get(_api(scene, f"cases/{world.case.pk}/")).json()
    assert [a["amount_pence"] for a in detail["awards"]] == amounts
    assert sorted(d["amount_pence"] for d in detail["decisions"]) == sorted(amounts)
    page = client.get(_case_urls(scene, world.case)["case page"]).context
    assert [row.award.amount_pence for row in page["awards"]] == amounts
    assert sorted(d.amount_pence for d in page["decisions"]) == sorted(amounts)
    awards = [world.renewed.pk, world.first.pk] if FIRST in amounts else [world.renewed.pk]
    assert _listed(client, scene) == ([world.case.pk], awards)


@pytest.mark.parametrize("who", ROLES)
def test_an_award_is_readable_only_with_its_case(scene: Scene, who: str) -> None:
    world = _renewed(scene)
    assert world.renewed is not None
    client = client_for(_reader(scene, who, [world.later]))
    case_status = client.get(_api(scene, f"cases/{world.case.pk}/")).status_code
    for award in (world.first, world.renewed):
        award_status = client.get(_api(scene, f"awards/{award.pk}/")).status_code
        assert award_status in (200, 404)
        assert award_status == 404 or case_status == 200, (who, award.pool_id)
    reads = {a.pk: client.get(_api(scene, f"awards/{a.pk}/")).status_code for a in (world.first, world.renewed)}
    expected = {
        "auditor": {world.first.pk: 404, world.renewed.pk: 200},
        "head_and_auditor": {world.first.pk: 404, world.renewed.pk: 200},
        "officer": {world.first.pk: 200, world.renewed.pk: 200},
        "head_elsewhere": {world.first.pk: 404, world.renewed.pk: 404},
    }[who]
    assert reads == expected


def test_an_auditor_of_the_first_period_only_reads_the_case_without_the_renewal(scene: Scene) -> None:
    world = _renewed(scene)
    assert world.renewed is not None
    client = client_for(_reader(scene, "auditor", [scene.pool]))
    detail = client.get(_api(scene, f"cases/{world.case.pk}/")).json()
    assert [a["amount_pence"] for a in detail["awards"]] == [FIRST]
    assert client.get(_api(scene, f"awards/{world.renewed.pk}/")).status_code == 404
    assert _listed(client, scene) == ([world.case.pk], [world.first.pk])
