"""An auditor draws a sample (after a refused size), opens a commitment's chain and goes on
to the next transaction; a head opens the school's inclusion strategy annex. axe checks
every page on the way."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from exceptional_resource.services import cases
from tests.browser.conftest import assert_accessible
from tests.exceptional_resource.conftest import Scene, draft_case, scene
from tests.exceptional_resource.test_workflow import _approve
from tests.factories import DEMO_PASSWORD
from tests.pooling.audit_grants_support import pool_auditor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["scene"]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()


def test_an_auditor_samples_and_follows_a_chain_and_a_head_opens_the_annex(
    page: Page, live_server: Any, scene: Scene
) -> None:
    case = draft_case(scene, requested_pence=12_000_00)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    award = _approve(scene, case, amount=12_000_00).award
    auditor = pool_auditor(scene.body)

    _sign_in(page, live_server.url, auditor.email)
    page.goto(f"{live_server.url}/b/{scene.body.slug}/audit/samples/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit samples and exports")
    assert_accessible(page)
    page.get_by_label("How many transactions").fill("0")
    page.get_by_role("button", name="Draw sample").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.get_by_text("Enter a sample size of 1 or more.").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Transactions caused by awards").check()
    page.get_by_label("How many transactions").fill("1")
    page.get_by_label("Seed (optional)").fill("2026")
    page.get_by_role("button", name="Draw sample").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Audit sample \d+"))
    expect(page.get_by_text("Yes: drawing again with this seed")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"Transaction \d+")).first.click()
    expect(page.get_by_role("heading", name=f"2. Award {award.pk}")).to_be_visible()
    expect(page.get_by_role("heading", name=f"4. Case {case.reference}")).to_be_visible()
    assert_accessible(page)

    page.context.clear_cookies()
    _sign_in(page, live_server.url, scene.head.user.email)
    page.goto(f"{live_server.url}/b/{scene.body.slug}/annex/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inclusion strategy annex")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("2026-27")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meadow Academy")
    # One award: the published annex does not show its amount (small numbers).
    expect(page.get_by_text("Not shown: fewer than 5 awards")).to_be_visible()
    expect(page.get_by_text("£12,000.00")).to_have_count(0)
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    assert download.value.suggested_filename == f"inclusion-annex-{scene.school.urn}-2026-27.csv"
