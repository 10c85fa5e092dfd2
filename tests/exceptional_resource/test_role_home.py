"""Every role's home page starts its job: the work first, with counts and links (seen in
the browser: everyone landed on the same "Overview" of links). After setting up MFA a
person is offered the way back to the page they were going to."""

from __future__ import annotations

import re
import time
from datetime import date
from typing import Any

import pytest
import time_machine
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.urls import reverse

from accounts.models import Role
from exceptional_resource.services import cases
from pooling.selectors.paid import pool_headroom_on
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.pages_support import approved_case, client_for, text
from tests.factories import enable_mfa, member

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


def _work(scene: Scene, user: Any) -> dict[str, tuple[str, str, str]]:
    """Each work item on the home page: title → (figure, detail, link href)."""
    page = text(client_for(user).get(reverse("accounts:body-home", kwargs={"body_slug": scene.body.slug})))
    listed = re.search(r'<ul class="govuk-list app-work-list" id="your-work">(.*?)</ul>', page, re.S)
    assert listed is not None, "no work on the home page"
    items = {}
    for li in re.findall(r"<li[^>]*>(.*?)</li>", listed.group(1), re.S):
        heading = re.sub(r"<[^>]+>", "", re.search(r"<h3[^>]*>(.*?)</h3>", li, re.S).group(1)).strip()  # type: ignore[union-attr]
        title, _, figure = heading.partition(": ")
        detail = re.search(r"<p[^>]*>(.*?)</p>", li, re.S).group(1).strip()  # type: ignore[union-attr]
        href = re.search(r'<a class="govuk-link" href="([^"]+)"', li).group(1)  # type: ignore[union-attr]
        items[title] = (figure, detail, href)
    return items


def _url(name: str, scene: Scene, **kwargs: Any) -> str:
    return reverse(name, kwargs={"body_slug": scene.body.slug, **kwargs})


def test_a_heads_home_starts_a_case_and_shows_their_cases_and_payments(scene: Scene) -> None:
    draft_case(scene)
    approved_case(scene)
    work = _work(scene, scene.head.user)
    assert work["Start a case"][2] == _url("cases:new", scene)
    assert work["Cases needing your action"] == (
        "1",
        "1 draft to finish, 0 questions to answer, 0 reviews to record",
        _url("cases:list", scene),
    )
    assert work["Awards and next payments"] == (
        "£9,000.00",
        "still to be paid; £0.00 paid so far; next instalment due 1 December 2026",
        _url("cases:awards", scene),
    )
    assert "Cases awaiting your decision" not in work
    assert "Payments due this week" not in work


def test_a_decision_officers_home_is_the_queue_by_its_clock(scene: Scene) -> None:
    case = draft_case(scene)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    work = _work(scene, scene.officer.user)
    assert work["Cases awaiting your decision"] == (
        "1",
        "0 past the decision target, 0 due today",
        _url("cases:queue", scene),
    )
    assert work["Reviews due"][0] == "0"
    assert work["Reviews due"][2] == _url("cases:reviews", scene)
    assert "Start a case" not in work
    with time_machine.travel(date(2027, 1, 4), tick=False):
        late = _work(scene, scene.officer.user)
    assert late["Cases awaiting your decision"][1] == "1 past the decision target, 0 due today"


def test_a_finance_officers_home_shows_headroom_payments_due_and_receipts(scene: Scene) -> None:
    approved_case(scene)  # £9,000.00 monthly from 1 December: £2,305.78 due then
    work = _work(scene, scene.finance.user)
    available = pool_headroom_on(tenant=scene.body, pool=scene.pool, day=TODAY).available_on_expected_pence
    assert work["Available to commit in pool 2026-27"][0] == f"£{available / 100:,.2f}"
    assert work["Payments due this week"][0] == "£0.00"  # nothing due by 27 November
    with time_machine.travel(date(2026, 11, 28), tick=False):
        week = _work(scene, scene.finance.user)
    assert week["Payments due this week"][:2] == (
        "£2,305.78",
        "1 instalment due by 5 December 2026 and in no payment run",
    )
    assert week["Payments due this week"][2] == _url("pooling:payment-run-new", scene, pool_id=scene.pool.pk)
    assert work["Contributions still to be received"][2] == _url("pooling:contributions", scene, pool_id=scene.pool.pk)
    assert work["Allocations"][2] == _url("pooling:allocation-import", scene, pool_id=scene.pool.pk)


def test_a_trustees_home_has_the_headline_and_the_pack_and_an_auditors_its_tools(scene: Scene) -> None:
    trustee = member(Role.TRUSTEE, scene.body)
    work = _work(scene, trustee.user)
    assert work["Pool 2026-27"][2] == _url("pooling:dashboard", scene) + f"?pool={scene.pool.pk}"
    assert work["Governance pack"] == (
        "",
        "No governance pack has been produced yet.",
        _url("reports:report-new", scene),
    )
    auditor = member(Role.AUDITOR, scene.body)
    tools = _work(scene, auditor.user)
    assert tools["Auditor export"][2] == _url("reports:reports", scene)
    assert tools["Audit samples"][2] == _url("auditor:samples", scene)
    assert tools["Audit log"][2] == _url("accounts:audit-log", scene)


def _just_reauthenticated(client: Any, user: Any) -> None:
    """What allauth records when someone types their password again (the recovery codes
    page asks for it); the test client's force_login records nothing."""
    session = client.session
    session["account_authentication_methods_user"] = str(user.pk)
    session["account_authentication_methods"] = [{"method": "password", "at": time.time(), "reauthenticated": True}]
    session.save()


def test_after_mfa_setup_the_officer_is_offered_the_way_back_to_the_job(scene: Scene) -> None:
    case = draft_case(scene)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    officer = member(Role.DECISION_OFFICER, scene.body, decision_limit_pence=10_000_00)
    client = client_for(officer.user)
    decide = _url("cases:decide", scene, case_id=case.pk)
    sent = client.get(decide)
    assert sent.status_code == 302
    assert sent["Location"].startswith(reverse("mfa_activate_totp"))
    enable_mfa(officer.user)
    RecoveryCodes.activate(officer.user)
    _just_reauthenticated(client, officer.user)
    codes = text(client.get(reverse("mfa_view_recovery_codes")))
    link = re.search(r'<a href="([^"]+)"[^>]*id="continue-after-mfa"', codes)
    assert link is not None
    assert link.group(1) == decide
    # Someone who set up MFA from their account page goes home instead.
    other = member(Role.FINANCE_OFFICER, scene.body)
    enable_mfa(other.user)
    RecoveryCodes.activate(other.user)
    other_client = client_for(other.user)
    _just_reauthenticated(other_client, other.user)
    page = text(other_client.get(reverse("mfa_view_recovery_codes")))
    assert re.search(rf'<a href="{re.escape(reverse("home"))}"[^>]*id="continue-after-mfa"', page)


def test_a_body_administrators_home_starts_with_people_and_the_policy(scene: Scene) -> None:
    """Seen in the browser: the administrator's home had no work at all, only a list of links."""
    admin = member(Role.BODY_ADMIN, scene.body, mfa=True)
    work = _work(scene, admin.user)
    # The scene's admin, this one, the head and three officers (finance, two decision).
    assert work["People with a role here"] == (
        "6",
        "6 roles held; invite someone, or end a role when they leave",
        _url("accounts:people", scene),
    )
    assert work["Grouping policy"] == (
        "",
        "Version 1 in force since 1 April 2026",
        _url("groupings:policy", scene),
    )
    assert "Start a case" not in work
    assert "People with a role here" not in _work(scene, scene.head.user)
