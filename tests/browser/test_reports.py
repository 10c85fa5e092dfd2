"""A finance officer requests a governance pack, watches its progress bar move from
queued to ready (HTMX polling, no reload) while a real Celery worker builds it, and
downloads the PDF; axe checks every page on the way."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from accounts.models import Role
from core.tenancy import tenant_context
from reports.models import ReportRun
from reports.tasks import report_run_task
from tests.assurance.governance_support import governance_scene
from tests.browser.conftest import assert_accessible, fill_date
from tests.factories import DEMO_PASSWORD, enable_mfa, member, totp_code
from tests.reports.reports_support import report_media
from tests.worker import running_worker

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
__all__ = ["report_media"]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()


def test_finance_officer_requests_a_pack_watches_progress_and_downloads_the_pdf(  # type: ignore[no-untyped-def]
    page: Page, live_server, report_media: Path
) -> None:
    scene = governance_scene(body_name="Browser Pack Trust")
    # A second finance officer signs in with a password, then sets up an authenticator:
    # starting a governance pack asks for a fresh code from it (step-up).
    officer = member(Role.FINANCE_OFFICER, scene.body).user
    _sign_in(page, live_server.url, officer.email)
    enable_mfa(officer)
    page.goto(f"{live_server.url}/b/{scene.body.slug}/reports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    expect(page.get_by_text("No reports yet.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Financial-governance pack").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Financial-governance pack")
    assert_accessible(page)
    fill_date(page, "Figures up to and including", "30 6 2027")
    page.get_by_role("button", name="Request report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")  # step-up: a fresh code
    page.get_by_label("Code from your authenticator app").fill(totp_code(officer))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("within the funding period"))).to_be_visible()
    assert_accessible(page)
    fill_date(page, "Figures up to and including", "")
    page.get_by_label("Funding period").select_option(label="2026-27")
    page.get_by_role("button", name="Request report").click()

    # Queued: no worker yet, so the bar waits at 0% and the page polls.
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Financial-governance pack, 2026-27 to"))
    expect(page.get_by_text("Your report has been requested")).to_be_visible()
    bar = page.get_by_role("progressbar")
    expect(bar).to_have_attribute("value", "0")
    expect(page.get_by_text("Queued")).to_be_visible()
    assert_accessible(page)
    url_before = page.url
    with tenant_context(scene.body):
        run_id = ReportRun.objects.get().pk

    with running_worker():
        # running_worker purges this test's queue as it starts, so enqueue the run again
        # (what the requeue beat task does for a run left queued).
        report_run_task.delay(run_id)
        # The fragment is swapped in by htmx as the worker reports progress and finishes.
        download_link = page.get_by_role("link", name=re.compile(r"Download governance-pack-.*\.pdf"))
        expect(download_link).to_be_visible(timeout=90_000)
    assert page.url == url_before  # updated in place, not reloaded
    expect(page.get_by_text("Ready", exact=True)).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_count(0)
    assert_accessible(page)

    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert re.fullmatch(r"governance-pack-2026-27-to-\d{4}-\d{2}-\d{2}\.pdf", download.suggested_filename)
    pdf = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Browser Pack Trust" in text
    assert "£200,000.01" in text
    with tenant_context(scene.body):
        run = ReportRun.objects.get()
    assert run.status == "succeeded"
    assert run.requested_by_id == officer.pk

    page.goto(f"{live_server.url}/b/{scene.body.slug}/reports/")
    expect(page.get_by_role("link", name=re.compile("Financial-governance pack, 2026-27"))).to_be_visible()
    expect(page.get_by_text("Ready", exact=True)).to_be_visible()
    assert_accessible(page)
