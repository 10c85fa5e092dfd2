"""A finance officer opens the pool dashboard: Chart.js draws the headroom chart from the
``json_script`` data under the page's CSP, and the table beside it shows the same figures.
Then the ledger browser and a transaction, reversed through its form. axe checks each page."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from core.money import format_pence
from pooling.services.ledger import LegSpec, commitment_post, pool_open, post
from tests.browser.conftest import assert_accessible
from tests.factories import DEMO_PASSWORD, enable_mfa, member, own_academy
from tests.pooling.conftest import fund

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()


def test_dashboard_chart_matches_its_table_then_ledger_and_a_reversal(page: Page, live_server: Any) -> None:
    officer = member(Role.FINANCE_OFFICER, mfa=False)
    body = officer.responsible_body
    pool = pool_open(actor=officer.user, tenant=body, label="2026-27")
    fund(officer, pool, 90_000_00)
    fund(officer, pool, 10_000_00, received=False, key="late")
    post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        kind="reserve_set_aside",
        posted_on=date(2026, 4, 2),
        description="Urgent reserve",
        idempotency_key=f"{body.pk}:reserve",
        source_type="policy",
        source_id="1",
        legs=[LegSpec("contributions", 5_000_00), LegSpec("reserve", -5_000_00)],
    )
    commitment_post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        school_id=own_academy(body, name="Hazel Academy").pk,
        amount_pence=32_500_50,
        source_type="award",
        source_id="H-1",
        idempotency_key=f"{body.pk}:award:H-1",
        description="Award for Hazel Academy",
    )
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    # Sign in before MFA exists (no second step), then turn it on: reversing needs it.
    _sign_in(page, live_server.url, officer.user.email)
    enable_mfa(officer.user)

    page.goto(f"{live_server.url}/b/{body.slug}/pool/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pool 2026-27")
    page.wait_for_function("() => document.querySelector('#headroom-chart').dataset.chartDrawn === 'true'")
    assert page.evaluate("typeof window.Chart") == "function"
    box = page.locator("#headroom-chart").bounding_box()
    assert box is not None
    assert box["width"] > 100
    assert box["height"] > 100
    drawn = page.evaluate(
        "() => { const c = window.Chart.getChart(document.querySelector('#headroom-chart'));"
        " return {labels: c.data.labels, values: c.data.datasets[0].data}; }"
    )
    source = json.loads(page.locator("#headroom-chart-data").text_content() or "")
    rows = page.locator("#headroom-table tbody tr")
    table = [
        (rows.nth(i).locator("th").inner_text().strip(), rows.nth(i).locator("td").inner_text().strip())
        for i in range(rows.count())
    ]
    # The chart draws exactly the json_script data, and the table shows the same figures.
    assert drawn["labels"] == source["labels"]
    assert drawn["values"] == [p / 100 for p in source["pence"]]
    assert table == [(label, format_pence(p)) for label, p in zip(source["labels"], source["pence"], strict=True)]
    assert dict(table)["Available to commit"] == "£62,499.50"  # 100,000 - 5,000 reserve - 32,500.50
    assert dict(table)["Contributions received"] == "£90,000.00"
    assert problems == []  # no CSP refusal, no script error
    assert_accessible(page)

    page.get_by_role("link", name="View the ledger").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ledger")
    expect(page.get_by_role("link", name=re.compile("^Award committed"))).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Account").select_option("pool_bank")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name=re.compile("^Contribution received"))).to_have_count(1)
    expect(page.get_by_role("link", name=re.compile("^Award committed"))).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("^Contribution received")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("contribution received")
    expect(page.get_by_text(f"{body.pk}:fund:received")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Reverse transaction").click()  # no reason: an error on the field
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Why is this transaction being reversed?").fill("The transfer was returned by the bank")
    page.get_by_role("button", name="Reverse transaction").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(": reversal")
    expect(page.get_by_text("Reversal: The transfer was returned by the bank")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}/b/{body.slug}/pool/")
    page.wait_for_function("() => document.querySelector('#headroom-chart').dataset.chartDrawn === 'true'")
    received = page.locator('#headroom-table tr[data-figure="received"] td').inner_text()
    assert received == "£0.00"

    page.get_by_text("Open the pool for another funding period").click()
    page.get_by_label("Funding period").fill("2027-29")
    page.get_by_role("button", name="Open the pool for a funding period").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Funding period").fill("2027-28")
    page.get_by_role("button", name="Open the pool").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pool 2027-28")
    expect(page.get_by_text("The pool for 2027-28 is open: 1 April 2027 to 31 March 2028.")).to_be_visible()
    page.wait_for_function("() => document.querySelector('#headroom-chart').dataset.chartDrawn === 'true'")
    assert_accessible(page)
    assert problems == []
