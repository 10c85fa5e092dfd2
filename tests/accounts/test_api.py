from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from accounts.models import ApiToken, Membership, Role
from core.tenancy import tenant_context
from tests.factories import SchoolFactory, TrustFactory, member
from tests.pooling.audit_grants_support import current_period_auditor

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_openapi_schema_is_valid_openapi_3() -> None:
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate(schema)
    assert "/api/v1/bodies/{body_slug}/members/invite/" in schema["paths"]


def test_api_docs_page_serves_locally_hosted_swagger() -> None:
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    assert "cdn.jsdelivr" not in response.content.decode()


def test_token_authentication_with_create_api_token(capsys) -> None:  # type: ignore[no-untyped-def]
    m = member(Role.TRUSTEE)
    call_command("create_api_token", m.user.email)
    token = capsys.readouterr().out.strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["bodies"] == [
        {
            "slug": m.responsible_body.slug,
            "legal_name": m.responsible_body.legal_name,
            "kind": "academy_trust",
            "roles": ["trustee"],
        }
    ]


def test_unauthenticated_api_is_refused() -> None:
    m = member(Role.BODY_ADMIN)
    response = APIClient().get(f"/api/v1/bodies/{m.responsible_body.slug}/members/")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_invite_via_api_and_list_members() -> None:
    admin = member(Role.BODY_ADMIN, mfa=True)
    slug = admin.responsible_body.slug
    response = _api(admin.user).post(
        f"/api/v1/bodies/{slug}/members/invite/",
        {"email": "officer@example.org", "role": "decision_officer", "decision_limit_pence": 1_500_000},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["decision_limit_pence"] == 1_500_000
    listing = _api(admin.user).get(f"/api/v1/bodies/{slug}/members/")
    assert listing.status_code == 200
    assert sorted(r["email"] for r in listing.json()["results"]) == sorted([admin.user.email, "officer@example.org"])


def test_application_error_maps_to_409_with_stable_code() -> None:
    admin = member(Role.BODY_ADMIN, mfa=True)
    existing = member(Role.TRUSTEE, admin.responsible_body)
    response = _api(admin.user).post(
        f"/api/v1/bodies/{admin.responsible_body.slug}/members/invite/",
        {"email": existing.user.email, "role": "trustee"},
        format="json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body.pop("request_id") == response["X-Request-ID"]
    assert body == {
        "code": "already_member",
        "message": f"{existing.user.email} already has this role here.",
        "field": "email",
    }


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"email": "bad", "role": "trustee"}, 400, "invalid_email"),
        ({"email": "a@example.org", "role": "wizard"}, 400, "invalid_role"),
        ({"email": "a@example.org", "role": "decision_officer", "decision_limit_pence": -1}, 400, "invalid"),
        ({"email": "a@example.org", "role": "decision_officer", "decision_limit_pence": "12.5"}, 400, "invalid"),
        ({"email": "a@example.org", "role": "auditor", "valid_to": "not-a-date"}, 400, "invalid"),
        ({"role": "trustee"}, 400, "invalid"),
    ],
)
def test_invite_api_rejects_bad_input_and_writes_nothing(payload: dict, status: int, code: str) -> None:
    admin = member(Role.BODY_ADMIN, mfa=True)
    response = _api(admin.user).post(
        f"/api/v1/bodies/{admin.responsible_body.slug}/members/invite/", payload, format="json"
    )
    assert response.status_code == status
    assert response.json()["code"] == code
    with tenant_context(admin.responsible_body):
        assert Membership.objects.count() == 1


def test_invite_api_rejects_a_school_of_another_body() -> None:
    admin = member(Role.BODY_ADMIN, mfa=True)
    other_school = SchoolFactory(trust_uid=TrustFactory().gias_group_uid)
    response = _api(admin.user).post(
        f"/api/v1/bodies/{admin.responsible_body.slug}/members/invite/",
        {"email": "h@example.org", "role": "head", "school_id": other_school.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "school_not_in_body"


def test_mfa_is_required_for_admin_actions_over_the_api() -> None:
    admin = member(Role.BODY_ADMIN, mfa=False)
    response = _api(admin.user).post(
        f"/api/v1/bodies/{admin.responsible_body.slug}/members/invite/",
        {"email": "t@example.org", "role": "trustee"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"


def test_audit_events_api_for_auditor() -> None:
    # An auditor sees the events of the funding periods granted to them (today's here).
    admin = member(Role.BODY_ADMIN, mfa=True)
    auditor = current_period_auditor(admin.responsible_body)
    _api(admin.user).post(
        f"/api/v1/bodies/{admin.responsible_body.slug}/members/invite/",
        {"email": "t@example.org", "role": "trustee"},
        format="json",
    )
    response = _api(auditor).get(f"/api/v1/bodies/{admin.responsible_body.slug}/audit-events/?verb=membership.")
    assert response.status_code == 200
    [event] = response.json()["results"]
    assert event["verb"] == "membership.created"
    assert event["actor"] == admin.user.email


def _token_for(email: str, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    call_command("create_api_token", email, *args)
    return str(capsys.readouterr().out.strip().splitlines()[-1])  # after any request log lines


# Several refused requests in one test: outside a test transaction, as in production (a refused
# request rolls back the request's own transaction, which inside a test would be the test's).
@pytest.mark.django_db(transaction=True)
def test_an_api_token_expires_and_a_new_one_is_issued_in_its_place(
    capsys: pytest.CaptureFixture[str], settings: Any
) -> None:
    settings.API_TOKEN_MAX_AGE_DAYS = 30
    m = member(Role.TRUSTEE)
    old = _token_for(m.user.email, capsys)
    # Its key is not kept, so a second call cannot print it again: it says to rotate.
    with pytest.raises(CommandError, match="use --rotate"):
        call_command("create_api_token", m.user.email)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert client.get("/api/v1/me/").status_code == 200
    token = ApiToken.objects.get(user=m.user)
    assert token.expires_at - token.created_at == timedelta(days=30)
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - timedelta(days=31), expires_at=timezone.now() - timedelta(days=1)
    )
    expired = client.get("/api/v1/me/")
    assert expired.status_code in (401, 403)  # 403: DRF's first authenticator (session) sends no challenge
    assert expired.json()["code"] == "token_expired"
    assert "expired" in expired.json()["message"]
    new = _token_for(m.user.email, capsys)  # the expired one is no longer live: no --rotate needed
    assert new != old
    client.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    ok = client.get("/api/v1/me/")
    assert ok.status_code == 200, ok.json()


@pytest.mark.django_db(transaction=True)
def test_rotating_a_token_stops_the_old_key_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    m = member(Role.TRUSTEE)
    old = _token_for(m.user.email, capsys)
    new = _token_for(m.user.email, capsys, "--rotate")
    assert new != old
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    refused = client.get("/api/v1/me/")
    assert refused.status_code in (401, 403)
    assert refused.json()["code"] == "token_revoked"
    for bad in ("", "not-a-token", "x" * 200, f"{new} extra"):
        client.credentials(HTTP_AUTHORIZATION=f"Token {bad}")
        response = client.get("/api/v1/me/")
        assert response.status_code in (401, 403), bad
        assert response.json()["code"] in ("authentication_failed", "not_authenticated", "token_invalid"), bad
