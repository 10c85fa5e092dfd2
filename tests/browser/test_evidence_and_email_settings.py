"""A headteacher attaches evidence to a draft case (a renamed executable is refused on the
field), then chooses how to get emails. axe checks each page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from core.tenancy import tenant_context
from exceptional_resource.models import CaseDocument
from notifications.services import preferences_for
from tests.browser.conftest import assert_accessible
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.conftest import scene as scene
from tests.exceptional_resource.evidence_files import EXE, PDF
from tests.factories import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()


def test_head_adds_evidence_and_sets_email_choices(
    page: Page, live_server: Any, scene: Scene, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"
    case = draft_case(scene)
    report, renamed = tmp_path / "EP report.pdf", tmp_path / "tool.pdf"
    report.write_bytes(PDF)
    renamed.write_bytes(EXE)
    _sign_in(page, live_server.url, scene.head.user.email)

    page.goto(f"{live_server.url}/b/{scene.body.slug}/cases/{case.pk}/evidence/")
    expect(page.get_by_role("heading", name="Evidence", exact=True).first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Upload a file").set_input_files(str(renamed))
    page.get_by_role("button", name="Add the document").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The selected file is not really a PDF file.")
    expect(page.locator("#id_file-error")).to_contain_text("not really a PDF")
    assert_accessible(page)

    page.get_by_label("Upload a file").set_input_files(str(report))
    page.get_by_role("button", name="Add the document").click()
    expect(page.get_by_role("link", name=re.compile(r"^EP report\.pdf"))).to_be_visible()
    assert_accessible(page)
    with tenant_context(scene.body):
        assert list(CaseDocument.objects.values_list("original_name", flat=True)) == ["EP report.pdf"]
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^EP report\.pdf")).click()
    assert Path(download.value.path()).read_bytes() == PDF

    page.goto(f"{live_server.url}/my-account/")
    page.get_by_role("link", name=re.compile("Change email settings")).click()
    expect(page.get_by_role("heading", name="Email settings")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("group", name="Decisions on your school's cases").get_by_label(
        "Include in a daily summary email"
    ).check()
    page.get_by_role("button", name="Save email settings").click()
    expect(page.locator("main")).to_contain_text("Your email settings have been saved.")
    assert preferences_for(user=scene.head.user)["case_decided"] == "digest"
