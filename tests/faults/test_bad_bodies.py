"""Issue 19, fault 7: a JSON body nested 100,000 deep or past the size limit is a quick
400 in JSON; an API 500 is
JSON with the request id, not an HTML page, and costs no seconds even 16 at a time. The
500 is real: gunicorn's database is an address where nothing listens (PostgreSQL down)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from accounts.models import Role
from accounts.services import api_token_automation_issue
from tests.factories import member
from tests.faults.http import Client, Reply
from tests.faults.stack import OwnRedis, stack_env, warm_up, web

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults]


def _post_raw(base: str, path: str, body: bytes, token: dict[str, str]) -> Reply:
    return Client(base).request("POST", path, data=body, headers={"Content-Type": "application/json", **token})


def test_deep_and_large_json_bodies_are_a_quick_400_in_json(own_redis: OwnRedis, tmp_path: Path) -> None:
    officer = member(Role.FINANCE_OFFICER, mfa=True)
    token = {"Authorization": f"Token {api_token_automation_issue(user=officer.user)[1]}"}
    path = f"/api/v1/bodies/{officer.responsible_body.slug}/reports/request/"
    with web(stack_env(own_redis.url, tmp_path)) as base:
        warm_up(base, "/api/v1/me/", token)
        deep = _post_raw(base, path, b"[" * 100_000, token)
        large = _post_raw(base, path, b'{"report_type": "' + b"x" * (2 * 1024 * 1024) + b'"}', token)
        fine = _post_raw(base, path, b'{"report_type": "nope", "parameters": {"a": [[[1]]]}}', token)
    print(f"bad bodies: deep {deep.status} {deep.seconds:.2f}s, large {large.status} {large.seconds:.2f}s")
    for reply, code in ((deep, "json_too_deep"), (large, "body_too_large")):
        assert reply.status == 400, reply.text[:300]
        body = reply.json()
        assert body["code"] == code
        assert body["request_id"] == reply.headers["X-Request-ID"]
        assert reply.seconds < 1.0
    assert fine.status == 400
    assert fine.json()["code"] == "invalid"


def test_api_500s_are_json_with_the_request_id_and_quick(own_redis: OwnRedis, tmp_path: Path) -> None:
    officer = member(Role.TRUSTEE)
    token = {"Authorization": f"Token {api_token_automation_issue(user=officer.user)[1]}"}
    env = stack_env(own_redis.url, tmp_path)
    env["DATABASE_URL"] = env["DATABASE_URL"].replace("@127.0.0.1:5432/", "@127.0.0.1:9/")  # refused
    with web(env) as base:
        Client(base).get("/healthz/trivial")
        with ThreadPoolExecutor(16) as pool:
            replies = list(pool.map(lambda _i: Client(base).get("/api/v1/me/", headers=token), range(16)))
    slowest = max(r.seconds for r in replies)
    print(f"api 500s: 16 concurrent, slowest {slowest:.2f}s")
    for reply in replies:
        assert reply.status == 500, reply.text[:300]
        assert reply.headers["Content-Type"] == "application/json"
        body = reply.json()
        assert body["code"] == "server_error"
        assert len(body["request_id"]) == 36
    assert len({r.json()["request_id"] for r in replies}) == 16
    assert slowest < 2.0
