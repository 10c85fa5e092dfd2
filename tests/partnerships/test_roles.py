"""Who sees the partnership: partnership leads and body administrators only; and a
partnership lead sees nothing else: every pool, case, ledger, grouping and report URL of
their own body answers 404, pages and API alike."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator

from accounts.models import Role
from tests.factories import UserFactory, member
from tests.isolation.test_cross_tenant import _tenant_models, _walk
from tests.isolation.world import build_world, rows_of_body
from tests.partnerships.conftest import Area

pytestmark = pytest.mark.django_db

# What any member of a body may open: the body's overview.
OPEN_TO_EVERY_MEMBER = {"accounts:body-home"}


def _own_id(body: Any, param: str) -> int:
    """A row of the lead's own body when the world has one; otherwise any id (the role
    check answers before any row is looked up, so the answer must be 404 either way)."""
    model = _tenant_models().get(param.removesuffix("_id"))
    ids = rows_of_body(model, body) if model is not None else []
    return ids[0] if ids else 2_147_483_000


def test_a_partnership_lead_gets_404_for_every_pool_case_ledger_grouping_and_report_url() -> None:
    world = build_world()
    lead = UserFactory(email="only.partnership.lead@example.org")
    member(Role.PARTNERSHIP_LEAD, world.body_a, user=lead)
    client = Client()
    client.force_login(lead)
    reached: list[str] = []
    checked = 0
    for endpoint in _walk(get_resolver().url_patterns):
        if endpoint.public or endpoint.name.startswith("partnerships") or endpoint.name in OPEN_TO_EVERY_MEMBER:
            continue
        kwargs = {p: _own_id(world.body_a, p) for p in endpoint.params if p != "body_slug"}
        url = reverse(endpoint.name, kwargs={"body_slug": world.body_a.slug, **kwargs})
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            checked += 1
            if status != 404:
                reached.append(f"{method.upper()} {url} ({endpoint.name}) answered {status}")
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        if "{body_slug}" not in path or "/partnerships/" in path:
            continue
        url = path.replace("{body_slug}", world.body_a.slug)
        for p in re.findall(r"{(\w+)}", url):
            url = url.replace("{" + p + "}", str(_own_id(world.body_a, p)))
        for method in operations:
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            status = getattr(client, method)(url, data={}, content_type="application/json").status_code
            checked += 1
            if status != 404:
                reached.append(f"{method.upper()} {url} answered {status}")
    assert reached == []
    assert checked > 100
    names = {e.name for e in _walk(get_resolver().url_patterns)}
    assert {"pooling:dashboard", "pooling:ledger", "reports:reports"} <= names


@pytest.mark.parametrize("role", [Role.PARTNERSHIP_LEAD, Role.BODY_ADMIN])
def test_partnership_leads_and_body_admins_see_the_partnership_pages(area: Area, role: str) -> None:
    user = area.lead if role == Role.PARTNERSHIP_LEAD else member(role, area.la).user
    client = Client()
    client.force_login(user)
    base = f"/b/{area.la.slug}/partnership/"
    for path in (
        "",
        f"{area.partnership.pk}/",
        f"{area.partnership.pk}/plan/",
        f"{area.partnership.pk}/provision/",
        f"{area.partnership.pk}/demand/",
        f"{area.partnership.pk}/sufficiency/",
        f"{area.partnership.pk}/experts/",
    ):
        response = client.get(base + path)
        assert response.status_code == 200, path
        assert "Example Local SEND Partnership" in response.content.decode()
    api = client.get(f"/api/v1/bodies/{area.la.slug}/partnerships/")
    assert api.status_code == 200
    assert [p["name"] for p in api.json()] == ["Example Local SEND Partnership"]


def test_the_lead_sees_only_the_partnership_in_the_navigation(area: Area) -> None:
    client = Client()
    client.force_login(area.lead)
    html = client.get(f"/b/{area.la.slug}/partnership/{area.partnership.pk}/").content.decode()
    nav = html[html.index('id="navigation"') : html.index("</ul>", html.index('id="navigation"'))]
    labels = re.findall(r'govuk-service-navigation__link"[^>]*>\s*(?:<strong[^>]*>)?([^<]+)', nav)
    assert [label.strip() for label in labels] == ["Overview", "Partnership", "Your account"]


@pytest.mark.parametrize(
    "role", [Role.FINANCE_OFFICER, Role.DECISION_OFFICER, Role.TRUSTEE, Role.AUDITOR, Role.HEAD, Role.SENDCO]
)
def test_every_other_role_gets_404_for_the_partnership(area: Area, role: str) -> None:
    client = Client()
    client.force_login(member(role, area.la).user)
    for url in (
        f"/b/{area.la.slug}/partnership/",
        f"/b/{area.la.slug}/partnership/{area.partnership.pk}/sufficiency/",
        f"/b/{area.la.slug}/partnership/{area.partnership.pk}/sufficiency/csv/",
        f"/api/v1/bodies/{area.la.slug}/partnerships/{area.partnership.pk}/sufficiency/",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/b/{area.la.slug}/partnership/{area.partnership.pk}/demand/signals/refresh/").status_code == 404
    )
