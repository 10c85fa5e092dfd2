"""How auditors read shared resources: only through a live per-pool grant (django-guardian,
``pooling.PoolAuditGrant``). With one, an auditor reads the register and capacity pages of
the resources funded from the granted pools, and only those pools' fundings; without one
(never granted, or expired) the pages are not there, the same 404 as another body's. Other
roles read as the policy says, by role."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine

from accounts.models import Role
from pooling.services.audit_grants import pool_audit_grant
from pooling.services.ledger import pool_open
from shared_resources.services.funding import funding_commit
from tests.factories import member
from tests.pooling.conftest import fund
from tests.shared_resources.conftest import Scene, spring, teacher
from tests.shared_resources.test_api import api
from tests.shared_resources.test_api import url as api_url
from tests.shared_resources.test_pages import client_for, text, url

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]

TODAY = datetime(2026, 11, 16, 10, tzinfo=UTC)
UNTIL = date(2027, 6, 30)


@pytest.fixture(autouse=True)
def _on_16_november() -> Iterator[None]:
    """The scene (people, pool, memberships from "today") is built on the tests' own day, not
    on the day the date-sensitive runs move the clock to (TEST_CLOCK): built on 1 April 2027,
    its memberships did not yet exist on 16 November 2026."""
    with time_machine.travel(TODAY, tick=False):
        yield


def _two_resources(scene: Scene) -> tuple[Any, Any]:
    """The teacher funded from 2026-27, a second post funded from 2027-28 only."""
    funded = teacher(scene)
    spring(scene, funded)
    funding_commit(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=funded.pk,
        pool_id=scene.pool.pk,
        amount_pence=30_000_00,
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 3, 31),
    )
    later = teacher(scene, name="Educational psychologist", ends_on=date(2028, 3, 31))
    next_pool = pool_open(actor=scene.finance.user, tenant=scene.body, label="2027-28")
    fund(scene.finance, next_pool, 50_000_00, key="fund-2027")
    funding_commit(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=later.pk,
        pool_id=next_pool.pk,
        amount_pence=40_000_00,
        starts_on=date(2027, 4, 1),
        ends_on=date(2028, 3, 31),
    )
    return funded, later


def _granted_auditor(scene: Scene) -> Any:
    auditor = member(Role.AUDITOR, scene.body, valid_to=UNTIL).user
    pool_audit_grant(
        actor=scene.admin.user, tenant=scene.body, pool_id=scene.pool.pk, auditor_id=auditor.pk, valid_until=UNTIL
    )
    return auditor


def test_an_auditor_with_a_pool_grant_reads_only_what_that_pool_funds(scene: Scene) -> None:
    with time_machine.travel(TODAY, tick=False):
        funded, later = _two_resources(scene)
        auditor = _granted_auditor(scene)
        client = client_for(auditor)
        register = client.get(url(scene, "list"))
        assert register.status_code == 200
        page = text(register)
        assert "You are reading as an auditor" in page
        assert "Specialist teacher for autism" in page
        assert "Educational psychologist" not in page
        assert url(scene, "requests") not in page
        detail = client.get(url(scene, "resource", sharedresource_id=funded.pk))
        assert detail.status_code == 200
        assert "Spring 2027" in text(detail)
        assert "£30,000.00" in text(detail)
        csv = client.get(url(scene, "resource-capacity-csv", sharedresource_id=funded.pk))
        assert csv.status_code == 200
        assert "Spring 2027" in csv.content.decode()
        for name, kwargs in [
            ("resource", {"sharedresource_id": later.pk}),
            ("resource-capacity-csv", {"sharedresource_id": later.pk}),
            ("requests", {}),
            ("resource-shares", {"sharedresource_id": funded.pk}),
            ("pack", {}),
            ("resource-edit", {"sharedresource_id": funded.pk}),
        ]:
            assert client.get(url(scene, name, **kwargs)).status_code == 404, name
        rest = api(auditor)
        listed = rest.get(api_url(scene, "")).json()["results"]
        assert [(r["name"], r["funded_pence"]) for r in listed] == [("Specialist teacher for autism", 30_000_00)]
        one = rest.get(api_url(scene, f"{funded.pk}/")).json()
        assert [f["pool_label"] for f in one["fundings"]] == ["2026-27"]
        assert rest.get(api_url(scene, f"{later.pk}/")).status_code == 404
        assert rest.patch(api_url(scene, f"{funded.pk}/"), {"name": "x"}, format="json").status_code == 403
        assert rest.get(api_url(scene, "requests/")).status_code == 404


def test_an_auditor_without_a_live_grant_reads_nothing(scene: Scene) -> None:
    with time_machine.travel(TODAY, tick=False):
        funded, _ = _two_resources(scene)
        never = member(Role.AUDITOR, scene.body, valid_to=UNTIL).user
        expiring = _granted_auditor(scene)
    for auditor, when in [(never, TODAY), (expiring, datetime(2027, 7, 1, 10, tzinfo=UTC))]:
        with time_machine.travel(when, tick=False):
            client = client_for(auditor)
            assert client.get(url(scene, "list")).status_code == 404
            assert client.get(url(scene, "resource", sharedresource_id=funded.pk)).status_code == 404
            assert api(auditor).get(api_url(scene, "")).status_code == 404


@pytest.mark.parametrize(
    ("role", "register", "requests", "shares", "edit"),
    [
        (Role.BODY_ADMIN, 200, 200, 200, 200),
        (Role.FINANCE_OFFICER, 200, 200, 200, 200),
        (Role.DECISION_OFFICER, 200, 200, 200, 404),
        (Role.TRUSTEE, 200, 200, 200, 404),
        (Role.HEAD, 200, 200, 404, 404),
        (Role.SENDCO, 200, 200, 404, 404),
        (Role.AUDITOR, 404, 404, 404, 404),  # without a pool grant
        (Role.PARTNERSHIP_LEAD, 404, 404, 404, 404),
    ],
)
def test_who_reads_the_register_and_capacity_pages_by_role(
    scene: Scene, role: str, register: int, requests: int, shares: int, edit: int
) -> None:
    with time_machine.travel(TODAY, tick=False):
        resource = teacher(scene)
        kwargs: dict[str, Any] = {"school": scene.school} if role in (Role.HEAD, Role.SENDCO) else {}
        if role == Role.AUDITOR:
            kwargs["valid_to"] = UNTIL
        client = client_for(member(role, scene.body, mfa=True, **kwargs).user)
        assert client.get(url(scene, "list")).status_code == register
        assert client.get(url(scene, "resource", sharedresource_id=resource.pk)).status_code == register
        assert client.get(url(scene, "requests")).status_code == requests
        assert client.get(url(scene, "resource-shares", sharedresource_id=resource.pk)).status_code == shares
        assert client.get(url(scene, "resource-edit", sharedresource_id=resource.pk)).status_code == edit
