"""The two forum pages the other browser tests do not open, and the auditors' grants: a
SENDCO writes their own entry in the expertise directory (after a refused empty form) and a
colleague at another school finds them by area of need; a body administrator gives an
external auditor one pool (after a refused empty form), the auditor reads that pool and
gets 404 on the other, and after revocation on it too. axe checks each page."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role, User
from pooling.services.ledger import pool_open
from tests.browser.conftest import assert_accessible, fill_date
from tests.collaboration.conftest import Forum
from tests.collaboration.conftest import forum as forum
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.conftest import scene as scene
from tests.factories import DEMO_PASSWORD, member, totp_code
from tests.pooling.conftest import fund

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, user: User) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(user.email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    code = page.get_by_label("Security code")
    if code.count():
        code.fill(totp_code(user))
        page.get_by_role("button", name="Continue").click()


def test_a_sendco_writes_their_entry_and_a_colleague_finds_them_by_area(
    page: Page, live_server: Any, forum: Forum
) -> None:
    base, slug = live_server.url, forum.scene.body.slug
    _sign_in(page, base, forum.peer.user)
    page.goto(f"{base}/b/{slug}/collaboration/experts/")
    expect(page.locator("#firm-rule")).to_contain_text("nothing here can influence a funding decision")
    assert_accessible(page)
    page.get_by_role("link", name="Add or change your own entry").click()
    expect(page.locator("#firm-rule")).to_be_visible()
    page.get_by_role("button", name="Save your entry").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Your name as colleagues know you").fill("Priya Speech")
    page.get_by_label("Speech, language and communication needs").check()
    page.get_by_label("NASENCO (National Award for SEN Co-ordination)").check()
    page.get_by_label("When you are available").fill("Tuesday afternoons")
    page.get_by_role("button", name="Save your entry").click()
    expect(page.locator("#experts")).to_contain_text("Priya Speech")
    assert_accessible(page)

    colleague = page.context.browser.new_context(viewport={"width": 1200, "height": 900})  # type: ignore[union-attr]
    other = colleague.new_page()
    _sign_in(other, base, forum.sendco.user)
    other.goto(f"{base}/b/{slug}/collaboration/experts/")
    other.get_by_label("Area of need").select_option("SLCN")
    other.get_by_role("button", name="Search").click()
    expect(other.locator("#experts")).to_contain_text("Priya Speech")
    expect(other.locator("#experts")).to_contain_text("Tuesday afternoons")
    assert_accessible(other)
    other.get_by_label("Area of need").select_option("ASD")
    other.get_by_role("button", name="Search").click()
    expect(other.locator("#experts")).to_contain_text("Nobody yet.")
    colleague.close()


def test_an_admin_gives_an_auditor_one_pool_which_they_read_until_revoked(
    page: Page, live_server: Any, scene: Scene
) -> None:
    base, slug = live_server.url, scene.body.slug
    later = pool_open(actor=scene.finance.user, tenant=scene.body, label="2027-28")
    fund(scene.finance, later, 1_000_00, key="fund-later")
    admin = member(Role.BODY_ADMIN, scene.body, mfa=True).user
    auditor = member(Role.AUDITOR, scene.body, mfa=True, valid_to=date(2027, 12, 31)).user
    _sign_in(page, base, admin)
    page.goto(f"{base}/b/{slug}/pool/auditors/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Auditors' access to pools")
    assert_accessible(page)
    page.get_by_role("button", name="Give access").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Auditor").select_option(str(auditor.pk))
    page.get_by_label("Pool (funding period)").select_option(str(scene.pool.pk))
    fill_date(page, "Access ends on", "30 6 2027")
    page.get_by_role("button", name="Give access").click()
    expect(page.locator("main table")).to_contain_text(auditor.email)
    assert_accessible(page)

    auditor_context = page.context.browser.new_context(viewport={"width": 1200, "height": 900})  # type: ignore[union-attr]
    reader = auditor_context.new_page()
    _sign_in(reader, base, auditor)
    reader.goto(f"{base}/b/{slug}/pool/audit/")
    expect(reader.locator("main")).to_contain_text(f"Pool {scene.pool.label}")
    expect(reader.locator("main")).not_to_contain_text("Pool 2027-28")
    assert_accessible(reader)
    reader.get_by_role("link", name=f"Pool {scene.pool.label}").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(f"Pool {scene.pool.label}")
    assert_accessible(reader)
    other = reader.goto(f"{base}/b/{slug}/pool/audit/{later.pk}/")
    assert other is not None
    assert other.status == 404

    page.get_by_role("button", name=re.compile("Revoke")).click()
    expect(page.locator("main table")).to_contain_text("No auditor has access to a pool.")
    gone = reader.goto(f"{base}/b/{slug}/pool/audit/{scene.pool.pk}/")
    assert gone is not None
    assert gone.status == 404
    auditor_context.close()
