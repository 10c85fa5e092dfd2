"""A head starts a second case for a pupil the school has already recorded: the pupil is
chosen by the name the school typed, the provision in place and who was involved are carried
forward for the head to confirm, and the case is sent with no more than 12 required answers
(counted here, as a person would give them). axe checks every page on the way."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from core.tenancy import tenant_context
from exceptional_resource.models import Case, CaseStatus
from exceptional_resource.services import cases as case_services
from exceptional_resource.services.pupils import pupil_create
from tests.browser.conftest import assert_accessible, fill_date
from tests.exceptional_resource.conftest import Scene, draft_case, scene
from tests.exceptional_resource.pages_support import fresh
from tests.factories import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["scene"]
MAX_REQUIRED_ANSWERS = 12


def test_a_second_case_for_a_recorded_pupil_takes_few_answers(page: Page, live_server, scene: Scene) -> None:  # type: ignore[no-untyped-def]
    pupil = pupil_create(
        actor=scene.head.user,
        tenant=scene.body,
        school_id=scene.school.pk,
        year_group="Y3",
        sen_status="sen_support",
        primary_need="SLCN",
        name="Sam Example",
    )
    first = draft_case(scene, pupil=pupil)
    case_services.case_submit(actor=scene.head.user, tenant=scene.body, case_id=first.pk)
    first = fresh(scene, first)
    answers: list[str] = []
    base = f"{live_server.url}/b/{scene.body.slug}/cases"

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(scene.head.user.email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    page.goto(base + "/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Which pupil is the case for?")
    assert_accessible(page)
    page.get_by_label("Which pupil is this case for?").select_option(
        label=f"Sam Example ({pupil.reference}), Year 3, Speech, language and communication needs"
    )
    answers.append("Pupil")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for exceptional resource")
    expect(page.get_by_text(f"Carried forward from case {first.reference}").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Describe the pupil's need").click()
    page.get_by_label("Describe the pupil's need").fill("Needs more signing support this term.")
    answers.append("Need")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Provision already in place")
    expect(page.get_by_text(f"Carried forward from case {first.reference}")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r"^Speech group"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()  # confirmed as it is

    expect(page.get_by_role("heading", level=1)).to_have_text("What the school already funds")
    page.get_by_role("button", name="Save and continue").click()  # optional

    expect(page.get_by_role("heading", level=1)).to_have_text("What you are asking for")
    page.get_by_label("What kind of resource?").select_option(label="Staffing hours")
    page.get_by_label("Quantity").fill("100")
    page.get_by_label("Cost of one, in pounds").fill("19.50")
    answers += ["Kind", "Quantity", "Cost of one"]
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Intended outcomes")
    assert_accessible(page)
    page.get_by_label("Intended outcome").fill("Uses 80 signs")
    review = (date.today().replace(day=1) + timedelta(days=32)).replace(day=1) + timedelta(days=60)
    fill_date(page, "Review date", f"{review.day} {review.month} {review.year}")
    answers += ["Intended outcome", "Review date"]
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Parents, carers and the pupil")
    expect(page.get_by_text(f"Carried forward from case {first.reference}")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()  # confirmed as it is

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending")
    expect(page.get_by_role("heading", name="Evidence attached")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send the case").click()
    expect(page.get_by_text(re.compile(r"has been sent"))).to_be_visible()

    with tenant_context(scene.body):
        second = Case.objects.exclude(pk=first.pk).get(pupil=pupil)
    assert second.status == CaseStatus.SUBMITTED
    assert answers == ["Pupil", "Need", "Kind", "Quantity", "Cost of one", "Intended outcome", "Review date"]
    assert len(answers) <= MAX_REQUIRED_ANSWERS
