"""A body admin places a legal hold on a case (an empty reason is refused on the field) and
asks for a pupil's subject-access export (an unknown reference is refused on the field).
axe checks each page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from core.tenancy import tenant_context
from exceptional_resource.models import LegalHold, Pupil
from tests.browser.conftest import assert_accessible
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.conftest import scene as scene
from tests.exceptional_resource.retention_support import declined_case
from tests.factories import DEMO_PASSWORD, enable_mfa, member, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()


def test_an_admin_places_a_hold_and_asks_for_a_subject_access_export(
    page: Page, live_server: Any, scene: Scene, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.UPLOAD_VIRUS_SCANNER = "tests.exceptional_resource.evidence_files.EicarScanner"
    case = declined_case(scene)
    with tenant_context(scene.body):
        reference = Pupil.objects.get(pk=case.pupil_id).reference
    admin = member(Role.BODY_ADMIN, scene.body)
    _sign_in(page, live_server.url, admin.user.email)
    enable_mfa(admin.user)  # holds and subject access need MFA, and a fresh code to act

    page.goto(f"{live_server.url}/b/{scene.body.slug}/cases/{case.pk}/legal-hold/")
    expect(page.get_by_role("heading", name="Legal hold")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Place a hold").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")  # step-up: a fresh code
    assert_accessible(page)
    page.get_by_label("Code from your authenticator app").fill(totp_code(admin.user))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the reason for the hold")
    assert_accessible(page)
    page.get_by_label("Reason").fill("Tribunal appeal lodged")
    page.get_by_role("button", name="Place a hold").click()
    expect(page.locator(".govuk-inset-text")).to_contain_text("Tribunal appeal lodged")
    assert_accessible(page)
    with tenant_context(scene.body):
        assert LegalHold.objects.get(case=case).reason == "Tribunal appeal lodged"

    page.get_by_role("link", name="Subject access").first.click()
    expect(page.get_by_role("heading", name="Answer a subject-access request")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Pupil reference").fill("P-NOTHERE")
    page.get_by_role("button", name="Produce the export").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("No pupil with that reference")
    assert_accessible(page)
    page.get_by_label("Pupil reference").fill(reference)
    page.get_by_role("button", name="Produce the export").click()
    expect(page.get_by_role("heading", name="Subject-access export")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"pupil {reference}")
    assert_accessible(page)
