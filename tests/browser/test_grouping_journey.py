"""A body administrator adds a school to the grouping through the pages; axe checks each
page of the journey."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from core.tenancy import tenant_context
from groupings.models import Arrangement
from tests.browser.conftest import assert_accessible, fill_date
from tests.factories import DEMO_PASSWORD, SchoolFactory, TrustFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()


def test_body_admin_adds_a_school_through_the_pages(page: Page, live_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin = member(Role.BODY_ADMIN, mfa=False)
    from tests.factories import enable_mfa

    body = admin.responsible_body
    school = SchoolFactory(
        name="Riverside Standalone Academy",
        trust_uid=TrustFactory().gias_group_uid,
        trust_name="RIVERSIDE ACADEMY TRUST",
    )
    # Sign in before MFA exists (no second step), then turn it on: the journey needs it.
    _sign_in(page, live_server.url, admin.user.email)
    enable_mfa(admin.user)
    base = f"{live_server.url}/b/{body.slug}/grouping/"

    page.goto(base)
    expect(page.get_by_role("heading", level=1)).to_have_text("Schools in the grouping")
    assert_accessible(page)
    page.get_by_role("link", name="Add a school").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find the school")
    assert_accessible(page)
    page.get_by_label("School name or URN").fill("riverside")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("cell", name=re.compile("^Riverside Standalone Academy URN"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Choose")).first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("How does the school join the grouping?")
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()  # nothing chosen: an error
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Standalone or small trust by contract").check()
    page.get_by_label(re.compile("Who runs the school")).fill("Riverside Academy Trust")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("When is the school in the grouping?")
    assert_accessible(page)
    fill_date(page, "First day in the grouping", "1 9 2026")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Upload the signed agreement")
    assert_accessible(page)
    signed = tmp_path / "signed-agreement.pdf"
    signed.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.get_by_label("Agreement reference").fill("RIV-2026")
    page.get_by_label(re.compile("Signed agreement")).set_input_files(str(signed))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before proposing")
    expect(page.get_by_text("signed-agreement.pdf")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Propose arrangement").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Standalone Academy")
    expect(page.get_by_text("has been proposed to join the grouping")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Approve arrangement").click()
    expect(page.get_by_text("has been approved")).to_be_visible()
    assert_accessible(page)

    with tenant_context(body):
        arrangement = Arrangement.objects.get(school=school)
    assert (arrangement.status, arrangement.basis, arrangement.agreement_document_name) == (
        "active",
        "contracted_trust",
        "signed-agreement.pdf",
    )

    page.goto(f"{live_server.url}/b/{body.slug}/grouping/policy/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/groupings/{body.slug}/")
    expect(page.get_by_role("cell", name="Riverside Standalone Academy")).to_be_visible()
    assert_accessible(page)
