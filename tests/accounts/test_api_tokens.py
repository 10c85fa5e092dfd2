"""Self-service API tokens (#21 point 6): people make, name, scope and revoke their own
tokens in the browser; the key is stored hashed and shown once; scope narrows (never widens)
the roles; every change made with a token is attributable to it in the audit trail."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, Role
from accounts.services import api_token_issue, api_token_revoke
from core.errors import ApplicationError, ConflictError, NotFound
from core.models import AuditEvent
from core.tenancy import platform_context, tenant_context
from tests.factories import member

pytestmark = pytest.mark.django_db

NEW = "/my-account/api-tokens/new/"
LIST = "/my-account/api-tokens/"


def _browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _make(client: Client, **fields: Any) -> Any:
    data = {"name": "Finance sync", "expires_in_days": "90", "access": "read_only", **fields}
    return client.post(NEW, data)


def _key_from(response: Any) -> str:
    match = re.search(r'value="(ipt_[A-Za-z0-9_\-]+)"', response.content.decode())
    assert match, response.content.decode()[:2000]
    return match.group(1)


def test_a_person_makes_a_read_only_token_sees_the_key_once_and_it_is_stored_hashed() -> None:
    officer = member(Role.FINANCE_OFFICER, mfa=True)
    browser = _browser(officer.user)
    response = _make(browser)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    key = _key_from(response)
    token = ApiToken.objects.get(user=officer.user)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:10]
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert token.read_only is True
    assert "money.move" not in token.actions
    assert "pool.view" in token.actions
    assert (token.expires_at - token.created_at) == timedelta(days=90)

    listing = browser.get(LIST).content.decode()
    for shown in ("Finance sync", token.prefix, "Read only"):
        assert shown in listing
    assert key not in listing

    body = officer.responsible_body.slug
    api = _token_client(key)
    assert api.get(f"/api/v1/bodies/{body}/pools/").status_code == 200
    refused = api.post(f"/api/v1/bodies/{body}/pools/open/", {"label": "2026-27"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "token_read_only"
    assert refused.json()["message"] == "This API token is read-only."


def test_a_token_with_chosen_actions_acts_within_them_and_its_changes_carry_its_name() -> None:
    officer = member(Role.FINANCE_OFFICER, mfa=True)
    body = officer.responsible_body
    _, key = api_token_issue(
        user=officer.user, name="Ledger robot", read_only=False, actions=["money.move", "pool.view"], expires_in_days=30
    )
    api = _token_client(key)
    opened = api.post(f"/api/v1/bodies/{body.slug}/pools/open/", {"label": "2026-27"}, format="json")
    assert opened.status_code == 201, opened.content
    token = ApiToken.objects.get(user=officer.user)
    with tenant_context(body):
        event = AuditEvent.objects.get(verb="pool.opened")
    assert event.actor_id == officer.user.pk
    assert event.actor_label == f"{officer.user.email} via API token #{token.pk} “Ledger robot”"
    assert token.last_used_at is not None

    # The same person in their browser session is not labelled as the token.
    browser = APIClient()
    browser.force_authenticate(officer.user)
    with tenant_context(body):
        before = AuditEvent.objects.count()
    browser.post(f"/api/v1/bodies/{body.slug}/pools/open/", {"label": "2027-28"}, format="json")
    with tenant_context(body):
        latest = AuditEvent.objects.order_by("-id").first()
        assert AuditEvent.objects.count() > before
    assert latest is not None
    assert latest.actor_label == officer.user.email


def test_a_token_without_an_action_is_refused_it_even_though_the_role_allows_it() -> None:
    officer = member(Role.FINANCE_OFFICER, mfa=True)
    _, key = api_token_issue(
        user=officer.user, name="Reader", read_only=False, actions=["pool.view"], expires_in_days=30
    )
    refused = _token_client(key).post(
        f"/api/v1/bodies/{officer.responsible_body.slug}/pools/open/", {"label": "2026-27"}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "token_scope"
    assert refused.json()["message"] == "This API token does not allow money.move."


def test_a_token_never_widens_the_roles() -> None:
    trustee = member(Role.TRUSTEE)
    with pytest.raises(ApplicationError) as refused:
        api_token_issue(user=trustee.user, name="Sneaky", read_only=False, actions=["money.move"], expires_in_days=5)
    assert refused.value.code == "token_action_not_allowed"
    assert ApiToken.objects.count() == 0


def test_revocation_is_immediate_and_audited() -> None:
    officer = member(Role.FINANCE_OFFICER, mfa=True)
    browser = _browser(officer.user)
    key = _key_from(_make(browser))
    api = _token_client(key)
    pools = f"/api/v1/bodies/{officer.responsible_body.slug}/pools/"
    assert api.get(pools).status_code == 200
    token = ApiToken.objects.get()
    confirm = browser.get(f"/my-account/api-tokens/{token.pk}/revoke/")
    assert confirm.status_code == 200
    assert "Finance sync" in confirm.content.decode()
    assert browser.post(f"/my-account/api-tokens/{token.pk}/revoke/").status_code == 302
    after = api.get(pools)
    assert after.status_code == 403  # DRF's first authenticator (session) sends no challenge, as for every API refusal
    assert after.json()["code"] == "token_revoked"
    with platform_context():
        verbs = list(AuditEvent.objects.filter(object_id=str(token.pk)).values_list("verb", flat=True).order_by("id"))
    assert verbs == ["api_token.created", "api_token.revoked"]
    with pytest.raises(NotFound):
        api_token_revoke(user=officer.user, token_id=token.pk + 1000)
    with pytest.raises(ConflictError):
        api_token_revoke(user=officer.user, token_id=token.pk)


def test_someone_elses_token_is_not_found_and_not_revoked() -> None:
    owner = member(Role.FINANCE_OFFICER, mfa=True)
    other = member(Role.FINANCE_OFFICER, owner.responsible_body, mfa=True)
    token, key = api_token_issue(user=owner.user, name="Mine", read_only=True, actions=[], expires_in_days=3)
    intruder = _browser(other.user)
    assert intruder.get(f"/my-account/api-tokens/{token.pk}/revoke/").status_code == 404
    assert intruder.post(f"/my-account/api-tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert "Mine" not in intruder.get(LIST).content.decode()
    assert _token_client(key).get("/api/v1/me/").status_code == 200


def test_a_token_stops_working_when_it_expires() -> None:
    officer = member(Role.FINANCE_OFFICER, mfa=True)
    _, key = api_token_issue(user=officer.user, name="Short", read_only=True, actions=[], expires_in_days=1)
    api = _token_client(key)
    assert api.get("/api/v1/me/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        expired = api.get("/api/v1/me/")
    assert expired.status_code == 403
    assert expired.json()["code"] == "token_expired"


@pytest.mark.django_db(transaction=True)  # each refused request rolls back its own transaction
def test_a_made_up_or_mangled_key_is_refused() -> None:
    officer = member(Role.FINANCE_OFFICER, mfa=True)
    _, key = api_token_issue(user=officer.user, name="Real", read_only=True, actions=[], expires_in_days=1)
    for bad in (key[:-1], key + "x", "ipt_", "ipt_" + "A" * 43):
        refused = _token_client(bad).get("/api/v1/me/")
        assert refused.status_code == 403
        assert refused.json()["code"] in {"token_invalid", "authentication_failed"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Enter a name"),
        ({"name": "   "}, "Enter a name"),
        ({"name": "x" * 81}, "80 characters"),
        ({"expires_in_days": "0"}, "at least 1 day"),
        ({"expires_in_days": "366"}, "at most 365 days"),
        ({"expires_in_days": "ninety"}, "whole number of days"),
        ({"expires_in_days": "1.5"}, "whole number of days"),
        ({"access": "chosen"}, "Choose at least one thing"),
        ({"access": "everything"}, "Select a valid choice"),
        ({"access": "chosen", "actions": ["case.decide"]}, "Select a valid choice"),
    ],
)
def test_bad_values_give_a_clear_error_and_make_no_token(fields: dict[str, Any], message: str) -> None:
    officer = member(Role.FINANCE_OFFICER, mfa=True)
    response = _make(_browser(officer.user), **fields)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert ApiToken.objects.count() == 0


def test_a_second_live_token_with_the_same_name_is_refused_but_a_revoked_name_can_be_reused() -> None:
    officer = member(Role.FINANCE_OFFICER, mfa=True)
    browser = _browser(officer.user)
    _key_from(_make(browser, name="Sync"))
    again = _make(browser, name="sync")
    assert "already have a token with this name" in again.content.decode()
    assert ApiToken.objects.count() == 1
    api_token_revoke(user=officer.user, token_id=ApiToken.objects.get().pk)
    _key_from(_make(browser, name="Sync"))
    assert ApiToken.objects.count() == 2


def test_the_automation_token_of_the_management_command_still_works(capsys: Any) -> None:
    from django.core.management import call_command

    trustee = member(Role.TRUSTEE)
    call_command("create_api_token", trustee.user.email)
    key = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(user=trustee.user)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert _token_client(key).get("/api/v1/me/").status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in() -> None:
    response = Client().get(LIST)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")
