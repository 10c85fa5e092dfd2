"""A SENDCO asks a peer at another school for advice; the peer reads the pseudonymous
summary and advises; when the access ends the peer gets 404. axe checks each page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from collaboration.models import AdviceRequest
from core.models import AuditEvent
from core.tenancy import tenant_context
from tests.browser.conftest import assert_accessible
from tests.collaboration.conftest import PUPIL_NAME, PUPIL_UPN, Advice
from tests.collaboration.conftest import advice as advice
from tests.exceptional_resource.conftest import scene as scene
from tests.factories import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()


def test_sendco_asks_a_peer_who_advises_until_access_ends(
    page: Page, browser: Browser, live_server: Any, advice: Advice
) -> None:
    base, slug = live_server.url, advice.scene.body.slug
    _sign_in(page, base, advice.sendco.user.email)
    page.goto(f"{base}/b/{slug}/collaboration/")
    expect(page.locator("#firm-rule")).to_contain_text("nothing here can influence a funding decision")
    assert_accessible(page)
    page.get_by_role("link", name="Ask a colleague for advice").click()
    page.get_by_role("button", name="Ask for advice").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Which case?").select_option(str(advice.case.pk))
    page.get_by_label("Who do you want to ask?").select_option(str(advice.peer.user.pk))
    page.get_by_label("What would you like advice on?").fill("How would you run the speech group?")
    page.get_by_label("How many days").fill("2")
    page.get_by_role("button", name="Ask for advice").click()
    expect(page.get_by_role("heading", name="Request for advice")).to_be_visible()
    assert_accessible(page)
    with tenant_context(advice.scene.body):
        request = AdviceRequest.objects.get()

    peer_context = browser.new_context(viewport={"width": 1200, "height": 900})
    peer = peer_context.new_page()
    _sign_in(peer, base, advice.peer.user.email)
    peer.goto(f"{base}/b/{slug}/collaboration/")
    peer.get_by_role("link", name=advice.scene.school.name).click()
    expect(peer.locator("#case-summary")).to_contain_text("Speech, language and communication needs")
    html = peer.content()
    assert PUPIL_NAME not in html
    assert PUPIL_UPN not in html
    assert advice.case.reference not in html
    assert_accessible(peer)
    peer.get_by_label("Your message").fill("Use a visual timetable and now-next boards.")
    peer.get_by_role("button", name="Send your advice").click()
    expect(peer.locator("main")).to_contain_text("Use a visual timetable")
    assert_accessible(peer)

    page.reload()
    expect(page.locator("main")).to_contain_text("Use a visual timetable")

    with tenant_context(advice.scene.body):
        AdviceRequest.objects.filter(pk=request.pk).update(
            created_at=timezone.now() - timedelta(days=2), expires_at=timezone.now() - timedelta(seconds=1)
        )
    response = peer.goto(f"{base}/b/{slug}/collaboration/advice/{request.pk}/")
    assert response is not None
    assert response.status == 404
    peer.goto(f"{base}/b/{slug}/collaboration/")
    expect(peer.locator("#to-advise")).to_contain_text("Nobody is asking you for advice now.")
    with tenant_context(advice.scene.body):
        viewed = AuditEvent.objects.filter(verb="advice.summary_viewed", object_id=str(request.pk)).count()
    assert viewed >= 2  # the first opening and the page shown after advising
    peer_context.close()
