from __future__ import annotations

import pytest
from django.core.management import call_command
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from accounts.models import Membership, Role
from accounts.tenancy import tenant_context
from tests.factories import SchoolFactory, TrustFactory, member

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
    assert response.json() == {
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
    auditor = member(Role.AUDITOR)
    admin = member(Role.BODY_ADMIN, auditor.responsible_body, mfa=True)
    _api(admin.user).post(
        f"/api/v1/bodies/{admin.responsible_body.slug}/members/invite/",
        {"email": "t@example.org", "role": "trustee"},
        format="json",
    )
    response = _api(auditor.user).get(f"/api/v1/bodies/{auditor.responsible_body.slug}/audit-events/")
    assert response.status_code == 200
    [event] = response.json()["results"]
    assert event["verb"] == "membership.created"
    assert event["actor"] == admin.user.email
