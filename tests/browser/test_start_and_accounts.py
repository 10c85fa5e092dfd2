"""End to end in a real browser: the public pages, signing in, setting up MFA, managing
people and reading the audit log, each page checked with axe-core."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import Page, expect

from accounts.models import Role
from tests.browser.conftest import assert_accessible
from tests.factories import DEMO_PASSWORD, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _totp(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_start_page_link_and_accessibility(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("pooled Inclusive Mainstream Fund")
    assert_accessible(page)
    page.get_by_role("link", name="How Inclusion Pool works").first.click()
    expect(page).to_have_url(re.compile(r"/about/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    assert [m for m in console if "Content Security Policy" in m] == []


def test_body_admin_signs_in_sets_up_mfa_and_adds_a_person(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    admin = member(Role.BODY_ADMIN)
    slug = admin.responsible_body.slug

    page.goto(live_server.url + "/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Email", exact=False).first.fill(admin.user.email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(admin.responsible_body.legal_name)
    assert_accessible(page)

    # Managing people needs MFA first: the admin is sent to set it up.
    page.goto(f"{live_server.url}/b/{slug}/people/invite/")
    if "/accounts/reauthenticate/" in page.url:  # allauth asks for the password again first
        assert_accessible(page)
        page.get_by_role("textbox", name=re.compile("password", re.I)).fill(DEMO_PASSWORD)
        page.get_by_role("button", name=re.compile("Confirm|Continue|Sign in", re.I)).first.click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate"))
    assert_accessible(page)
    secret = (
        page.get_by_test_id("totp-secret").inner_text().strip() if page.get_by_test_id("totp-secret").count() else ""
    )
    if not secret:
        secret = re.search(r"\b([A-Z2-7]{32})\b", page.content()).group(1)  # type: ignore[union-attr]
    page.get_by_label(re.compile("code", re.I)).first.fill(_totp(secret))
    page.get_by_role("button", name=re.compile("Activate|Turn on|Continue|Set up", re.I)).first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}/b/{slug}/people/invite/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a person")
    assert_accessible(page)
    page.get_by_role("button", name="Add person").click()  # empty: errors shown
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email address").fill("new.trustee@example.org")
    page.get_by_label("Trustee").check()
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_text("new.trustee@example.org now has the role Trustee.")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}/b/{slug}/people/")
    expect(page.get_by_role("cell", name="new.trustee@example.org", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("End.*Trustee role of new.trustee@example.org")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("End new.trustee@example.org")
    assert_accessible(page)
    page.get_by_role("button", name="End role").click()
    expect(page.get_by_text("no longer has the role Trustee")).to_be_visible()

    # With a second body the person chooses where to work.
    member(Role.TRUSTEE, user=admin.user)
    page.goto(f"{live_server.url}/home/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a responsible body")
    assert_accessible(page)

    page.goto(f"{live_server.url}/b/{slug}/audit/")
    expect(page.get_by_role("cell", name="new.trustee@example.org as Trustee").first).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}/my-account/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    assert_accessible(page)
    page.goto(f"{live_server.url}/accounts/sessions/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/accounts/2fa/")
    assert_accessible(page)
