"""One journey per role, as a new user on a phone would take it: start at the sign-in page,
sign in (with an authenticator code where the role needs one), land on the role's home page
and reach the role's main job by following the home page's links. Every page on the way is
375 px wide and must pass three checks:

- axe finds no serious or critical problem;
- the page body does not scroll sideways (wide tables scroll inside their own region);
- no raw code reaches the reader: no audit verb (``case.viewed``), ledger source type
  (``contribution_reserve``), status, role or error code, matched as a whole token in the
  page's visible text. The list is built from the enums, so a new code is checked as soon
  as it exists. Codes that are one plain English word (``draft``, ``receipt``, ``head``)
  read as English, so only the codes a person could not mistake for a word are listed:
  those with ``_`` or ``.`` in them."""

from __future__ import annotations

import contextlib
import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from playwright.sync_api import Browser, Page, expect

from accounts.models import Role, User
from core.audit_verbs import AuditVerb
from core.errors import ErrorCode
from exceptional_resource.services import cases
from partnerships.services import partnership as partnership_services
from pooling.source_labels import SOURCE_TYPE_LABELS
from reports import services as report_services
from tests.browser.conftest import assert_accessible
from tests.exceptional_resource.conftest import Scene, draft_case, scene
from tests.exceptional_resource.test_workflow import _approve
from tests.factories import DEMO_PASSWORD, LocalAuthorityFactory, member, totp_code
from tests.pooling.audit_grants_support import pool_auditor
from tests.reports.reports_support import report_media

__all__ = ["report_media", "scene"]

PHONE = {"width": 375, "height": 812}
TODAY = date(2026, 12, 7)


def _enum_codes() -> set[str]:
    """Every status, kind and role slug of the models' choices, every audit verb, ledger
    source type and error code, that has a ``_`` or ``.`` in it."""
    for config in apps.get_app_configs():
        with contextlib.suppress(ModuleNotFoundError):
            importlib.import_module(f"{config.name}.error_codes")
    values: set[str] = {str(v) for v in AuditVerb} | set(SOURCE_TYPE_LABELS)
    pending = list(ErrorCode.__subclasses__())
    while pending:
        enum = pending.pop()
        pending.extend(enum.__subclasses__())
        values |= {str(v) for v in enum}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            choices = getattr(field, "choices", None) or []
            values |= {str(value) for value, _ in choices if isinstance(value, str)}
    values |= {str(role) for role in Role}
    for enum in models.TextChoices.__subclasses__():
        values |= {str(v) for v in enum}
    return {v for v in values if ("_" in v or "." in v) and not v.startswith("_")}


RAW_CODES = _enum_codes()
# A code as a whole token: not part of a longer word, a file name or an address.
_TOKEN = r"(?<![\w./@-]){}(?![\w/@-]|\.\w)"
RAW_CODE_PATTERN = re.compile("|".join(_TOKEN.format(re.escape(c)) for c in sorted(RAW_CODES, key=len, reverse=True)))


def test_the_list_of_codes_has_each_kind_of_code() -> None:
    assert {"case.viewed", "contribution_reserve", "partly_approved", "finance_officer", "no_review_due"} <= RAW_CODES
    assert RAW_CODE_PATTERN.search("Caused by contribution_reserve 12")
    assert RAW_CODE_PATTERN.search("case.viewed by head@example.com")
    assert not RAW_CODE_PATTERN.search("Email finance_officer@example.com or open report_2026.csv")


def check_page(page: Page, visited: list[str]) -> None:
    """The three checks, on the page now showing."""
    page.wait_for_load_state("load")
    visited.append(page.url)
    assert page.evaluate("document.documentElement.clientWidth") == PHONE["width"]
    overflow = page.evaluate(
        """() => {
            const root = document.documentElement;
            if (root.scrollWidth <= root.clientWidth) return null;
            const wide = [...document.body.querySelectorAll('*')].filter(
                el => el.getBoundingClientRect().right > root.clientWidth + 1
                    && !el.parentElement.closest('.app-table-scroll')
            ).slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''));
            return {scrollWidth: root.scrollWidth, wide};
        }"""
    )
    assert overflow is None, f"{page.url} scrolls sideways at 375 px: {overflow}"
    text = page.evaluate("document.body.innerText")
    raw = sorted({m.group(0) for m in RAW_CODE_PATTERN.finditer(text)})
    assert raw == [], f"{page.url} shows raw codes {raw}"
    assert_accessible(page)


def sign_in(page: Page, base: str, user: User, visited: list[str]) -> None:
    page.goto(base + "/accounts/login/")
    check_page(page, visited)
    page.get_by_label("Email", exact=False).first.fill(user.email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    code = page.get_by_label("Security code")
    page.wait_for_load_state("load")
    if code.count():  # roles that move money or decide have an authenticator
        check_page(page, visited)
        code.fill(totp_code(user))
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your work")).to_be_visible()
    check_page(page, visited)


def follow(page: Page, name: str | re.Pattern[str], visited: list[str], heading: str | re.Pattern[str]) -> None:
    page.get_by_role("link", name=name).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    check_page(page, visited)


def home(page: Page, visited: list[str]) -> None:
    """Back to the home page through the menu (behind its "Menu" button on a phone)."""
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        menu.click()
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Overview").click()
    expect(page.get_by_role("heading", name="Your work")).to_be_visible()


@dataclass
class World:
    scene: Scene
    base: str


def _submitted_case(scene: Scene) -> Any:
    case = draft_case(scene, requested_pence=6_000_00)
    return cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)


def _running_award(scene: Scene) -> Any:
    case = draft_case(scene, requested_pence=12_000_00)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    return _approve(scene, case, amount=12_000_00)


def head(page: Page, w: World, visited: list[str]) -> None:
    award = _running_award(w.scene).award
    sign_in(page, w.base, w.scene.head.user, visited)
    follow(page, "Start a case", visited, re.compile("case|pupil", re.I))
    home(page, visited)
    follow(page, "See awards and payments", visited, re.compile("Awards", re.I))
    reference = award.case.reference
    follow(page, re.compile(reference), visited, re.compile(reference))


def sendco(page: Page, w: World, visited: list[str]) -> None:
    sendco = member(Role.SENDCO, w.scene.body, school=w.scene.school)
    _submitted_case(w.scene)
    sign_in(page, w.base, sendco.user, visited)
    follow(page, "Start a case", visited, re.compile("case|pupil", re.I))
    home(page, visited)
    follow(page, "See your cases", visited, re.compile("Cases", re.I))


def decision_officer(page: Page, w: World, visited: list[str]) -> None:
    case = _submitted_case(w.scene)
    sign_in(page, w.base, w.scene.officer.user, visited)
    follow(page, "Open the decision queue", visited, re.compile("decision", re.I))
    follow(page, re.compile(case.reference), visited, re.compile(case.reference))
    home(page, visited)
    follow(page, "See reviews due", visited, re.compile("Reviews", re.I))


def finance_officer(page: Page, w: World, visited: list[str]) -> None:
    _running_award(w.scene)
    sign_in(page, w.base, w.scene.finance.user, visited)
    follow(page, "Open the pool dashboard", visited, re.compile("Pool", re.I))
    follow(page, "View the ledger", visited, re.compile("Ledger", re.I))
    home(page, visited)
    follow(page, "Prepare a payment run", visited, re.compile("payment run", re.I))
    home(page, visited)
    follow(page, "See contributions", visited, re.compile("Contributions", re.I))


def trustee(page: Page, w: World, visited: list[str]) -> None:
    _running_award(w.scene)
    run = report_services.report_run_request(
        actor=w.scene.finance.user,
        tenant=w.scene.body,
        report_type="governance_pack",
        data={"pool": str(w.scene.pool.pk)},
    )
    assert report_services.report_run_execute(report_run_id=run.pk, task_id="role-journey") == "succeeded"
    trustee = member(Role.TRUSTEE, w.scene.body)
    sign_in(page, w.base, trustee.user, visited)
    follow(page, "Read the latest governance pack", visited, re.compile("governance pack", re.I))
    expect(page.get_by_role("link", name=re.compile(r"Download governance-pack-.*\.pdf"))).to_be_visible()


def auditor(page: Page, w: World, visited: list[str]) -> None:
    _running_award(w.scene)
    user = pool_auditor(w.scene.body, valid_to=date(2027, 12, 31))
    sign_in(page, w.base, user, visited)
    follow(page, "Request or download an export", visited, "Reports")
    home(page, visited)
    follow(page, "Open audit samples", visited, re.compile("Audit samples", re.I))
    home(page, visited)
    follow(page, "Open the audit log", visited, "Audit log")


def body_admin(page: Page, w: World, visited: list[str]) -> None:
    _running_award(w.scene)
    admin = member(Role.BODY_ADMIN, w.scene.body, mfa=True)
    sign_in(page, w.base, admin.user, visited)
    follow(page, "Manage people", visited, re.compile("^People in "))
    home(page, visited)
    follow(page, "See the policy", visited, re.compile("policy", re.I))


def partnership_lead(page: Page, w: World, visited: list[str]) -> None:
    la = LocalAuthorityFactory(la_code="999", legal_name="Example Borough Council")
    lead = member(Role.PARTNERSHIP_LEAD, la).user
    partnership_services.partnership_convene(actor=lead, tenant=la, name="Example Local SEND Partnership")
    sign_in(page, w.base, lead, visited)
    follow(page, "Open the partnership", visited, re.compile("partnership", re.I))
    follow(page, "Example Local SEND Partnership", visited, "Example Local SEND Partnership")
    follow(page, "Sufficiency", visited, re.compile("Sufficiency", re.I))
    follow(page, "Local inclusion plan", visited, re.compile("inclusion plan", re.I))


JOURNEYS: dict[str, Callable[[Page, World, list[str]], None]] = {
    Role.HEAD: head,
    Role.SENDCO: sendco,
    Role.DECISION_OFFICER: decision_officer,
    Role.FINANCE_OFFICER: finance_officer,
    Role.TRUSTEE: trustee,
    Role.AUDITOR: auditor,
    Role.BODY_ADMIN: body_admin,
    Role.PARTNERSHIP_LEAD: partnership_lead,
}


def test_there_is_a_journey_for_every_role() -> None:
    assert set(JOURNEYS) == set(Role)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.date_sensitive(today=TODAY)  # the scene's award runs from 1 December 2026
@pytest.mark.parametrize("role", list(JOURNEYS), ids=[str(r) for r in JOURNEYS])
def test_each_role_reaches_its_main_job_from_its_home_page(
    phone: Page, live_server: Any, scene: Scene, report_media: Path, role: str
) -> None:
    visited: list[str] = []
    JOURNEYS[role](phone, World(scene=scene, base=live_server.url), visited)
    assert len(visited) >= 3, visited  # sign-in, home and the job at least
