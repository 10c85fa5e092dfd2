"""Every body-scoped page and API operation, requested by a member of body A with body B's
slug and with body B's object ids, answers 404/403/405 and shows nothing of B.

Endpoints are discovered from the URL resolver and from the OpenAPI schema, so endpoints
added later are covered without editing this file. URL keywords other than ``body_slug``
must be named ``<model_name>_id`` after a tenant-owned model; ``tests/isolation/world.py``
provides a row of body B for each."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator

from core.models import AuditEvent
from core.tenancy import TenantOwnedModel
from tests.isolation.world import World, build_world, rows_of_body

pytestmark = pytest.mark.django_db

REFUSED = {403, 404, 405}


@dataclass(frozen=True)
class Endpoint:
    name: str
    params: tuple[str, ...]
    public: bool


def _walk(patterns: list[Any], namespace: str = "", params: tuple[str, ...] = ()) -> Iterator[Endpoint]:
    for p in patterns:
        # The compiled regex names a pattern's own parameters (``pattern.converters`` is a
        # cached dict Django shares between equal routes, so it is not reliable here).
        converters = tuple(p.pattern.regex.groupindex.keys())
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, ns, params + converters)
        elif isinstance(p, URLPattern):
            all_params = params + converters
            if "body_slug" not in all_params:
                continue
            assert p.name, f"unnamed body-scoped URL pattern {p.pattern}: name it"
            view = getattr(p.callback, "view_class", None) or getattr(p.callback, "cls", None)
            yield Endpoint(f"{namespace}{p.name}", all_params, bool(getattr(view, "cross_tenant_public", False)))


def _tenant_models() -> dict[str, type]:
    models = {m._meta.model_name: m for m in apps.get_models() if issubclass(m, TenantOwnedModel)}
    models["auditevent"] = AuditEvent
    return models


def _b_ids(world: World, param: str) -> list[int]:
    model_name = param.removesuffix("_id")
    models = _tenant_models()
    rule = f"URL keyword {param!r} must be '<model_name>_id' of a tenant-owned model"
    assert param.endswith("_id"), rule
    assert model_name in models, rule
    ids = rows_of_body(models[model_name], world.body_b)
    assert ids, f"tests/isolation/world.py must create a {model_name} row for body B"
    return ids


def _assert_refused(response: Any, world: World, what: str) -> None:
    assert response.status_code in REFUSED, f"{what} answered {response.status_code}"
    content = response.content.decode(errors="replace")
    for marker in world.b_markers:
        assert marker not in content, f"{what} leaked {marker!r}"


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def client_a(world: World) -> Client:
    client = Client()
    client.force_login(world.user_a)
    return client


def test_discovery_finds_the_body_scoped_pages_and_apis() -> None:
    names = {e.name for e in _walk(get_resolver().url_patterns)}
    assert {"accounts:people", "accounts:end-membership", "accounts-api:members", "accounts-api:member-end"} <= names


def test_pages_and_api_urls_refuse_body_b(world: World, client_a: Client) -> None:
    checked = 0
    for endpoint in _walk(get_resolver().url_patterns):
        if endpoint.public:
            continue
        other = [p for p in endpoint.params if p != "body_slug"]
        for b_slug_first in (True, False):
            kwargs: dict[str, Any] = {"body_slug": world.body_b.slug if b_slug_first else world.body_a.slug}
            if not b_slug_first and not other:
                continue  # body A's own list pages are allowed
            for param in other:
                kwargs[param] = _b_ids(world, param)[0]
            url = reverse(endpoint.name, kwargs=kwargs)
            for method in ("get", "post"):
                response = getattr(client_a, method)(url)
                _assert_refused(response, world, f"{method.upper()} {url} ({endpoint.name})")
                checked += 1
    assert checked >= 10


def test_every_openapi_operation_refuses_body_b(world: World, client_a: Client) -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    checked = 0
    for path, operations in schema["paths"].items():
        if "{body_slug}" not in path:
            continue
        for method in operations:
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            for use_b_slug in (True, False):
                params = re.findall(r"{(\w+)}", path)
                others = [p for p in params if p != "body_slug"]
                if not use_b_slug and not others:
                    continue
                url = path.replace("{body_slug}", world.body_b.slug if use_b_slug else world.body_a.slug)
                for p in others:
                    url = url.replace("{" + p + "}", str(_b_ids(world, p)[0]))
                response = getattr(client_a, method)(url, data={}, content_type="application/json")
                _assert_refused(response, world, f"{method.upper()} {url}")
                checked += 1
    assert checked >= 4


def test_body_a_member_sees_their_own_body(world: World, client_a: Client) -> None:
    response = client_a.get(reverse("accounts:people", kwargs={"body_slug": world.body_a.slug}))
    assert response.status_code == 200
    assert world.body_a.legal_name in response.content.decode()
    _assert_refused(
        client_a.get(reverse("accounts:people", kwargs={"body_slug": "no-such-body"})), world, "unknown slug"
    )
