"""#21 point 3, for real in Chromium with a virtual authenticator (CDP WebAuthn domain): a
person adds a passkey, signs in with it alone, and passes a step-up with it, all under the
app's Content-Security-Policy (allauth's WebAuthn JS served as static files, no inline script)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from playwright.sync_api import Page, expect

from accounts.models import ApiToken, Role
from tests.browser.conftest import assert_accessible
from tests.factories import DEMO_PASSWORD, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(user: Any) -> str:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return format_hotp_value(hotp_value(decrypt(authenticator.data["secret"]), int(time.time()) // 30))


def _watch_csp(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    return seen


def test_a_passkey_is_added_signs_in_alone_and_passes_a_step_up(page: Page, live_server, settings) -> None:  # type: ignore[no-untyped-def]
    settings.STEP_UP_MAX_AGE_MINUTES = 0  # every sensitive action asks for a fresh proof
    officer = member(Role.FINANCE_OFFICER, mfa=True)
    user = officer.user
    violations = _watch_csp(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )

    # Sign in with password and authenticator code, then add a passkey.
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(user.email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_label("Security code").fill(_code(user))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(officer.responsible_body.legal_name)

    page.goto(live_server.url + "/accounts/2fa/webauthn/add/")
    if "/accounts/reauthenticate/" in page.url:  # allauth asks for the password again first
        page.get_by_role("textbox", name=re.compile("password", re.I)).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/webauthn/add/"))
    response = page.reload()
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp
    assert "script-src 'self'" in csp
    assert_accessible(page)
    page.get_by_label("Name").fill("Work laptop")
    page.get_by_role("button", name="Add passkey").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("body")).not_to_contain_text("Add a passkey")
    passkeys = Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN)
    assert passkeys.count() == 1

    # Sign out, then sign in with the passkey alone (no password, no code).
    page.context.clear_cookies()
    page.goto(live_server.url + "/accounts/login/")
    assert_accessible(page)
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(officer.responsible_body.legal_name)

    # A step-up with the passkey: making a token that can move money.
    page.goto(live_server.url + "/my-account/api-tokens/new/")
    page.get_by_label("Name").fill("Ledger robot")
    page.get_by_label("Only the actions I choose").check()
    page.locator("input[value='money.move']").check()
    page.get_by_role("button", name=re.compile("Make", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    assert_accessible(page)
    assert ApiToken.objects.count() == 0
    page.get_by_role("button", name="Use your passkey").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("“Ledger robot” made")
    expect(page.locator("input[value^='ipt_']")).to_have_count(1)
    token = ApiToken.objects.get()
    assert (token.name, token.read_only, "money.move" in token.actions) == ("Ledger robot", False, True)
    assert passkeys.get().last_used_at is not None
    assert violations == []
