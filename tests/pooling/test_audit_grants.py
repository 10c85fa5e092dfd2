"""Auditor access per funding period: a body administrator grants an external auditor read
access to chosen pools only (django-guardian), time-boxed; every auditor page, sample and
export respects it; revocation is immediate; every read through a grant is audited."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from accounts.policy import BodyAccess
from assurance.models import AuditSample
from assurance.services.audit_samples import audit_sample_draw
from core.errors import ApplicationError, NotFound
from core.models import AuditEvent
from core.tenancy import tenant_context
from pooling.models import Pool, PoolAuditGrant
from pooling.selectors.audit_grants import audit_pool_labels
from pooling.services.audit_grants import pool_audit_grant, pool_audit_read, pool_audit_revoke
from pooling.services.ledger import pool_open
from reports import services as report_services
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.conftest import scene as scene
from tests.factories import member
from tests.pooling.audit_grants_support import grant_pools, pool_auditor
from tests.pooling.conftest import fund
from tests.reports.reports_support import report_media as report_media
from tests.reports.reports_support import run_of

pytestmark = pytest.mark.django_db
UNTIL = date(2027, 12, 31)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def two_pools(scene: Scene) -> tuple[Pool, Pool]:
    later = pool_open(actor=scene.finance.user, tenant=scene.body, label="2027-28")
    fund(scene.finance, later, 1_000_00, key="fund-later")
    return scene.pool, later


def page(scene: Scene, name: str, **kwargs: Any) -> str:
    return reverse(f"pooling:{name}", kwargs={"body_slug": scene.body.slug, **kwargs})


def audit_verbs(scene: Scene, verb: str) -> list[tuple[str, int | None]]:
    with tenant_context(scene.body):
        return list(AuditEvent.objects.filter(verb=verb).order_by("id").values_list("object_id", "actor_id"))


def test_an_auditor_reads_only_the_granted_pool_and_each_read_is_audited(scene: Scene) -> None:
    granted, other = two_pools(scene)
    auditor = pool_auditor(scene.body, pools=[granted])
    client = client_for(auditor)
    listing = client.get(page(scene, "audit-pools")).content.decode()
    assert "Pool 2026-27" in listing
    assert "2027-28" not in listing
    response = client.get(page(scene, "audit-pool", pool_id=granted.pk))
    assert response.status_code == 200
    assert "£40,000.00" in response.content.decode()
    assert client.get(page(scene, "audit-pool", pool_id=other.pk)).status_code == 404
    api = reverse("pooling-api:audit-pool", kwargs={"body_slug": scene.body.slug, "pool_id": granted.pk})
    assert client.get(api).json()["headroom"]["received_pence"] == 40_000_00
    assert audit_verbs(scene, "pool.audit_read") == [(str(granted.pk), auditor.pk)] * 2
    # The ordinary pool pages are not an auditor's: no pool is readable by role alone.
    for url in (page(scene, "dashboard"), page(scene, "ledger", pool_id=granted.pk)):
        assert client.get(url).status_code == 404
    assert client_for(scene.finance.user).get(page(scene, "dashboard")).status_code == 200


def test_a_read_checks_the_access_it_is_given_and_refuses_another_actors(scene: Scene) -> None:
    granted, other = two_pools(scene)
    auditor = pool_auditor(scene.body, pools=[granted])
    with tenant_context(scene.body):
        access = BodyAccess.load(auditor, scene.body)
    assert pool_audit_read(actor=auditor, tenant=scene.body, pool_id=granted.pk, via="page", access=access) == granted
    with pytest.raises(NotFound):
        pool_audit_read(actor=auditor, tenant=scene.body, pool_id=other.pk, via="page", access=access)
    with pytest.raises(ValueError, match="not the actor's"):
        pool_audit_read(actor=scene.finance.user, tenant=scene.body, pool_id=granted.pk, via="page", access=access)
    elsewhere = member(Role.AUDITOR, valid_to=UNTIL).responsible_body
    with pytest.raises(ValueError, match="not the actor's"):
        pool_audit_read(actor=auditor, tenant=elsewhere, pool_id=granted.pk, via="page", access=access)
    assert audit_verbs(scene, "pool.audit_read") == [(str(granted.pk), auditor.pk)]


def test_a_read_refuses_an_access_holding_another_users_or_another_bodys_memberships(scene: Scene) -> None:
    """The actor's user and body with memberships that are not theirs here: a programming
    error (ValueError), not a read through another's roles."""
    granted, _ = two_pools(scene)
    auditor = pool_auditor(scene.body, pools=[granted])
    elsewhere = member(Role.AUDITOR, valid_to=UNTIL)
    own_elsewhere = member(Role.AUDITOR, user=auditor, valid_to=UNTIL)
    with tenant_context(scene.body):
        own = BodyAccess.load(auditor, scene.body).memberships
    wrong = {
        "another user's, same body": [scene.finance],
        "the actor's own, of another body": [own_elsewhere],
        "another body's, another user": [elsewhere],
        "own and another user's": [*own, scene.finance],
    }
    for name, memberships in wrong.items():
        access = BodyAccess(user=auditor, body=scene.body, memberships=memberships)
        with pytest.raises(ValueError, match="not the actor's"):
            pool_audit_read(actor=auditor, tenant=scene.body, pool_id=granted.pk, via="page", access=access)
            pytest.fail(name)
    assert audit_verbs(scene, "pool.audit_read") == []


def test_revocation_is_immediate_read_revoke_read_again_404(scene: Scene) -> None:
    admin = member(Role.BODY_ADMIN, scene.body, mfa=True).user
    auditor = member(Role.AUDITOR, scene.body, valid_to=UNTIL).user
    grant = pool_audit_grant(
        actor=admin, tenant=scene.body, pool_id=scene.pool.pk, auditor_id=auditor.pk, valid_until=UNTIL
    )
    client = client_for(auditor)
    url = page(scene, "audit-pool", pool_id=scene.pool.pk)
    assert client.get(url).status_code == 200
    revoke = client_for(admin).post(page(scene, "audit-grant-revoke", poolauditgrant_id=grant.pk))
    assert revoke.status_code == 302
    assert client.get(url).status_code == 404
    with tenant_context(scene.body):
        assert PoolAuditGrant.objects.count() == 0
    assert [v for (v,) in _verbs(scene)] == ["pool.audit_granted", "pool.audit_read", "pool.audit_revoked"]


def _verbs(scene: Scene) -> list[tuple[str]]:
    with tenant_context(scene.body):
        return list(AuditEvent.objects.filter(verb__startswith="pool.audit").order_by("id").values_list("verb"))


def test_a_grant_ends_on_its_date(scene: Scene) -> None:
    auditor = member(Role.AUDITOR, scene.body, valid_to=UNTIL).user
    grant_pools(scene.body, auditor, valid_until=timezone.localdate() - timedelta(days=1))
    assert client_for(auditor).get(page(scene, "audit-pool", pool_id=scene.pool.pk)).status_code == 404
    assert client_for(auditor).get(page(scene, "audit-pools")).content.decode().count("Pool 20") == 0


def test_the_periods_an_auditor_may_export_are_those_of_their_live_grants(scene: Scene) -> None:
    granted, other = two_pools(scene)
    auditor = pool_auditor(scene.body, pools=[granted])
    pool_auditor(scene.body, pools=[other])  # another auditor's grant
    ended = member(Role.AUDITOR, scene.body, valid_to=UNTIL).user
    grant_pools(scene.body, ended, valid_until=timezone.localdate() - timedelta(days=1), pools=[other])
    assert audit_pool_labels(tenant=scene.body, user=auditor) == ["2026-27"]
    assert audit_pool_labels(tenant=scene.body, user=ended) == []
    assert audit_pool_labels(tenant=scene.body, user=scene.finance.user) == []


def test_samples_and_exports_respect_the_grant(scene: Scene, report_media: Path) -> None:
    granted, other = two_pools(scene)
    auditor = pool_auditor(scene.body, pools=[granted])
    colleague = pool_auditor(scene.body, pools=[other])
    with pytest.raises(ApplicationError) as refused:
        audit_sample_draw(actor=auditor, tenant=scene.body, period="2027-28", size=1, seed=1)
    assert (refused.value.code, refused.value.field) == ("pool_not_granted", "period")
    theirs = audit_sample_draw(actor=colleague, tenant=scene.body, period="2027-28", size=1, seed=1)
    mine = audit_sample_draw(actor=auditor, tenant=scene.body, period="2026-27", size=1, seed=1)
    client = client_for(auditor)
    slug = scene.body.slug
    assert (
        client.get(reverse("auditor:sample", kwargs={"body_slug": slug, "auditsample_id": theirs.pk})).status_code
        == 404
    )
    assert (
        client.get(reverse("auditor:sample", kwargs={"body_slug": slug, "auditsample_id": mine.pk})).status_code == 200
    )
    api = client.get(reverse("auditor-api:samples", kwargs={"body_slug": slug})).json()
    assert [s["id"] for s in api] == [mine.pk]
    samples_page = client.get(reverse("auditor:samples", kwargs={"body_slug": slug})).content.decode()
    assert '<option value="2027-28"' not in samples_page
    assert '<option value="2026-27"' in samples_page

    refused_run = report_services.report_run_request(
        actor=auditor, tenant=scene.body, report_type="auditor_export", data={"period": "2027-28"}
    )
    assert report_services.report_run_execute(report_run_id=refused_run.pk, task_id="t-1") == "failed"
    assert (
        "has not given the requester access to the period 2027-28" in run_of(scene.body, refused_run.pk).error_message
    )
    run = report_services.report_run_request(
        actor=auditor, tenant=scene.body, report_type="auditor_export", data={"period": "2026-27"}
    )
    assert report_services.report_run_execute(report_run_id=run.pk, task_id="t-2") == "succeeded"
    with tenant_context(scene.body):
        assert AuditSample.objects.count() == 2
    reads = audit_verbs(scene, "pool.audit_read")
    assert (str(granted.pk), auditor.pk) in reads
    assert (str(other.pk), auditor.pk) not in reads


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"pool_id": 10**9}, "unknown_pool", "pool_id"),
        ({"auditor_id": "trustee"}, "not_an_auditor", "auditor_id"),
        ({"valid_until": date(2020, 1, 1)}, "invalid_end_date", "valid_until"),
        ({"valid_until": UNTIL + timedelta(days=1)}, "invalid_end_date", "valid_until"),
    ],
)
def test_bad_grants_are_refused_and_write_nothing(scene: Scene, change: dict, code: str, field: str) -> None:
    admin = member(Role.BODY_ADMIN, scene.body, mfa=True).user
    auditor = member(Role.AUDITOR, scene.body, valid_to=UNTIL).user
    trustee = member(Role.TRUSTEE, scene.body).user
    values: dict[str, Any] = {"pool_id": scene.pool.pk, "auditor_id": auditor.pk, "valid_until": UNTIL}
    values.update(change)
    if values["auditor_id"] == "trustee":
        values["auditor_id"] = trustee.pk
    with pytest.raises(ApplicationError) as exc:
        pool_audit_grant(actor=admin, tenant=scene.body, **values)
    assert (exc.value.code, exc.value.field) == (code, field)
    with tenant_context(scene.body):
        assert PoolAuditGrant.objects.count() == 0
    assert _verbs(scene) == []


def test_only_a_body_administrator_grants_and_twice_is_a_conflict(scene: Scene) -> None:
    admin = member(Role.BODY_ADMIN, scene.body, mfa=True).user
    auditor = member(Role.AUDITOR, scene.body, valid_to=UNTIL).user
    args = {"pool_id": scene.pool.pk, "auditor_id": auditor.pk, "valid_until": UNTIL}
    for not_admin in (scene.finance.user, auditor, scene.head.user):
        with pytest.raises(ApplicationError) as exc:
            pool_audit_grant(actor=not_admin, tenant=scene.body, **args)
        assert exc.value.code == "not_allowed"
        assert client_for(not_admin).get(page(scene, "audit-grants")).status_code == 404
    grant = pool_audit_grant(actor=admin, tenant=scene.body, **args)
    with pytest.raises(ApplicationError) as twice:
        pool_audit_grant(actor=admin, tenant=scene.body, **args)
    assert twice.value.code == "already_granted"
    with pytest.raises(ApplicationError):
        pool_audit_revoke(actor=scene.finance.user, tenant=scene.body, poolauditgrant_id=grant.pk)


def test_the_grants_page_and_api(scene: Scene) -> None:
    admin = member(Role.BODY_ADMIN, scene.body, mfa=True).user
    auditor = member(Role.AUDITOR, scene.body, valid_to=UNTIL).user
    client = client_for(admin)
    bad = client.post(page(scene, "audit-grants"), {"auditor_id": "x", "pool_id": "", "valid_until": "soon"})
    assert bad.status_code == 200
    assert bad.content.decode().count("govuk-error-message") == 3
    ok = client.post(
        page(scene, "audit-grants"), {"auditor_id": auditor.pk, "pool_id": scene.pool.pk, "valid_until": "2027-06-30"}
    )
    assert ok.status_code == 302
    listing = client.get(page(scene, "audit-grants")).content.decode()
    assert auditor.email in listing
    assert "30 June 2027" in listing
    api = reverse("pooling-api:audit-grants", kwargs={"body_slug": scene.body.slug})
    [row] = client.get(api).json()
    assert (row["auditor_email"], row["pool_id"], row["valid_until"]) == (auditor.email, scene.pool.pk, "2027-06-30")
    grant_api = reverse("pooling-api:audit-grant", kwargs={"body_slug": scene.body.slug})
    for body, field in (
        ({"pool_id": "a", "auditor_id": auditor.pk, "valid_until": "2027-01-01"}, "pool_id"),
        ({"pool_id": scene.pool.pk, "auditor_id": None, "valid_until": "2027-01-01"}, "auditor_id"),
        ({"pool_id": scene.pool.pk, "auditor_id": auditor.pk, "valid_until": "31/12/2027"}, "valid_until"),
    ):
        response = client.post(grant_api, body, content_type="application/json")
        assert response.status_code == 400
        assert field in response.json()["fields"]
    revoke = reverse(
        "pooling-api:audit-grant-revoke", kwargs={"body_slug": scene.body.slug, "poolauditgrant_id": row["id"]}
    )
    assert client.post(revoke).status_code == 204
    assert client.get(api).json() == []
    assert client_for(auditor).get(api).status_code == 404


@pytest.mark.parametrize("rows", [1, 6])
def test_the_grant_lists_cost_the_same_whatever_the_rows(
    scene: Scene, rows: int, django_assert_max_num_queries: Any
) -> None:
    admin = member(Role.BODY_ADMIN, scene.body, mfa=True).user
    auditors = [pool_auditor(scene.body) for _ in range(rows)]
    admin_client, auditor_client = client_for(admin), client_for(auditors[0])
    with django_assert_max_num_queries(15):
        assert admin_client.get(page(scene, "audit-grants")).status_code == 200
    with django_assert_max_num_queries(13):
        assert auditor_client.get(page(scene, "audit-pools")).status_code == 200


def test_an_export_is_seen_only_while_its_period_is_granted(scene: Scene, report_media: Path) -> None:
    auditor = pool_auditor(scene.body, pools=[scene.pool])
    bystander = pool_auditor(scene.body, pools=[])
    run = report_services.report_run_request(
        actor=auditor, tenant=scene.body, report_type="auditor_export", data={"period": "2026-27"}
    )
    assert report_services.report_run_execute(report_run_id=run.pk, task_id="t-1") == "succeeded"
    detail = reverse("reports:report", kwargs={"body_slug": scene.body.slug, "reportrun_id": run.pk})
    listing = reverse("reports-api:reports", kwargs={"body_slug": scene.body.slug})
    assert client_for(auditor).get(detail).status_code == 200
    assert [r["id"] for r in client_for(auditor).get(listing).json()["results"]] == [run.pk]
    assert client_for(bystander).get(detail).status_code == 404
    assert client_for(bystander).get(listing).json()["results"] == []
    with tenant_context(scene.body):
        grant = PoolAuditGrant.objects.get(user=auditor)
    admin = member(Role.BODY_ADMIN, scene.body, mfa=True).user
    pool_audit_revoke(actor=admin, tenant=scene.body, poolauditgrant_id=grant.pk)
    assert client_for(auditor).get(detail).status_code == 404
