"""The firm rule (issue 16) is said on every collaboration page a person can open: peer
advice and the directory say advice never reaches a decision or money; the forum's pages
say funding is not tied to its meetings. Pages are found from the URL patterns, so a page
added later without the rule fails here."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from collaboration import urls as collaboration_urls
from collaboration.services.advice import advice_request_create
from collaboration.services.reviews import peer_review_plan
from collaboration.services.sessions import session_schedule
from tests.collaboration.conftest import Forum, login

TODAY = date(2026, 12, 1)
pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=TODAY)]
ADVICE_RULE = "nothing here can influence a funding decision or see pool money"
# A file download is not a page: it carries the file, not the rule.
NOT_PAGES = {"material"}


def _get_pages() -> list[str]:
    names = []
    for p in collaboration_urls.urlpatterns:
        view = p.callback.view_class  # type: ignore[attr-defined]
        if "get" in view.http_method_names and p.name not in NOT_PAGES:
            names.append(p.name)
    return names


def test_every_collaboration_page_says_nothing_here_touches_money(forum: Forum) -> None:
    from tests.exceptional_resource.conftest import draft_case

    body = forum.scene.body
    case = draft_case(forum.scene)
    request = advice_request_create(
        actor=forum.sendco.user, tenant=body, case_id=case.pk, adviser_id=forum.peer.user.pk, question="Q", days=3
    )
    start = timezone.now() + timedelta(days=7)
    session = session_schedule(
        actor=forum.admin.user,
        tenant=body,
        purpose="supervision",
        title="Supervision",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        place="Room 4",
        invitee_ids=[forum.peer.user.pk, forum.sendco.user.pk],
    )
    review = peer_review_plan(
        actor=forum.admin.user,
        tenant=body,
        school_id=forum.scene.school.pk,
        reviewer_ids=[forum.peer.user.pk, forum.third_head.user.pk],
        visit_on=TODAY + timedelta(days=5),
        follow_up_on=TODAY + timedelta(days=60),
    )
    ids: dict[str, Any] = {
        "advicerequest_id": request.pk,
        "forumsession_id": session.pk,
        "peerreview_id": review.pk,
    }
    # Who opens each page: the SENDCO who asks for advice, else the body's staff.
    readers = {"advice-new": forum.sendco, "advice": forum.sendco, "expertise-edit": forum.sendco}
    names = _get_pages()
    assert {"home", "advice", "experts", "expertise-edit", "sessions", "session", "my-actions", "reviews"} <= set(names)
    for name in names:
        pattern = next(p for p in collaboration_urls.urlpatterns if p.name == name)
        kwargs = {k: ids[k] for k in pattern.pattern.regex.groupindex}
        url = reverse(f"collaboration:{name}", kwargs={"body_slug": body.slug, **kwargs})
        response = login(readers.get(name, forum.admin)).get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert ADVICE_RULE in html, f"{url} does not say the firm rule"
