"""The cross-tenant suite (``test_cross_tenant``) finds its endpoints by walking the URL
resolver and the OpenAPI schema. This holds it to the forum (issue 16): every page and API
operation of peer advice, sessions, their materials and actions, peer reviews, the expertise
directory and the auditors' per-pool grants is among what it walks, each with a body-B row
for every id in its URL, so none of them can fall out of the suite unnoticed."""

from __future__ import annotations

import re

import pytest
from django.urls import get_resolver
from drf_spectacular.generators import SchemaGenerator

from collaboration import urls as collaboration_urls
from collaboration import urls_api as collaboration_api_urls
from tests.isolation.test_cross_tenant import _b_ids, _walk
from tests.isolation.world import build_world

AUDITOR_GRANT_PAGES = {
    "pooling:audit-grants",
    "pooling:audit-grant-revoke",
    "pooling:audit-pools",
    "pooling:audit-pool",
}
AUDITOR_GRANT_APIS = {
    "pooling-api:audit-grants",
    "pooling-api:audit-grant",
    "pooling-api:audit-grant-revoke",
    "pooling-api:audit-pools",
    "pooling-api:audit-pool",
}
FORUM_PATHS = ("advice", "experts", "sessions", "materials", "actions", "reviews")


def _names(namespace: str, patterns: list) -> set[str]:  # type: ignore[type-arg]
    return {f"{namespace}:{p.name}" for p in patterns}


def test_the_walk_reaches_every_collaboration_and_auditor_grant_endpoint() -> None:
    walked = {e.name: e for e in _walk(get_resolver().url_patterns)}
    wanted = (
        _names("collaboration", collaboration_urls.urlpatterns)
        | _names("collaboration-api", collaboration_api_urls.urlpatterns)
        | AUDITOR_GRANT_PAGES
        | AUDITOR_GRANT_APIS
    )
    for operation in ("session-material", "material", "action-done", "review-respond", "expertise-save", "revoke"):
        assert f"collaboration-api:{operation}" in wanted or f"collaboration:{operation}" in wanted, operation
    missing = wanted - set(walked)
    assert not missing, f"the cross-tenant walk misses {sorted(missing)}"
    for name in wanted:
        assert not walked[name].public, f"{name} is marked cross_tenant_public"


@pytest.mark.django_db
def test_every_forum_id_in_a_url_has_a_body_b_row() -> None:
    world = build_world()
    params = {p for e in _walk(get_resolver().url_patterns) if e.name.startswith("collaboration") for p in e.params}
    params |= {"poolauditgrant_id", "pool_id"}
    params.discard("body_slug")
    assert params == {
        "advicerequest_id",
        "advicemessage_id",
        "forumsession_id",
        "sessionmaterial_id",
        "agreedaction_id",
        "peerreview_id",
        "poolauditgrant_id",
        "pool_id",
    }
    for param in sorted(params):
        assert _b_ids(world, param), param


def test_the_openapi_schema_walked_by_the_suite_has_every_forum_operation() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = [p for p in schema["paths"] if "{body_slug}" in p]
    forum = [p for p in paths if "/collaboration/" in p]
    for part in FORUM_PATHS:
        assert any(re.search(rf"/collaboration/{part}/", p) for p in forum), part
    operations = sum(1 for p in forum for m in schema["paths"][p] if m in {"get", "post", "put", "patch", "delete"})
    assert operations >= len(collaboration_api_urls.urlpatterns)
    assert any("/pools/auditor-grants/{poolauditgrant_id}/revoke/" in p for p in paths)
    assert any("/pools/audit/{pool_id}/" in p for p in paths)
