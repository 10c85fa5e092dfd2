"""A partnership lead uploads forecasts (a bad file first), records places and opens the
sufficiency dashboard: every bar of the server-drawn SVG chart has the value its table
cell shows, and axe finds no serious problem on each page."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from partnerships.services import partnership as partnership_services
from partnerships.services import provision
from tests.browser.conftest import assert_accessible
from tests.factories import DEMO_PASSWORD, LocalAuthorityFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()


def _chart_values(page: Page, chart_id: str) -> dict[tuple[str, str], int]:
    bars = page.evaluate(
        f"""() => Array.from(document.querySelectorAll('#{chart_id} rect.app-svg-chart__bar')).map(
            r => [r.dataset.category, r.dataset.series, Number(r.dataset.value), r.getBoundingClientRect().width])"""
    )
    return {(c, s): v for c, s, v, _ in bars}


def _table_values(page: Page, chart_id: str) -> dict[tuple[str, str], int]:
    table = page.locator(f"#{chart_id}-table")
    series = table.locator("thead th[data-series]").evaluate_all("els => els.map(e => e.dataset.series)")
    values: dict[tuple[str, str], int] = {}
    rows = table.locator("tbody tr")
    for i in range(rows.count()):
        category = rows.nth(i).locator("th").inner_text().strip()
        cells = rows.nth(i).locator("td").all_inner_texts()
        for key, text in zip(series, cells, strict=True):
            values[(category, key)] = int(text)
    return values


def test_dashboard_chart_matches_its_table(page: Page, live_server: Any, tmp_path: Path) -> None:
    la = LocalAuthorityFactory(la_code="999", legal_name="Example Borough Council")
    lead = member(Role.PARTNERSHIP_LEAD, la).user
    partnership = partnership_services.partnership_convene(actor=lead, tenant=la, name="Example Local SEND Partnership")
    base = provision.setting_add(
        actor=lead,
        tenant=la,
        partnership_id=partnership.pk,
        name="North ASD base",
        kind="resourced_provision",
        locality="KT2",
    )
    provision.places_set(
        actor=lead, tenant=la, provisionsetting_id=base.pk, need="ASD", phase="primary", places=20, on_roll=19
    )
    provision.planned_add(
        actor=lead,
        tenant=la,
        provisionsetting_id=base.pk,
        need="ASD",
        phase="primary",
        places=8,
        opens_on=date(2028, 9, 1),
    )
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    _sign_in(page, live_server.url, lead.email)

    page.goto(f"{live_server.url}/b/{la.slug}/partnership/")
    page.get_by_role("link", name="Example Local SEND Partnership").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Example Local SEND Partnership")
    assert_accessible(page)

    page.get_by_role("link", name="Demand and need signals").click()
    bad = tmp_path / "forecast.csv"
    bad.write_text("need,phase,year,pupils\nASD,primary,2027,30\nXYZ,primary,2027,4\nSEMH,secondary,2027,-2\n")
    page.get_by_label("Forecast file (CSV, up to 2 MB)").set_input_files(str(bad))
    page.get_by_role("button", name="Upload forecasts").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.locator("#upload-problems tbody tr")).to_have_count(2)
    expect(page.locator("#upload-problems tbody tr").first).to_contain_text("3")
    assert_accessible(page)
    good = tmp_path / "good.csv"
    good.write_text("need,phase,year,pupils\nASD,primary,2027,30\nSEMH,secondary,2027,12\nASD,primary,2028,33\n")
    page.get_by_label("Forecast file (CSV, up to 2 MB)").set_input_files(str(good))
    page.get_by_role("button", name="Upload forecasts").click()
    expect(page.get_by_text("3 forecasts saved from good.csv.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Sufficiency").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sufficiency of specialist places, 2027/28")
    chart = _chart_values(page, "need-chart")
    assert chart == _table_values(page, "need-chart")
    # A screen reader hears what the chart shows (it used to be hidden from them).
    expect(
        page.get_by_role("img", name=re.compile(r"^Bar chart: Capacity, number on roll and forecast demand"))
    ).to_be_visible()
    assert chart == {
        ("ASD", "capacity"): 20,
        ("ASD", "on_roll"): 19,
        ("ASD", "demand"): 30,
        ("SEMH", "capacity"): 0,
        ("SEMH", "on_roll"): 0,
        ("SEMH", "demand"): 12,
    }
    widths = {
        (c, s): w
        for c, s, _, w in page.evaluate(
            "() => Array.from(document.querySelectorAll('#need-chart rect.app-svg-chart__bar')).map("
            "r => [r.dataset.category, r.dataset.series, 0, r.getBoundingClientRect().width])"
        )
    }
    assert widths[("ASD", "demand")] > widths[("ASD", "capacity")] > widths[("SEMH", "demand")] > 0
    trend = _chart_values(page, "trend-chart")
    assert trend == _table_values(page, "trend-chart")
    assert trend == {
        ("2027/28", "capacity"): 20,
        ("2027/28", "demand"): 42,
        ("2028/29", "capacity"): 28,
        ("2028/29", "demand"): 33,
    }
    expect(page.locator('#need-phase-table tr[data-need="ASD"]')).to_contain_text("Gap of 10")
    assert_accessible(page)

    page.get_by_label("Academic year", exact=True).select_option("2028")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sufficiency of specialist places, 2028/29")
    assert _chart_values(page, "need-chart") == _table_values(page, "need-chart")
    expect(page.locator('#need-phase-table tr[data-need="ASD"]')).to_contain_text("Gap of 5")
    assert_accessible(page)
    assert problems == []
