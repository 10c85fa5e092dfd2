"""Every step of the forum that concerns someone else tells them, through their own
preferences (straight away, a daily summary or off), with a fixed sentence and a link: the
reviewing pair when a review is planned and when the school responds, the invitees when a
session is cancelled, the adviser when the school ends their access. None of it carries a
pupil's name or UPN, a case reference, a title, an agenda, a finding or an amount."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse

from collaboration.notifications import KINDS
from collaboration.services.advice import advice_request_create, advice_request_revoke
from collaboration.services.erasure import collaboration_erase_for_cases
from collaboration.services.reviews import (
    peer_review_findings_save,
    peer_review_plan,
    peer_review_respond,
    peer_review_share,
)
from collaboration.services.sessions import session_cancel, session_invitation_decline, session_schedule
from collaboration.subject_access import collaboration_export_for_case
from core.tenancy import tenant_context
from notifications import registered_kinds
from notifications.models import Notification
from notifications.services import notification_preferences_set
from tests.collaboration.conftest import PUPIL_NAME, PUPIL_UPN, Advice, Forum
from tests.factories import member

TODAY = date(2026, 12, 1)
pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=TODAY)]
SECRET = f"Marker text about {PUPIL_NAME} ({PUPIL_UPN}) costing £1,234.56"


def sent(body: Any) -> list[tuple[int, str, str, str, str, str]]:
    with tenant_context(body):
        return list(
            Notification.objects.order_by("id").values_list("user_id", "kind", "delivery", "subject", "text", "link")
        )


def assert_no_pupil_data(rows: list[tuple[int, str, str, str, str, str]], *hidden: str) -> None:
    words = " ".join(f"{s} {t} {link}" for *_, s, t, link in rows)
    for secret in (PUPIL_NAME, PUPIL_UPN, SECRET, "£", *hidden):
        assert secret not in words


def test_every_forum_kind_is_a_preference_people_can_set() -> None:
    registered = {k.key for k in registered_kinds()}
    assert set(KINDS) <= registered
    assert {"advice_access_ended", "forum_session_cancelled", "peer_review_asked", "peer_review_responded"} <= set(
        KINDS
    )


def test_the_reviewing_pair_hear_when_asked_and_when_the_school_responds(
    forum: Forum, django_capture_on_commit_callbacks: Any
) -> None:
    body = forum.scene.body
    notification_preferences_set(user=forum.third_head.user, choices={"peer_review_asked": "digest"})
    notification_preferences_set(user=forum.peer.user, choices={"peer_review_responded": "off"})
    with django_capture_on_commit_callbacks(execute=True):
        review = peer_review_plan(
            actor=forum.admin.user,
            tenant=body,
            school_id=forum.scene.school.pk,
            reviewer_ids=[forum.peer.user.pk, forum.third_head.user.pk],
            visit_on=TODAY + timedelta(days=5),
            follow_up_on=TODAY + timedelta(days=60),
        )
    peer_review_findings_save(
        actor=forum.peer.user, tenant=body, peer_review_id=review.pk, findings=[SECRET] * len(review.headings)
    )
    peer_review_share(actor=forum.peer.user, tenant=body, peer_review_id=review.pk)
    before_response = len(sent(body))
    with django_capture_on_commit_callbacks(execute=True):
        peer_review_respond(actor=forum.head.user, tenant=body, peer_review_id=review.pk, response=SECRET)
    rows = sent(body)
    review_url = reverse("collaboration:review", kwargs={"body_slug": body.slug, "peerreview_id": review.pk})
    asked = [(u, k, d) for u, k, d, *_ in rows if k == "peer_review_asked"]
    assert sorted(asked) == sorted(
        [
            (forum.peer.user.pk, "peer_review_asked", "immediate"),
            (forum.third_head.user.pk, "peer_review_asked", "digest"),
        ]
    )
    responded = [(u, k, d) for u, k, d, *_ in rows[before_response:]]
    assert responded == [(forum.third_head.user.pk, "peer_review_responded", "immediate")]
    assert all(r[5].endswith(review_url) for r in rows if r[1] in {"peer_review_asked", "peer_review_responded"})
    assert_no_pupil_data(rows, forum.scene.school.name)


def test_invitees_who_had_not_declined_hear_a_session_is_cancelled(
    forum: Forum, django_capture_on_commit_callbacks: Any
) -> None:
    from django.utils import timezone

    body = forum.scene.body
    quiet = member("sendco", body, school=forum.peer_school)
    notification_preferences_set(user=quiet.user, choices={"forum_session_cancelled": "off"})
    start = timezone.now() + timedelta(days=7)
    session = session_schedule(
        actor=forum.admin.user,
        tenant=body,
        purpose="moderation",
        title=SECRET,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="Room 4",
        agenda=SECRET,
        invitee_ids=[forum.peer.user.pk, forum.sendco.user.pk, forum.third_head.user.pk, quiet.user.pk],
    )
    session_invitation_decline(actor=forum.sendco.user, tenant=body, session_id=session.pk)
    before = len(sent(body))
    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(actor=forum.admin.user, tenant=body, session_id=session.pk)
    rows = sent(body)[before:]
    assert sorted((u, k, d) for u, k, d, *_ in rows) == sorted(
        [
            (forum.peer.user.pk, "forum_session_cancelled", "immediate"),
            (forum.third_head.user.pk, "forum_session_cancelled", "immediate"),
        ]
    )
    session_url = reverse("collaboration:session", kwargs={"body_slug": body.slug, "forumsession_id": session.pk})
    assert all(link.endswith(session_url) for *_, link in rows)
    assert_no_pupil_data(rows, "Room 4")


@pytest.mark.parametrize("delivery", ["immediate", "digest", "off"])
def test_the_adviser_hears_the_school_ended_their_access(
    advice: Advice, delivery: str, django_capture_on_commit_callbacks: Any
) -> None:
    body = advice.scene.body
    notification_preferences_set(user=advice.peer.user, choices={"advice_access_ended": delivery})
    request = advice_request_create(
        actor=advice.sendco.user,
        tenant=body,
        case_id=advice.case.pk,
        adviser_id=advice.peer.user.pk,
        question=SECRET,
        days=3,
    )
    before = len(sent(body))
    with django_capture_on_commit_callbacks(execute=True):
        advice_request_revoke(actor=advice.sendco.user, tenant=body, advice_request_id=request.pk)
    rows = sent(body)[before:]
    expected = [] if delivery == "off" else [(advice.peer.user.pk, "advice_access_ended", delivery)]
    assert [(u, k, d) for u, k, d, *_ in rows] == expected
    home = reverse("collaboration:home", kwargs={"body_slug": body.slug})
    assert all(link.endswith(home) for *_, link in rows)
    assert_no_pupil_data(rows, advice.case.reference, advice.scene.school.name)


def test_the_email_ending_an_advisers_access_is_in_the_pupils_export_and_erased_with_the_case(
    advice: Advice, django_capture_on_commit_callbacks: Any
) -> None:
    body = advice.scene.body
    with django_capture_on_commit_callbacks(execute=True):
        request = advice_request_create(
            actor=advice.sendco.user,
            tenant=body,
            case_id=advice.case.pk,
            adviser_id=advice.peer.user.pk,
            question="Q",
            days=3,
        )
    with django_capture_on_commit_callbacks(execute=True):
        advice_request_revoke(actor=advice.sendco.user, tenant=body, advice_request_id=request.pk)
    with tenant_context(body):
        exported = collaboration_export_for_case(tenant=body, case_id=advice.case.pk)
        assert [n["kind"] for n in exported["notifications"]] == ["advice_requested", "advice_access_ended"]
        collaboration_erase_for_cases(tenant=body, case_ids=[advice.case.pk], references=[])
        assert not Notification.objects.filter(kind__startswith="advice").exists()
