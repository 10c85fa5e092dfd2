"""#21 review of the API tokens: a token that can write asks for a fresh step-up proof when it
is made; the automation tokens of ``manage.py create_api_token`` are stored hashed, and the
plain keys of before are hashed by a data migration without breaking the automation using them."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from importlib import import_module
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import ApiToken, Role
from core.db_roles import owner_connection
from tests.factories import member, totp_code

pytestmark = pytest.mark.django_db

NEW = "/my-account/api-tokens/new/"
WRITE = {"name": "Ledger robot", "expires_in_days": "30", "access": "chosen", "actions": ["money.move"]}


def _later(minutes: int = 16) -> Any:
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)


def test_making_a_token_that_can_write_asks_for_a_fresh_proof_first() -> None:
    officer = member(Role.FINANCE_OFFICER, mfa=True)
    browser = Client()
    browser.force_login(officer.user)
    with _later():
        asked = browser.post(NEW, WRITE)
        assert asked.status_code == 200
        page = asked.content.decode()
        assert "Confirm it is you" in page
        assert 'name="actions" value="money.move"' in page  # the form is re-posted as it was
        assert ApiToken.objects.count() == 0
        wrong = browser.post(NEW, {**WRITE, "step_up_code": "000000"})
        assert wrong.status_code == 403
        assert ApiToken.objects.count() == 0
        made = browser.post(NEW, {**WRITE, "step_up_code": totp_code(officer.user)})
        assert made.status_code == 200
        assert "ipt_" in made.content.decode()
        assert list(ApiToken.objects.values_list("name", "read_only")) == [("Ledger robot", False)]


def test_a_read_only_token_needs_no_fresh_proof() -> None:
    officer = member(Role.FINANCE_OFFICER, mfa=True)
    browser = Client()
    browser.force_login(officer.user)
    with _later():
        made = browser.post(NEW, {"name": "Reader", "expires_in_days": "30", "access": "read_only"})
    assert "Confirm it is you" not in made.content.decode()
    assert ApiToken.objects.get().read_only is True


def test_someone_without_an_authenticator_is_told_to_set_one_up_before_a_write_token() -> None:
    trustee = member(Role.FINANCE_OFFICER)
    browser = Client()
    browser.force_login(trustee.user)
    asked = browser.post(NEW, WRITE)
    assert "You have no authenticator app set up yet" in asked.content.decode()
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_hashes_plain_automation_keys_and_they_keep_working() -> None:
    """The migration runs as the owner (the runtime role holds nothing on authtoken_token)."""
    migration = import_module("accounts.migrations.0008_hash_automation_tokens")
    trustee = member(Role.TRUSTEE)
    with owner_connection():
        key = Token.objects.create(user=trustee.user).key
        migration.hash_plain_keys(apps, None)
        assert not Token.objects.exists()
    token = ApiToken.objects.get(user=trustee.user)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert token.expires_at - token.created_at == timedelta(days=90)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/").status_code == 200
