"""A finance officer previews and confirms a payment run through the pages and downloads a
school's remittance advice; axe checks every page on the way."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from core.tenancy import tenant_context
from pooling.models import PaymentRun
from pooling.services.ledger import pool_open
from pooling.services.payments import remittances_build
from tests.browser.conftest import assert_accessible, fill_date
from tests.factories import DEMO_PASSWORD, enable_mfa, member, own_academy, totp_code
from tests.pooling.conftest import fund
from tests.pooling.payments_support import award

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()


def test_finance_officer_pays_schools_and_downloads_remittance(  # type: ignore[no-untyped-def]
    page: Page, live_server, settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"
    officer = member(Role.FINANCE_OFFICER, mfa=False)
    body = officer.responsible_body
    pool = pool_open(actor=officer.user, tenant=body, label="2026-27")
    fund(officer, pool, 20_000_00)
    award(officer, pool, 1_200_00, school=own_academy(body, name="Hazel Academy"), source_id="H-1")
    award(officer, pool, 600_00, school=own_academy(body, name="Rowan Academy"), source_id="R-2")
    # Sign in before MFA exists (no second step), then turn it on: paying needs it.
    _sign_in(page, live_server.url, officer.user.email)
    enable_mfa(officer.user)
    base = f"{live_server.url}/b/{body.slug}/pool"

    page.goto(f"{base}/{pool.pk}/payment-runs/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment runs")
    assert_accessible(page)
    page.get_by_role("link", name="New payment run").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New payment run")
    assert_accessible(page)
    page.get_by_role("button", name="Preview").click()  # no dates: errors on the fields
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    fill_date(page, "Pay instalments due up to and including", "31 5 2026")
    fill_date(page, "Payment date", "1 6 2026")
    page.get_by_role("button", name="Preview").click()
    hazel = 1_200_00 * 30 // 365 + 1_200_00 * 31 // 365
    rowan = 600_00 * 30 // 365 + 600_00 * 31 // 365
    expect(page.get_by_role("cell", name=re.compile("Hazel Academy"))).to_be_visible()
    expect(page.get_by_role("cell", name=f"£{hazel / 100:,.2f}")).to_be_visible()
    expect(page.get_by_text(f"£{(hazel + rowan) / 100:,.2f}").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm payment run").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")  # step-up: a fresh code
    page.get_by_label("Code from your authenticator app").fill(totp_code(officer.user))
    page.get_by_role("button", name="Confirm and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Payment run \d+"))
    expect(page.get_by_text("is confirmed")).to_be_visible()
    expect(page.get_by_text("Remittance advice is being prepared")).to_be_visible()
    assert_accessible(page)
    with tenant_context(body):
        run = PaymentRun.objects.get()
    assert (run.total_pence, run.pay_on) == (hazel + rowan, date(2026, 6, 1))
    # The Celery task's function, run here (a real worker is tested elsewhere).
    remittances_build(tenant=body, payment_run_id=run.pk)
    page.reload()
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV for Hazel Academy").click()
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text())))
    assert rows[-1][4] == "Hazel Academy"
    assert rows[-1][6:] == ["Total", "", f"{hazel / 100:.2f}"]

    page.goto(f"{base}/{pool.pk}/close/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Close the period")
    expect(page.get_by_text("cannot be closed yet")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{base}/{pool.pk}/account-codes/")
    assert_accessible(page)
    page.get_by_role("link", name="Change codes for pool bank (received)").click()
    page.get_by_label("Nominal code").fill("=SUM(A1)")
    page.get_by_role("button", name="Save codes").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Nominal code").fill("1200")
    page.get_by_role("button", name="Save codes").click()
    expect(page.get_by_role("cell", name="1200")).to_be_visible()
    page.goto(f"{base}/journal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal export")
    assert_accessible(page)
