"""Issue 15's journey in a real browser: a finance officer registers a specialist teacher,
sets a term's capacity and funds the post from the pool; a SENDCO asks for days for one of
the school's cases; a decision officer allocates them and records delivery; utilisation
shows in the governance pack's shared-resources section. axe checks every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from core.tenancy import tenant_context
from pooling.selectors import pool_headroom
from shared_resources.models import ResourceFunding
from tests.browser.conftest import assert_accessible, fill_date
from tests.exceptional_resource.conftest import Scene as CaseScene
from tests.exceptional_resource.conftest import draft_case
from tests.factories import DEMO_PASSWORD, enable_mfa, totp_code
from tests.shared_resources.conftest import Scene
from tests.shared_resources.conftest import scene as shared_scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()


journey_scene = shared_scene  # the shared-resources fixture: a trust, two schools, a funded pool


def test_register_fund_request_allocate_deliver_and_see_utilisation_on_the_pack(  # type: ignore[no-untyped-def]
    page: Page, live_server, journey_scene: Scene
) -> None:
    scene = journey_scene
    from tests.factories import member

    # People who sign in with a password before their authenticator app is set up.
    finance = member(Role.FINANCE_OFFICER, scene.body)
    officer = member(Role.DECISION_OFFICER, scene.body)
    case = draft_case(
        CaseScene(
            body=scene.body,
            school=scene.school,
            pool=scene.pool,
            head=scene.head,
            officer=scene.officer,
            senior=scene.officer,
            finance=scene.finance,
        )
    )
    base = f"{live_server.url}/b/{scene.body.slug}/shared-resources"

    # 1. The finance officer registers a specialist teacher, sets spring's capacity and funds it.
    _sign_in(page, live_server.url, finance.user.email)
    enable_mfa(finance.user)
    page.goto(base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Shared resources")
    assert_accessible(page)
    page.get_by_role("link", name="Register a shared resource").click()
    assert_accessible(page)
    page.get_by_role("button", name="Register").click()
    # Registering can name a payee's bank details: a fresh code first (step-up), then the
    # form is posted as it was (empty), and its errors show.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    assert_accessible(page)
    page.get_by_label("Code from your authenticator app").fill(totp_code(finance.user))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Specialist teacher or central-team post").check()
    page.get_by_label("Name", exact=True).fill("Specialist teacher for autism")
    page.get_by_label("Autistic spectrum disorder").check()
    page.get_by_label("Days").check()
    page.get_by_label("Per term").check()
    page.get_by_label("Host or lead school").select_option(label=f"Meadow Academy ({scene.school.urn})")
    page.get_by_label("Employing entity or provider").fill("Meadow Trust (employer)")
    fill_date(page, "Contract start date", "1 9 2026")
    fill_date(page, "Contract end date", "31 8 2027")
    page.get_by_label("Full-time equivalent (posts)").fill("1.0")
    page.get_by_label("Annual cost in pounds (posts and bases)").fill("45,000.999")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()  # three decimals
    page.get_by_label("Annual cost in pounds (posts and bases)").fill("45,000.00")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Specialist teacher for autism")
    assert_accessible(page)
    page.get_by_role("link", name="Set capacity for a term or year").click()
    page.get_by_label("Name of the term or year").fill("Spring 2027")
    fill_date(page, "First day", "1 1 2027")
    fill_date(page, "Last day", "31 3 2027")
    page.get_by_label("Capacity").fill("40")
    assert_accessible(page)
    page.get_by_role("button", name="Save capacity").click()
    expect(page.get_by_role("cell", name="40").first).to_be_visible()
    expect(page.locator("svg[role=img]")).to_have_count(1)
    assert_accessible(page)
    page.get_by_role("link", name="Fund from the pool").click()
    page.get_by_label("Funding period").select_option(label="2026-27")
    page.get_by_label("Cost to commit from the pool, in pounds").fill("45,000")
    fill_date(page, "Funding starts on", "1 9 2026")
    fill_date(page, "Funding ends on", "31 8 2027")
    page.get_by_label("Monthly").check()
    assert_accessible(page)
    page.get_by_role("button", name="Commit from the pool").click()
    expect(page.get_by_text("£45,000.00 is committed from the pool")).to_be_visible()
    with tenant_context(scene.body):
        assert ResourceFunding.objects.get().amount_pence == 45_000_00
    assert pool_headroom(tenant=scene.body, pool=scene.pool).committed_outstanding_pence == 45_000_00

    # 2. The SENDCO asks for 8 days in spring for one of the school's cases.
    _sign_in(page, live_server.url, scene.sendco.user.email)
    page.goto(base + "/requests/new/")
    assert_accessible(page)
    page.get_by_label("Resource and term").select_option(
        label="Specialist teacher for autism: Spring 2027 (40 days free)"
    )
    page.get_by_label("School").select_option(label=f"Meadow Academy ({scene.school.urn})")
    page.get_by_label("How many do you need?").fill("8")
    page.get_by_label("For one of your cases (optional)").select_option(label=case.reference)
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Your request is sent")).to_be_visible()
    assert_accessible(page)

    # 3. The decision officer allocates the days, then records 6 delivered.
    _sign_in(page, live_server.url, officer.user.email)
    enable_mfa(officer.user)
    page.goto(base + "/requests/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Decide")).click()
    expect(page.get_by_text("40 of 40 days")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Allocate", exact=True).check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Allocated.")).to_be_visible()
    page.get_by_role("link", name=re.compile("Record delivery")).click()
    assert_accessible(page)
    fill_date(page, "Date delivered", "20 1 2027")
    page.get_by_label("Delivered (days, sessions or hours) or places occupied").fill("6")
    page.get_by_role("button", name="Record delivery").click()
    expect(page.get_by_text("6 recorded as delivered.")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Spring 2027"))
    expect(row).to_contain_text("15%")  # 6 of 40 days

    # The case shows the days as provision in place.
    page.goto(f"{live_server.url}/b/{scene.body.slug}/cases/{case.pk}/")
    expect(page.locator("#shared-in-place")).to_contain_text("Specialist teacher for autism")

    # 4. Utilisation shows in the pack's shared-resources section, for a trustee.
    trustee = member(Role.TRUSTEE, scene.body)
    _sign_in(page, live_server.url, trustee.user.email)
    page.goto(base + "/pack/")
    page.get_by_label("Funding period").select_option(label="2026-27")
    fill_date(page, "Figures up to and including", "31 3 2027")
    page.get_by_role("button", name="Show").click()
    section = page.locator("#pack-section")
    expect(section).to_contain_text("Specialist teacher for autism")
    expect(section).to_contain_text("£45,000.00")
    expect(section).to_contain_text("15%")
    expect(section).to_contain_text("£7,500.00")  # £45,000 for 6 days delivered
    expect(page.get_by_text("Agrees")).to_have_count(2)
    assert_accessible(page)
