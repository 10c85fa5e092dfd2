"""#21 point 7: every page a main role can reach, and the public pages, in Chromium: the
Content-Security-Policy header is on each HTML page and allows no inline script or style
(no ``unsafe-inline``, no ``unsafe-eval``), and the browser reports no CSP violation (the
``securitypolicyviolation`` event and the console's CSP messages both watched).

The pages are found by crawling, from each role's home page, every same-site link (GET only,
never signing out), so a new page linked from anywhere is covered without a list to keep."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urldefrag, urlparse

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page
from playwright.sync_api import Error as PlaywrightError

from accounts.models import Role
from exceptional_resource.services import cases
from groupings.services.arrangements import arrangement_activate, arrangement_propose
from groupings.services.policy import policy_ensure_default
from pooling.services.ledger import pool_open
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.factories import member, own_academy
from tests.pooling.audit_grants_support import grant_pools
from tests.pooling.conftest import fund

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES_PER_ROLE = 60
# /api/docs/ (unlinked from the footer, linked from /about/) has its own test below.
NEVER = ("/accounts/logout", "/logout", "/admin/", "/static/", "/media/", "/api/", "mailto:")
PUBLIC = ["/", "/about/", "/accounts/login/", "/accounts/password/reset/"]


@dataclass
class Visit:
    url: str
    status: int
    csp: str


def _world() -> dict[str, Any]:
    admin = member(Role.BODY_ADMIN, mfa=True)
    body = admin.responsible_body
    policy_ensure_default(actor=admin.user, tenant=body, effective_from=date(2026, 4, 1))
    school = own_academy(body, name="Meadow Academy")
    arrangement = arrangement_propose(
        actor=admin.user,
        tenant=body,
        school_id=school.pk,
        basis="own_academy",
        counterparty="Trust",
        start_date=date(2026, 4, 1),
    )
    arrangement_activate(actor=admin.user, tenant=body, arrangement_id=arrangement.pk)
    finance = member(Role.FINANCE_OFFICER, body, mfa=True)
    pool = pool_open(actor=finance.user, tenant=body, label="2026-27")
    fund(finance, pool, 40_000_00)
    head = member(Role.HEAD, body, school=school)
    officer = member(Role.DECISION_OFFICER, body, mfa=True, decision_limit_pence=25_000_00)
    scene = Scene(body=body, school=school, pool=pool, head=head, officer=officer, senior=officer, finance=finance)
    case = draft_case(scene)
    cases.case_submit(actor=head.user, tenant=body, case_id=case.pk)
    auditor = member(Role.AUDITOR, body, mfa=True, valid_to=date(2027, 12, 31))
    grant_pools(body, auditor.user, valid_until=date(2027, 12, 31))
    return {
        "body admin": admin.user,
        "finance officer": finance.user,
        "decision officer": officer.user,
        "head": head.user,
        "sendco": member(Role.SENDCO, body, school=school).user,
        "trustee": member(Role.TRUSTEE, body).user,
        "auditor": auditor.user,
    }


def _signed_in(browser: Browser, base: str, user: Any) -> Page:
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        ]
    )
    return context.new_page()


def _watch(page: Page, violations: list[str]) -> None:
    page.on(
        "console",
        lambda msg: violations.append(f"{page.url}: {msg.text}") if "Content Security Policy" in msg.text else None,
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )


def _crawl(page: Page, base: str, start: list[str], limit: int) -> list[Visit]:
    host = urlparse(base).netloc
    queue, seen, visits = deque(start), set(start), []
    while queue and len(visits) < limit:
        path = queue.popleft()
        try:
            response = page.goto(base + path)
        except PlaywrightError as exc:  # a file (CSV, PDF, zip) linked from a page
            if "Download is starting" in str(exc):
                continue
            raise
        if response is None:
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        visits.append(Visit(url=path, status=response.status, csp=response.headers.get("content-security-policy", "")))
        page.wait_for_load_state("load")
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            parsed = urlparse(urldefrag(href)[0])
            if parsed.netloc != host:
                continue
            found = parsed.path + (f"?{parsed.query}" if parsed.query else "")
            if found in seen or any(found.startswith(n) or n in found for n in NEVER) or "download" in found:
                continue
            seen.add(found)
            queue.append(found)
    return visits


def _check(visits: list[Visit]) -> None:
    for visit in visits:
        assert visit.csp, f"{visit.url}: no Content-Security-Policy header"
        assert "unsafe-inline" not in visit.csp, visit.url
        assert "unsafe-eval" not in visit.csp, visit.url
        assert "script-src 'self'" in visit.csp, visit.url
        assert visit.status < 500, visit.url


def test_every_page_a_main_role_reaches_has_a_strict_csp_and_no_violation(browser: Browser, live_server) -> None:  # type: ignore[no-untyped-def]
    people = _world()
    base = live_server.url
    reached: dict[str, int] = {}
    violations: list[str] = []
    public = browser.new_context().new_page()
    _watch(public, violations)
    visits = _crawl(public, base, PUBLIC, len(PUBLIC))
    _check(visits)
    reached["signed out"] = len(visits)
    for role, user in people.items():
        page = _signed_in(browser, base, user)
        _watch(page, violations)
        visits = _crawl(page, base, ["/"], PAGES_PER_ROLE)
        _check(visits)
        reached[role] = len(visits)
        page.context.close()
    print("pages checked per role:", reached)
    assert sorted({v.split(": ", 1)[0] for v in violations}) == [], violations[:5]
    assert reached["signed out"] == len(PUBLIC)
    assert all(count >= 30 for role, count in reached.items() if role != "signed out"), reached


def test_the_api_docs_page_has_no_csp_violation(browser: Browser, live_server) -> None:  # type: ignore[no-untyped-def]
    """The API reference (config.views.ApiDocsView) renders Swagger UI under the same strict
    CSP: the page loads, the UI draws the operations from the schema, and opening one (its
    parameters and example responses) raises no CSP violation."""
    violations: list[str] = []
    page = browser.new_context().new_page()
    _watch(page, violations)
    visits = _crawl(page, live_server.url, ["/api/docs/"], 1)
    _check(visits)
    assert [v.status for v in visits] == [200]
    page.wait_for_selector(".opblock-summary")
    assert page.locator(".opblock").count() >= 10
    page.locator(".opblock-summary").first.click()
    page.locator(".responses-wrapper").first.wait_for()
    page.wait_for_timeout(1000)
    assert violations == []
