"""The audit log (page and API) for an external auditor: audit events carry no pool, so a
pure auditor sees only the events whose time falls within the funding period (UK dates) of
a pool they hold a live grant on, is told so, and sees none without one (not a 403). A body
administrator, or an auditor who is also one, sees every event."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ResponsibleBody, Role, User
from core.audit import audit_record
from core.tenancy import tenant_context
from pooling.models import Pool
from pooling.services.audit_grants import pool_audit_grant
from pooling.services.ledger import pool_open
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.conftest import scene as scene
from tests.factories import member
from tests.pooling.audit_grants_support import grant_pools, pool_auditor

pytestmark = pytest.mark.django_db
UNTIL = date(2027, 12, 31)
SCOPED = "You see events from the funding periods you have been given:"
NO_PERIOD = "You see no events: you have not been given any funding period to audit"

# 2026-27 runs from 1 April 2026 to 31 March 2027 in UK time (British Summer Time from
# 28 March 2027): the last hour of the period is 22:00-23:00 UTC on 31 March.
EVENTS = {
    "Before the periods (2025-26)": datetime(2026, 3, 31, 12, tzinfo=UTC),
    "Early in 2026-27": datetime(2026, 5, 1, 12, tzinfo=UTC),
    "Last hour of 2026-27": datetime(2027, 3, 31, 22, 30, tzinfo=UTC),
    "First hour of 2027-28": datetime(2027, 3, 31, 23, 30, tzinfo=UTC),
}


def _event_at(body: ResponsibleBody, when: datetime, label: str) -> None:
    with time_machine.travel(when, tick=False), tenant_context(body):
        audit_record(actor=None, tenant=body, verb="test.event", object_type="test", object_id=label, label=label)


def _events(body: ResponsibleBody) -> None:
    for label, when in EVENTS.items():
        _event_at(body, when, label)


def _later_pool(scene: Scene) -> Pool:
    return pool_open(actor=scene.finance.user, tenant=scene.body, label="2027-28")


def _page(client: Client, scene: Scene, **query: str) -> str:
    response = client.get(reverse("accounts:audit-log", kwargs={"body_slug": scene.body.slug}), query)
    assert response.status_code == 200
    return str(response.content.decode())


def _api(user: User, scene: Scene, **query: str) -> Any:
    client = APIClient()
    client.force_authenticate(user)
    return client.get(f"/api/v1/bodies/{scene.body.slug}/audit-events/", query)


def _labels(user: User, scene: Scene, **query: str) -> list[str]:
    response = _api(user, scene, **query)
    assert response.status_code == 200
    return [e["object_label"] for e in response.json()["results"]]


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _mine(labels: list[str]) -> list[str]:
    return [label for label in labels if label in EVENTS]


@pytest.mark.date_sensitive(today=date(2027, 6, 2))
def test_an_auditor_with_one_grant_sees_only_that_periods_events(scene: Scene) -> None:
    later = _later_pool(scene)
    auditor = pool_auditor(scene.body, pools=[scene.pool], valid_to=UNTIL)
    _events(scene.body)
    html = _page(_client(auditor), scene)
    assert f"{SCOPED} 2026 to 2027." in html
    assert "every event from 1 April 2026 to 31 March 2027 (UK time)" in html
    for label in ("Early in 2026-27", "Last hour of 2026-27"):
        assert label in html
    for label in ("First hour of 2027-28", "Before the periods (2025-26)"):
        assert label not in html
    # Everything else in the log (the pools opened, funded and granted today) is in 2027-28.
    assert _labels(auditor, scene) == ["Last hour of 2026-27", "Early in 2026-27"]
    assert "2 events" in html

    other = pool_auditor(scene.body, pools=[later], valid_to=UNTIL)
    assert f"{SCOPED} 2027 to 2028." in _page(_client(other), scene)
    assert _mine(_labels(other, scene)) == ["First hour of 2027-28"]
    assert len(_labels(other, scene)) > 1  # today's events too


@pytest.mark.date_sensitive(today=date(2027, 6, 2))
def test_two_grants_are_both_named_and_their_periods_both_shown(scene: Scene) -> None:
    later = _later_pool(scene)
    auditor = pool_auditor(scene.body, pools=[later, scene.pool], valid_to=UNTIL)
    _events(scene.body)
    assert f"{SCOPED} 2026 to 2027 and 2027 to 2028." in _page(_client(auditor), scene)
    assert _mine(_labels(auditor, scene)) == ["First hour of 2027-28", "Last hour of 2026-27", "Early in 2026-27"]


@pytest.mark.date_sensitive(today=date(2026, 11, 10))
def test_after_revocation_the_auditor_sees_no_event_in_the_same_minute(scene: Scene) -> None:
    admin = member(Role.BODY_ADMIN, scene.body, mfa=True).user
    auditor = member(Role.AUDITOR, scene.body, valid_to=UNTIL).user
    grant = pool_audit_grant(
        actor=admin, tenant=scene.body, pool_id=scene.pool.pk, auditor_id=auditor.pk, valid_until=UNTIL
    )
    # Every event so far is from today, in 2026-27: the auditor sees what the admin sees.
    seen = _labels(auditor, scene)
    assert len(seen) >= 3
    assert seen == _labels(admin, scene)
    revoke = _client(admin).post(
        reverse("pooling:audit-grant-revoke", kwargs={"body_slug": scene.body.slug, "poolauditgrant_id": grant.pk})
    )
    assert revoke.status_code == 302
    response = _api(auditor, scene)
    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert response.json()["results"] == []
    html = _page(_client(auditor), scene)
    assert NO_PERIOD in html
    assert SCOPED not in html
    assert "No events: you have no funding period to audit." in html
    assert "0 events" in html
    assert len(_labels(admin, scene)) == len(seen) + 1  # the revocation


@pytest.mark.date_sensitive(today=date(2027, 6, 2))
def test_an_auditor_with_no_grant_or_an_expired_one_sees_none_and_is_told_why(scene: Scene) -> None:
    _events(scene.body)
    never = member(Role.AUDITOR, scene.body, valid_to=UNTIL).user
    expired = member(Role.AUDITOR, scene.body, valid_to=UNTIL).user
    grant_pools(scene.body, expired, valid_until=date(2027, 6, 1), pools=[scene.pool])
    for auditor in (never, expired):
        html = _page(_client(auditor), scene)
        assert NO_PERIOD in html
        for label in EVENTS:
            assert label not in html
        assert _labels(auditor, scene) == []


@pytest.mark.date_sensitive(today=date(2027, 6, 2))
def test_a_body_admin_and_an_admin_who_also_audits_see_every_event(scene: Scene) -> None:
    _events(scene.body)
    admin = member(Role.BODY_ADMIN, scene.body, mfa=True).user
    both = pool_auditor(scene.body, pools=[scene.pool], valid_to=UNTIL)
    member(Role.BODY_ADMIN, scene.body, user=both, mfa=True)
    for reader in (admin, both):
        html = _page(_client(reader), scene)
        assert SCOPED not in html
        assert NO_PERIOD not in html
        assert _mine(_labels(reader, scene)) == list(reversed(EVENTS))
        for label in EVENTS:
            assert label in html
    # Roles without the audit log are unchanged: a trustee and a finance officer get 404.
    for role in (Role.TRUSTEE, Role.FINANCE_OFFICER):
        other = member(role, scene.body, mfa=True).user
        assert (
            _client(other).get(reverse("accounts:audit-log", kwargs={"body_slug": scene.body.slug})).status_code == 404
        )
        assert _api(other, scene).status_code == 404


@pytest.mark.date_sensitive(today=date(2027, 6, 2))
def test_the_filters_narrow_the_auditors_periods_and_never_widen_them(scene: Scene) -> None:
    auditor = pool_auditor(scene.body, pools=[scene.pool], valid_to=UNTIL)
    _events(scene.body)
    assert _labels(auditor, scene, date_from="2027-03-31") == ["Last hour of 2026-27"]
    assert _labels(auditor, scene, date_from="2027-04-01") == []
    assert _labels(auditor, scene, date_from="2025-01-01", date_to="2026-04-30") == []
    assert _labels(auditor, scene, verb="test.", date_to="2026-05-01") == ["Early in 2026-27"]
    html = _page(_client(auditor), scene, date_from_day="1", date_from_month="4", date_from_year="2027")
    assert f"{SCOPED} 2026 to 2027." in html
    assert "No events match these filters." in html


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "not-a-date"},
        {"date_to": "2027-02-30"},
        {"date_from": "31/03/2027"},
        {"date_to": "2027-13-01"},
    ],
)
def test_bad_date_filters_are_refused_for_an_auditor(scene: Scene, query: dict[str, str]) -> None:
    auditor = pool_auditor(scene.body, pools=[scene.pool], valid_to=UNTIL)
    response = _api(auditor, scene, **query)
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["message"]) == ("invalid", "Some fields are not valid.")
    assert list(body["fields"]) == list(query)
    assert "Date has wrong format" in body["fields"][next(iter(query))][0]


def _queries(client: Client | APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _readers(scene: Scene, auditor: User) -> list[tuple[Client | APIClient, str]]:
    api = APIClient()
    api.force_authenticate(auditor)
    return [
        (_client(auditor), reverse("accounts:audit-log", kwargs={"body_slug": scene.body.slug})),
        (api, f"/api/v1/bodies/{scene.body.slug}/audit-events/"),
    ]


@pytest.mark.date_sensitive(today=date(2026, 11, 10))
def test_the_auditors_log_costs_one_query_more_than_an_admins_whatever_the_periods_or_events(scene: Scene) -> None:
    admin = member(Role.BODY_ADMIN, scene.body, mfa=True).user
    one = pool_auditor(scene.body, pools=[scene.pool], valid_to=UNTIL)
    pools = [scene.pool] + [
        pool_open(actor=scene.finance.user, tenant=scene.body, label=f"20{30 + i}-{31 + i}") for i in range(3)
    ]
    four = pool_auditor(scene.body, pools=pools, valid_to=UNTIL)
    admin_costs = [_queries(c, url) for c, url in _readers(scene, admin)]
    one_costs = [_queries(c, url) for c, url in _readers(scene, one)]
    four_costs = [_queries(c, url) for c, url in _readers(scene, four)]
    for i in range(10):
        with tenant_context(scene.body):
            audit_record(actor=None, tenant=scene.body, verb="test.event", object_type="test", object_id=str(i))
    more = [_queries(c, url) for c, url in _readers(scene, one)]
    assert one_costs == [a + 1 for a in admin_costs], (admin_costs, one_costs)
    assert four_costs == one_costs
    assert more == one_costs
