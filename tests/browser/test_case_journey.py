"""The whole case journey through the pages: a SENDCO drafts and sends a case, a decision
officer approves it seeing the pool's headroom, the head sees the award (and the decision
letter, where it exists), and the review of outcomes is recorded. axe checks every page.

The test counts what a person has to do: the required fields answered (typed or chosen),
the ones accepted as pre-filled, and every keystroke typed, and prints them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from accounts.models import Role
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case, Outcome
from exceptional_resource.services.awards import awards_mark_reviews_due
from groupings.services.arrangements import arrangement_activate, arrangement_propose
from groupings.services.policy import policy_ensure_default
from pooling.selectors import pool_headroom
from pooling.services.ledger import pool_open
from tests.browser.conftest import assert_accessible, fill_date
from tests.factories import DEMO_PASSWORD, enable_mfa, member, own_academy, totp_code
from tests.pooling.conftest import fund

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a head or SENDCO should get through in minutes.
MAX_REQUIRED_FIELDS = 14
MAX_CASE_KEYSTROKES = 160
MAX_DECISION_KEYSTROKES = 40


@dataclass
class Effort:
    """What the person did: required fields answered, keystrokes typed, pre-filled values
    accepted (each required, none typed)."""

    required: list[str] = field(default_factory=list)
    keystrokes: int = 0
    prefilled: list[str] = field(default_factory=list)

    def type(self, locator: Locator, text: str, *, label: str, required: bool = True) -> None:
        locator.fill(text)
        self.keystrokes += len(text)
        if required and label not in self.required:
            self.required.append(label)

    def type_date(self, page: Page, legend: str, day_month_year: str) -> None:
        """A GOV.UK date input: one required answer in three boxes."""
        fill_date(page, legend, day_month_year)
        self.keystrokes += len(day_month_year.replace(" ", ""))
        if legend not in self.required:
            self.required.append(legend)

    def choose(self, locator: Locator, *, label: str, value: str | None = None) -> None:
        if value is None:
            locator.check()
        else:
            locator.select_option(label=value)
        if label not in self.required:
            self.required.append(label)


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def _continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def test_a_case_from_draft_to_review(browser: Browser, page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
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
    sendco = member(Role.SENDCO, body, school=school)
    head = member(Role.HEAD, body, school=school)
    officer = member(Role.DECISION_OFFICER, body, decision_limit_pence=25_000_00)
    base = f"{live_server.url}/b/{body.slug}"
    effort = Effort()

    # --- The SENDCO drafts and sends the case --------------------------------------------
    _sign_in(page, live_server.url, sendco.user.email)
    page.goto(f"{base}/cases/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your school's cases")
    assert_accessible(page)
    page.get_by_role("button", name="Start a new case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Which pupil is the case for?")
    assert_accessible(page)
    effort.prefilled.append("Which pupil (a new pupil, as none is recorded yet)")
    effort.choose(page.get_by_label("Year group"), label="Year group", value="Year 4")
    effort.choose(page.get_by_label("SEN support"), label="SEN status")
    effort.choose(page.get_by_label("Primary need"), label="Primary need", value="Autistic spectrum disorder")
    _continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for exceptional resource")
    expect(page.get_by_text("You have completed 0 of 6 sections")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Describe the pupil's need").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Describe the pupil's need")
    assert_accessible(page)
    effort.type(
        page.get_by_label("Describe the pupil's need"),
        "Autistic; leaves class several times a day when overwhelmed.",
        label="Need",
    )
    effort.prefilled.append("Urgency (routine)")
    _continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Provision already in place")
    assert_accessible(page)
    effort.type(page.get_by_label("Provision", exact=True), "Social skills group", label="Provision")
    effort.type(page.get_by_label("Sessions a week"), "2", label="Sessions a week")
    effort.type(page.get_by_label("Hourly cost of the staff, in pounds"), "18", label="Hourly cost")
    effort.prefilled += ["Minutes a session (60)", "Pupils in the group (1)", "Weeks (38)"]
    page.get_by_role("button", name="Save and add another").click()
    expect(page.get_by_role("cell", name="£1,368.00").first).to_be_visible()  # £18 an hour, 2 hours, 38 weeks
    assert_accessible(page)
    _continue(page)  # nothing more typed: straight on

    expect(page.get_by_role("heading", level=1)).to_have_text("What the school already funds")
    assert_accessible(page)
    _continue(page)  # optional

    expect(page.get_by_role("heading", level=1)).to_have_text("What you are asking for")
    assert_accessible(page)
    effort.choose(page.get_by_label("What kind of resource?"), label="Kind", value="Therapy input")
    effort.type(page.get_by_label("Quantity"), "20", label="Quantity")
    effort.type(page.get_by_label("Cost of one, in pounds"), "45.005", label="Cost of one")
    effort.prefilled += ["Start date", "End date"]
    _continue(page)
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.get_by_label("Quantity")).to_have_value("20")  # nothing typed is lost
    assert_accessible(page)
    effort.type(page.get_by_label("Cost of one, in pounds"), "45", label="Cost of one")
    _continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Intended outcomes")
    assert_accessible(page)
    effort.type(page.get_by_label("Intended outcome"), "Stays in class for whole lessons", label="Outcome")
    effort.type_date(page, "Review date", "1 3 2027")
    _continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Parents, carers and the pupil")
    assert_accessible(page)
    effort.choose(
        page.get_by_role("group", name="Were the pupil's parents or carers involved?").get_by_label("Yes"),
        label="Parents involved",
    )
    effort.choose(page.get_by_role("group", name="Was the pupil involved?").get_by_label("Yes"), label="Pupil involved")
    _continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending")
    expect(page.get_by_role("cell", name="£900.00").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send the case").click()
    expect(page.get_by_text("has been sent")).to_be_visible()
    expect(page.get_by_text("0 of 10 working days")).to_be_visible()
    assert_accessible(page)
    with tenant_context(body):
        case = Case.objects.get()
    assert case.status == "submitted"
    case_keystrokes = effort.keystrokes

    # --- A decision officer approves it, seeing the headroom ---------------------------------
    officer_page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    officer_page.set_default_timeout(15_000)
    _sign_in(officer_page, live_server.url, officer.user.email)
    enable_mfa(officer.user)
    available = pool_headroom(tenant=body, pool=pool).available_on_expected_pence
    officer_page.goto(f"{base}/cases/decisions/")
    expect(officer_page.get_by_role("heading", level=1)).to_have_text("Cases awaiting a decision")
    expect(officer_page.get_by_text(f"£{available / 100:,.2f}").first).to_be_visible()
    assert_accessible(officer_page)
    officer_page.get_by_role("link", name=case.reference).click()
    expect(officer_page.get_by_role("heading", level=1)).to_have_text(f"Case {case.reference}")
    assert_accessible(officer_page)
    officer_page.get_by_role("button", name="Decide this case").click()
    expect(officer_page.get_by_role("heading", level=1)).to_have_text(f"Decide case {case.reference}")
    expect(officer_page.get_by_text(f"£{(available - 900_00) / 100:,.2f}").first).to_be_visible()  # after this decision
    assert_accessible(officer_page)
    decision_effort = Effort()
    decision_effort.choose(officer_page.get_by_label("Approved", exact=True), label="Decision")
    decision_effort.choose(
        officer_page.get_by_label("The intended outcomes are specific, measurable and have a review date."),
        label="Criteria met",
    )
    decision_effort.type(officer_page.get_by_label("Reasons"), "Meets the published criteria.", label="Reasons")
    officer_page.get_by_role("button", name="Record the decision").click()
    expect(officer_page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")  # step-up: a fresh code
    officer_page.get_by_label("Code from your authenticator app").fill(totp_code(officer.user))
    officer_page.get_by_role("button", name="Confirm and continue").click()
    expect(officer_page.locator(".govuk-notification-banner__heading")).to_contain_text("£900.00 committed")
    assert_accessible(officer_page)
    assert pool_headroom(tenant=body, pool=pool).available_on_expected_pence == available - 900_00

    # --- The head sees the award, its payments and the decision letter ----------------------
    head_page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    head_page.set_default_timeout(15_000)
    _sign_in(head_page, live_server.url, head.user.email)
    head_page.goto(f"{base}/cases/awards/")
    expect(head_page.get_by_role("heading", level=1)).to_have_text("Awards and payments")
    expect(head_page.get_by_text("£900.00").first).to_be_visible()
    # The draft's start (and so the first instalment) defaults to the first of next month.
    today = date.today()
    first_payment = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    expect(head_page.get_by_role("cell", name=f"1 {first_payment:%B %Y}")).to_be_visible()
    assert_accessible(head_page)
    head_page.get_by_role("link", name=case.reference).first.click()
    expect(head_page.get_by_text("Meets the published criteria.").first).to_be_visible()
    assert_accessible(head_page)
    letter = head_page.get_by_role("link", name="Read the decision letter")
    if letter.count():
        letter.click()
        expect(head_page.get_by_text(case.reference).first).to_be_visible()
        assert_accessible(head_page)
        head_page.go_back()

    # --- The review falls due (the daily beat job) and the school records progress --------
    with tenant_context(body):
        review_on = Outcome.objects.get(case=case).review_on
    assert awards_mark_reviews_due(tenant=body, today=review_on) == [case.pk]
    head_page.goto(f"{base}/cases/reviews/")
    expect(head_page.get_by_role("heading", level=1)).to_have_text("Reviews due")
    assert_accessible(head_page)
    head_page.get_by_role("link", name=case.reference).click()
    head_page.get_by_role("button", name="Record progress for the review").click()
    expect(head_page.get_by_role("heading", level=1)).to_have_text("Record progress for the review")
    assert_accessible(head_page)
    review_effort = Effort()
    review_effort.choose(head_page.get_by_label("Partly achieved"), label="Result")
    review_effort.type(head_page.get_by_label("Note (optional)"), "Most lessons now.", label="Note", required=False)
    head_page.get_by_role("button", name="Record progress").click()
    expect(head_page.get_by_text("Progress has been recorded")).to_be_visible()
    assert_accessible(head_page)
    with tenant_context(body):
        outcome = Outcome.objects.get(case=case)
        award = Award.objects.get(case=case)
    assert (outcome.result, outcome.result_note) == ("partly", "Most lessons now.")
    assert (award.amount_pence, award.status) == (900_00, "active")

    # The officer sees the result and can decide what follows.
    officer_page.goto(f"{base}/cases/{case.pk}/review/decide/")
    expect(officer_page.get_by_text("Partly achieved").first).to_be_visible()
    assert_accessible(officer_page)

    decision_keystrokes = decision_effort.keystrokes
    print(
        f"\nCase form: {len(effort.required)} required fields answered ({', '.join(effort.required)}); "
        f"{len(effort.prefilled)} more pre-filled and accepted; {case_keystrokes} keystrokes "
        f"(including one corrected mistake).\n"
        f"Decision: {len(decision_effort.required)} fields answered, {decision_keystrokes} keystrokes "
        f"(amount, period and review date pre-filled from the case).\n"
        f"Review: {len(review_effort.required)} required field, {review_effort.keystrokes} keystrokes."
    )
    assert len(effort.required) <= MAX_REQUIRED_FIELDS
    assert case_keystrokes <= MAX_CASE_KEYSTROKES
    assert decision_keystrokes <= MAX_DECISION_KEYSTROKES
