"""A finance officer imports a DfE allocation file, recalculates contributions and records
a receipt through the pages; axe checks every page on the way."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from core.tenancy import tenant_context
from pooling.models import Contribution, Receipt
from pooling.services.ledger import pool_open
from tests.browser.conftest import assert_accessible, fill_date
from tests.factories import DEMO_PASSWORD, SchoolFactory, enable_mfa, member, own_academy
from tests.pooling.contributions_support import csv_bytes, dfe_sample, join

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOTAL = "Total allocation for the Deprivation Pupil Premium"


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()


def test_finance_officer_imports_allocations_recalculates_and_records_a_receipt(  # type: ignore[no-untyped-def]
    page: Page, live_server, settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"
    officer = member(Role.FINANCE_OFFICER, mfa=False)
    body, user = officer.responsible_body, officer.user
    pool = pool_open(actor=user, tenant=body, label="2026-27")
    header, rows = dfe_sample(6)
    urns = [int(r[0]) for r in rows]
    # The first two schools of the DfE file are the trust's academies; the rest are not members.
    ash = join(user, body, school=own_academy(body, urn=urns[0], name="Ash Academy"))
    join(user, body, school=own_academy(body, urn=urns[1], name="Beech Academy"), start=date(2026, 9, 1))
    for urn in urns[2:]:
        SchoolFactory(urn=urn)
    good = tmp_path / "pupil-premium-2019-2020.csv"
    good.write_bytes(csv_bytes(header, rows))
    bad = tmp_path / "broken.csv"
    bad.write_bytes(csv_bytes(["URN", "IMF"], [[str(urns[0]), "14000.505"], ["999999", "1"]]))
    _sign_in(page, live_server.url, user.email)
    enable_mfa(user)
    base = f"{live_server.url}/b/{body.slug}/pool/{pool.pk}"

    page.goto(f"{base}/allocations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("IMF allocations")
    assert_accessible(page)

    # A file with problems: every one is listed by line, and nothing can be imported.
    page.get_by_role("link", name="Import a DfE allocation file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import an allocation file")
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()  # no file: an error on the field
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(re.compile("Allocation file")).set_input_files(str(bad))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose the columns")
    page.get_by_label("Which column has the IMF allocation in pounds?").select_option("IMF")
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the allocations")
    expect(page.get_by_role("cell", name="URN 999999 is not in the school register.")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Import"))).to_have_count(0)
    assert_accessible(page)

    # The real DfE layout: choose the columns, check, import.
    page.get_by_role("link", name="Upload a corrected file").click()
    page.get_by_label(re.compile("Allocation file")).set_input_files(str(good))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose the columns")
    assert_accessible(page)
    expect(page.get_by_label("Which column has the IMF allocation in pounds?")).to_have_value(TOTAL)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("6: 6 new, 0 changed, 0 unchanged")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Import 6 allocations").click()
    expect(page.get_by_text("6 allocations for 2026-27 imported from pupil-premium-2019-2020.csv")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Change the allocation of Ash Academy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change Ash Academy's allocation")
    assert_accessible(page)
    page.get_by_label("IMF allocation for the year, in pounds").fill("14000.505")
    page.get_by_role("button", name="Save allocation").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("IMF allocation for the year, in pounds").fill("14,000")
    page.get_by_role("button", name="Save allocation").click()
    expect(page.get_by_text("is £14,000.00")).to_be_visible()

    page.goto(f"{base}/contributions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contributions")
    assert_accessible(page)
    page.get_by_role("button", name="Recalculate contributions").click()
    expect(page.get_by_text("Contributions recalculated: 2 changed.")).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_role("row", name=re.compile("^Ash Academy"))).to_contain_text("£1,400.00")

    page.get_by_role("link", name="Record a receipt from Ash Academy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a receipt")
    assert_accessible(page)
    page.get_by_role("button", name="Record receipt").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Amount received, in pounds").fill("1,000")
    fill_date(page, "Date received", "1 5 2026")
    page.get_by_label("Internal top-slice").check()
    page.get_by_label(re.compile("Reference")).fill("May top-slice")
    page.get_by_role("button", name="Record receipt").click()
    expect(page.get_by_text("£1,000.00 received from Ash Academy on 1 May 2026 has been recorded.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("^Ash Academy"))).to_contain_text("£400.00")
    assert_accessible(page)

    page.get_by_role("link", name="Ash Academy", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ash Academy")
    expect(page.get_by_role("cell", name="May top-slice")).to_be_visible()
    assert_accessible(page)

    with tenant_context(body):
        contribution = Contribution.objects.get(arrangement=ash)
        assert contribution.expected_pence == 140_000
        assert list(Receipt.objects.values_list("amount_pence", "method")) == [(100_000, "top_slice")]
