"""In a real browser, axe-checked: a trustee makes a read-only API token, copies the key
shown once, sees it listed without the key, uses it, and revokes it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from rest_framework.test import APIClient

from accounts.models import Role
from tests.browser.conftest import assert_accessible
from tests.factories import DEMO_PASSWORD, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_trustee_makes_uses_and_revokes_a_read_only_token(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    trustee = member(Role.TRUSTEE)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(trustee.user.email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto(live_server.url + "/my-account/")
    page.get_by_role("link", name=re.compile("Manage API tokens")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    assert_accessible(page)
    page.get_by_role("link", name="Make a token").click()
    assert_accessible(page)
    page.get_by_role("button", name="Make token").click()  # no name: an error, nothing made
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="Enter a name for the token")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name").fill("Board papers")
    page.get_by_label(re.compile("Read only")).check()
    page.get_by_role("button", name="Make token").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Token “Board papers” made")
    assert_accessible(page)
    key = page.get_by_label("Key").input_value()
    assert key.startswith("ipt_")

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 200

    page.get_by_role("link", name="Back to your API tokens").click()
    expect(page.get_by_role("cell", name="Board papers", exact=True)).to_be_visible()
    assert key not in page.content()
    page.get_by_role("link", name=re.compile("Revoke")).click()
    assert_accessible(page)
    page.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_text("“Board papers” is revoked.")).to_be_visible()
    expect(page.get_by_text(re.compile("Revoked \\d"))).to_be_visible()
    assert_accessible(page)
    assert api.get("/api/v1/me/").json()["code"] == "token_revoked"
