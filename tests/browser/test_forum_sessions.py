"""The body's staff schedule a moderation session; the invitee confirms; an action agreed
for them shows on their home page; they mark it done. Then a peer review is planned (a
reviewer from the reviewed school refused), its findings shared and the school's head reads
them. axe checks each page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from collaboration.models import AgreedAction, ForumSession
from core.tenancy import tenant_context
from tests.browser.conftest import assert_accessible, fill_date
from tests.collaboration.conftest import Forum
from tests.collaboration.conftest import forum as forum
from tests.exceptional_resource.conftest import scene as scene
from tests.factories import DEMO_PASSWORD, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, user: User) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(user.email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    code = page.get_by_label("Security code")
    if code.count():  # the body's staff have an authenticator
        code.fill(totp_code(user))
        page.get_by_role("button", name="Continue").click()


def test_organiser_schedules_invitee_confirms_and_marks_their_action_done(
    page: Page, browser: Browser, live_server: Any, forum: Forum
) -> None:
    base, slug = live_server.url, forum.scene.body.slug
    start = timezone.localtime() + timedelta(days=7)
    _sign_in(page, base, forum.admin.user)
    page.goto(f"{base}/b/{slug}/collaboration/sessions/")
    expect(page.locator("#forum-rule")).to_contain_text("Funding is not tied to these meetings")
    assert_accessible(page)
    page.get_by_role("link", name="Schedule a session").click()
    page.get_by_role("button", name="Schedule the session").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Moderation of provision maps").check()
    page.get_by_label("Title").fill("Moderating speech and language maps")
    fill_date(page, "Date", f"{start.day} {start.month} {start.year}")
    page.get_by_label("Start time").fill("15:00")
    page.get_by_label("End time").fill("5pm")
    page.get_by_label("Place or link to join").fill("Brook Academy hall")
    page.get_by_label("Agenda").fill("Bring two anonymised maps each.")
    page.get_by_label(re.compile(re.escape(forum.peer.user.email))).check()
    page.get_by_role("button", name="Schedule the session").click()
    expect(page.get_by_role("heading", name="Moderating speech and language maps")).to_be_visible()
    assert_accessible(page)
    with tenant_context(forum.scene.body):
        session = ForumSession.objects.get()

    peer_context = browser.new_context(viewport={"width": 1200, "height": 900})
    peer = peer_context.new_page()
    _sign_in(peer, base, forum.peer.user)
    peer.goto(f"{base}/b/{slug}/collaboration/sessions/{session.pk}/")
    peer.get_by_role("button", name="I will come").click()
    expect(peer.locator("#my-response")).to_contain_text("Coming")
    assert_accessible(peer)

    page.reload()
    expect(page.locator("#invitees")).to_contain_text("Coming")
    page.get_by_label("Action agreed").fill("Send the group's visual timetable to Castle")
    page.get_by_label("Who will do it?").select_option(str(forum.peer.user.pk))
    due = date.today() + timedelta(days=14)
    fill_date(page, "Due by", f"{due.day} {due.month} {due.year}")
    page.get_by_role("button", name="Record the action").click()
    expect(page.locator("#actions")).to_contain_text("Send the group's visual timetable")
    assert_accessible(page)

    peer.goto(f"{base}/b/{slug}/")
    expect(peer.locator("#your-work")).to_contain_text("Your action: Send the group's visual timetable to Castle")
    expect(peer.locator("#your-work")).to_contain_text("Session: Moderating speech and language maps")
    assert_accessible(peer)
    peer.get_by_role("link", name="See your actions and mark them done").click()
    assert_accessible(peer)
    peer.get_by_role("button", name=re.compile("Mark done")).click()
    expect(peer.locator("#my-actions")).to_contain_text("You have no open actions.")
    peer.goto(f"{base}/b/{slug}/")
    expect(peer.locator("main")).not_to_contain_text("Send the group's visual timetable")
    with tenant_context(forum.scene.body):
        assert AgreedAction.objects.get().status == "done"
    peer_context.close()


def test_peer_review_planned_shared_and_read_by_the_school(
    page: Page, browser: Browser, live_server: Any, forum: Forum
) -> None:
    base, slug = live_server.url, forum.scene.body.slug
    visit = date.today() + timedelta(days=5)
    _sign_in(page, base, forum.admin.user)
    page.goto(f"{base}/b/{slug}/collaboration/reviews/")
    assert_accessible(page)
    page.get_by_role("link", name="Plan a peer review").click()
    page.get_by_label("Which school is reviewed?").select_option(str(forum.scene.school.pk))
    page.get_by_label(re.compile(re.escape(forum.sendco.user.email))).check()
    page.get_by_label(re.compile(re.escape(forum.peer.user.email))).check()
    fill_date(page, "Visit date", f"{visit.day} {visit.month} {visit.year}")
    follow_up = visit + timedelta(days=60)
    fill_date(page, "Follow-up date", f"{follow_up.day} {follow_up.month} {follow_up.year}")
    page.get_by_role("button", name="Plan the review").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("cannot work at the school being reviewed")
    assert_accessible(page)
    page.get_by_label(re.compile(re.escape(forum.sendco.user.email))).uncheck()
    page.get_by_label(re.compile(re.escape(forum.third_head.user.email))).check()
    page.get_by_role("button", name="Plan the review").click()
    expect(page.get_by_role("heading", name="Meadow Academy")).to_be_visible()
    for box in page.locator("textarea[name^=finding_]").all():
        box.fill("Clear leadership of inclusion; the graduated approach is well understood.")
    page.get_by_role("button", name="Save the findings").click()
    page.get_by_role("button", name="Share the findings with the school").click()
    expect(page.locator("#review-details")).to_contain_text("Findings shared")
    assert_accessible(page)

    head_context = browser.new_context(viewport={"width": 1200, "height": 900})
    head = head_context.new_page()
    _sign_in(head, base, forum.head.user)
    head.goto(f"{base}/b/{slug}/collaboration/reviews/")
    head.get_by_role("link", name="Meadow Academy").click()
    expect(head.locator("#findings")).to_contain_text("Clear leadership of inclusion")
    assert_accessible(head)
    head.get_by_label("The school's response").fill("We agree and will act on each point.")
    head.get_by_role("button", name="Send the response").click()
    expect(head.locator("#response")).to_contain_text("We agree and will act on each point.")
    head_context.close()
