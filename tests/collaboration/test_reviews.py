"""Peer review of a school's inclusion: a pair from other schools (never the reviewed
school), findings under each heading of the framework in force when it was planned,
shared with the school, answered by its head, closed by the body's staff; progress across
schools; bad input refused with nothing written."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from accounts.models import Role
from collaboration.models import PeerReview, PeerReviewFinding
from collaboration.selectors.forum import peer_review_list
from collaboration.services.actions import action_assign, action_complete
from collaboration.services.reviews import (
    peer_review_close,
    peer_review_findings_save,
    peer_review_plan,
    peer_review_respond,
    peer_review_share,
)
from core.errors import ApplicationError, NotFound
from core.models import AuditEvent
from core.tenancy import tenant_context
from groupings.policy_defaults import PEER_REVIEW_HEADINGS
from groupings.services.policy import policy_version_create
from tests.collaboration.conftest import Forum
from tests.factories import member, own_academy

TODAY = date(2026, 12, 1)
pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=TODAY)]
FINDINGS = [f"Finding {i}: clear and specific" for i in range(len(PEER_REVIEW_HEADINGS))]


def plan(f: Forum, **overrides: Any) -> PeerReview:
    values: dict[str, Any] = {
        "school_id": f.scene.school.pk,
        "reviewer_ids": [f.peer.user.pk, f.third_head.user.pk],
        "visit_on": TODAY + timedelta(days=10),
        "follow_up_on": TODAY + timedelta(days=100),
    }
    values.update(overrides)
    return peer_review_plan(actor=f.admin.user, tenant=f.scene.body, **values)


def review_verbs(f: Forum) -> list[str]:
    with tenant_context(f.scene.body):
        return list(
            AuditEvent.objects.filter(verb__startswith="peer_review.").order_by("id").values_list("verb", flat=True)
        )


def test_a_review_runs_from_plan_to_close(forum: Forum) -> None:
    body = forum.scene.body
    review = plan(forum)
    assert (review.headings, review.policy_version, review.status) == (PEER_REVIEW_HEADINGS, 1, "planned")
    with pytest.raises(ApplicationError) as early:
        peer_review_share(actor=forum.peer.user, tenant=body, peer_review_id=review.pk)
    assert early.value.code == "findings_incomplete"
    peer_review_findings_save(actor=forum.peer.user, tenant=body, peer_review_id=review.pk, findings=FINDINGS)
    with pytest.raises(ApplicationError) as not_yet:
        peer_review_respond(actor=forum.head.user, tenant=body, peer_review_id=review.pk, response="Thanks")
    assert not_yet.value.code == "transition_not_allowed"
    peer_review_share(actor=forum.third_head.user, tenant=body, peer_review_id=review.pk)
    with pytest.raises(ApplicationError) as frozen:
        peer_review_findings_save(actor=forum.peer.user, tenant=body, peer_review_id=review.pk, findings=FINDINGS)
    assert frozen.value.code == "review_not_open"
    with pytest.raises(ApplicationError) as sendco:
        peer_review_respond(actor=forum.sendco.user, tenant=body, peer_review_id=review.pk, response="We agree")
    assert sendco.value.code == "not_allowed"
    with pytest.raises(ApplicationError) as blank:
        peer_review_respond(actor=forum.head.user, tenant=body, peer_review_id=review.pk, response=" ")
    assert blank.value.code == "text_required"
    peer_review_respond(actor=forum.head.user, tenant=body, peer_review_id=review.pk, response="We agree; plan below.")
    with pytest.raises(ApplicationError) as reviewer_closes:
        peer_review_close(actor=forum.head.user, tenant=body, peer_review_id=review.pk)
    assert reviewer_closes.value.code == "not_allowed"
    closed = peer_review_close(actor=forum.admin.user, tenant=body, peer_review_id=review.pk)
    assert closed.status == "closed"
    with tenant_context(body):
        stored = PeerReview.objects.get(pk=review.pk)
        findings = list(PeerReviewFinding.objects.order_by("position").values_list("heading", "text"))
    assert stored.school_response == "We agree; plan below."
    assert stored.responded_by_label == forum.head.user.email
    assert findings == list(zip(PEER_REVIEW_HEADINGS, FINDINGS, strict=True))
    assert review_verbs(forum) == [
        "peer_review.planned",
        "peer_review.findings_saved",
        "peer_review.shared",
        "peer_review.responded",
        "peer_review.closed",
    ]


def test_a_reviewer_from_the_reviewed_school_is_refused_with_a_clear_error(forum: Forum) -> None:
    with pytest.raises(ApplicationError) as refused:
        plan(forum, reviewer_ids=[forum.sendco.user.pk, forum.peer.user.pk])
    assert (refused.value.code, refused.value.field) == ("reviewer_from_reviewed_school", "reviewer_ids")
    assert "cannot work at the school being reviewed (Meadow Academy)" in refused.value.message
    # Someone who works at the reviewed school and elsewhere is refused too.
    member(Role.SENDCO, forum.scene.body, school=forum.scene.school, user=forum.third_head.user)
    with pytest.raises(ApplicationError) as both:
        plan(forum)
    assert both.value.code == "reviewer_from_reviewed_school"
    with tenant_context(forum.scene.body):
        assert PeerReview.objects.count() == 0
    assert review_verbs(forum) == []


@pytest.mark.parametrize(
    ("case", "code", "field"),
    [
        ("follow-up before visit", "dates_backwards", "follow_up_on"),
        ("follow-up on visit day", "dates_backwards", "follow_up_on"),
        ("visit in the past", "date_in_past", "visit_on"),
        ("one reviewer", "reviewers_not_two", "reviewer_ids"),
        ("same reviewer twice", "reviewers_not_two", "reviewer_ids"),
        ("reviewer from another body", "reviewer_not_eligible", "reviewer_ids"),
        ("reviewer is body staff", "reviewer_not_eligible", "reviewer_ids"),
        ("school outside the grouping", "school_not_in_grouping", "school_id"),
    ],
)
def test_bad_review_input_is_refused_and_writes_nothing(forum: Forum, case: str, code: str, field: str) -> None:
    visit = TODAY + timedelta(days=10)
    overrides: dict[str, Any] = {
        "follow-up before visit": {"follow_up_on": visit - timedelta(days=1)},
        "follow-up on visit day": {"follow_up_on": visit},
        "visit in the past": {"visit_on": TODAY - timedelta(days=1)},
        "one reviewer": {"reviewer_ids": [forum.peer.user.pk]},
        "same reviewer twice": {"reviewer_ids": [forum.peer.user.pk, forum.peer.user.pk]},
        "reviewer from another body": {"reviewer_ids": [forum.peer.user.pk, member(Role.HEAD).user.pk]},
        "reviewer is body staff": {"reviewer_ids": [forum.peer.user.pk, forum.admin.user.pk]},
        "school outside the grouping": {"school_id": own_academy(forum.scene.body, name="Outside Academy").pk},
    }[case]
    with pytest.raises(ApplicationError) as refused:
        plan(forum, **overrides)
    assert (refused.value.code, refused.value.field) == (code, field)
    with tenant_context(forum.scene.body):
        assert PeerReview.objects.count() == 0


def test_only_the_bodys_staff_plan_reviews(forum: Forum) -> None:
    with pytest.raises(ApplicationError) as refused:
        peer_review_plan(
            actor=forum.head.user,
            tenant=forum.scene.body,
            school_id=forum.peer_school.pk,
            reviewer_ids=[forum.sendco.user.pk, forum.third_head.user.pk],
            visit_on=TODAY,
            follow_up_on=TODAY + timedelta(days=30),
        )
    assert refused.value.code == "not_allowed"


@pytest.mark.parametrize(
    ("findings", "code"),
    [
        (FINDINGS[:-1], "findings_incomplete"),
        ([*FINDINGS, "one too many"], "findings_incomplete"),
        ([*FINDINGS[:-1], "   "], "text_required"),
        ([*FINDINGS[:-1], "x" * 5001], "text_too_long"),
    ],
)
def test_findings_need_one_text_under_each_heading(forum: Forum, findings: list[str], code: str) -> None:
    review = plan(forum)
    with pytest.raises(ApplicationError) as refused:
        peer_review_findings_save(
            actor=forum.peer.user, tenant=forum.scene.body, peer_review_id=review.pk, findings=findings
        )
    assert refused.value.code == code
    with tenant_context(forum.scene.body):
        assert PeerReviewFinding.objects.count() == 0


def test_who_writes_findings_and_who_sees_the_review(forum: Forum) -> None:
    review = plan(forum)
    body = forum.scene.body
    with pytest.raises(NotFound):  # the school does not write its own findings
        peer_review_findings_save(actor=forum.head.user, tenant=body, peer_review_id=review.pk, findings=FINDINGS)
    outsider_school = own_academy(body, name="Dale Academy")
    outsider = member(Role.HEAD, body, school=outsider_school)
    from accounts.policy import BodyAccess

    def visible(person: Any) -> list[int]:
        with tenant_context(body):
            return [r.pk for r in peer_review_list(tenant=body, access=BodyAccess.load(person.user, body))]

    assert visible(forum.admin) == [review.pk]
    assert visible(forum.peer) == [review.pk]
    assert visible(forum.head) == [review.pk]
    assert visible(outsider) == []


def test_the_framework_is_versioned_with_the_grouping_policy(forum: Forum) -> None:
    body = forum.scene.body
    first = plan(forum)
    policy_version_create(
        actor=forum.admin.user,
        tenant=body,
        effective_from=TODAY,
        pooled_share_percent="10",
        urgent_reserve_percent="5",
        decision_target_working_days=10,
        decision_criteria=["Need"],
        peer_review_headings=["Culture", "Provision"],
    )
    second = plan(forum, school_id=forum.peer_school.pk, reviewer_ids=[forum.sendco.user.pk, forum.third_head.user.pk])
    assert (second.headings, second.policy_version) == (["Culture", "Provision"], 2)
    with tenant_context(body):
        assert PeerReview.objects.get(pk=first.pk).headings == PEER_REVIEW_HEADINGS
    kept = policy_version_create(
        actor=forum.admin.user,
        tenant=body,
        effective_from=TODAY + timedelta(days=1),
        pooled_share_percent="10",
        urgent_reserve_percent="5",
        decision_target_working_days=10,
        decision_criteria=["Need"],
    )
    assert (kept.version, kept.peer_review_headings) == (3, ["Culture", "Provision"])  # not given: kept


@pytest.mark.parametrize("headings", [[], ["   "], ["Same", "Same"], ["x" * 201], [f"Heading {i}" for i in range(13)]])
def test_bad_framework_headings_are_refused(forum: Forum, headings: list[str]) -> None:
    with pytest.raises(ApplicationError) as refused:
        policy_version_create(
            actor=forum.admin.user,
            tenant=forum.scene.body,
            effective_from=TODAY,
            pooled_share_percent="10",
            urgent_reserve_percent="5",
            decision_target_working_days=10,
            decision_criteria=["Need"],
            peer_review_headings=headings,
        )
    assert (refused.value.code, refused.value.field) == ("invalid_review_headings", "peer_review_headings")


def test_the_body_sees_progress_across_schools(forum: Forum) -> None:
    body = forum.scene.body
    review = plan(forum)
    other = plan(forum, school_id=forum.peer_school.pk, reviewer_ids=[forum.sendco.user.pk, forum.third_head.user.pk])
    actions = [
        action_assign(
            actor=forum.peer.user,
            tenant=body,
            peer_review_id=review.pk,
            description=f"Action {i}",
            owner_id=forum.head.user.pk,
            due_on=TODAY + timedelta(days=30),
        )
        for i in range(3)
    ]
    action_complete(actor=forum.head.user, tenant=body, agreed_action_id=actions[0].pk)
    from accounts.policy import BodyAccess

    with tenant_context(body):
        rows = {
            r.school.name: (r.status, r.actions_open, r.actions_done)
            for r in peer_review_list(tenant=body, access=BodyAccess.load(forum.admin.user, body))
        }
    assert rows == {"Meadow Academy": ("planned", 2, 1), "Brook Academy": ("planned", 0, 0)}
    assert other.pk != review.pk
    peer_review_findings_save(actor=forum.admin.user, tenant=body, peer_review_id=review.pk, findings=FINDINGS)
    peer_review_share(actor=forum.admin.user, tenant=body, peer_review_id=review.pk)
    peer_review_respond(actor=forum.head.user, tenant=body, peer_review_id=review.pk, response="Agreed")
    peer_review_close(actor=forum.admin.user, tenant=body, peer_review_id=review.pk)
    with pytest.raises(ApplicationError) as closed:
        action_assign(
            actor=forum.admin.user,
            tenant=body,
            peer_review_id=review.pk,
            description="Late",
            owner_id=forum.head.user.pk,
            due_on=TODAY,
        )
    assert closed.value.code == "review_not_open"


def test_the_policy_api_takes_and_shows_the_forum_settings(forum: Forum) -> None:
    from django.urls import reverse

    from tests.collaboration.conftest import login

    client = login(forum.admin)
    url = reverse("groupings-api:policy-create", kwargs={"body_slug": forum.scene.body.slug})
    base = {
        "effective_from": "2026-12-02",
        "pooled_share_percent": "10",
        "urgent_reserve_percent": "5",
        "decision_target_working_days": 10,
        "decision_criteria": ["Need"],
    }
    for bad in ([], ["x" * 201], [f"H{i}" for i in range(13)], "Culture", [" "]):
        response = client.post(url, {**base, "peer_review_headings": bad}, content_type="application/json")
        assert response.status_code == 400, bad
    created = client.post(
        url,
        {**base, "peer_review_headings": ["Culture", "Provision"], "sendco_may_organise_sessions": True},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["peer_review_headings"], body["sendco_may_organise_sessions"]) == (["Culture", "Provision"], True)


def test_an_action_of_a_peer_review_and_one_of_a_session_say_where_each_was_agreed_on_the_home_page(
    forum: Forum,
) -> None:
    from django.urls import reverse

    from tests.collaboration.conftest import login
    from tests.collaboration.test_sessions import schedule

    body = forum.scene.body
    review = plan(forum)
    action_assign(
        actor=forum.peer.user,
        tenant=body,
        peer_review_id=review.pk,
        description="Send the <b>map</b>",
        owner_id=forum.head.user.pk,
        due_on=TODAY + timedelta(days=30),
    )
    action_assign(
        actor=forum.admin.user,
        tenant=body,
        session_id=schedule(forum).pk,
        description="Share the timetable",
        owner_id=forum.head.user.pk,
        due_on=TODAY + timedelta(days=7),
    )
    page = login(forum.head).get(reverse("accounts:body-home", kwargs={"body_slug": body.slug})).content.decode()
    session_line = page.index("Your action: Share the timetable")
    review_line = page.index("Your action: Send the &lt;b&gt;map&lt;/b&gt;")
    assert session_line < review_line  # the earliest due first
    assert "due 8 December 2026" in page[session_line:review_line]
    assert "Agreed at the session “Moderating provision maps”." in page[session_line:review_line]
    assert "due 31 December 2026" in page[review_line:]
    assert f"Agreed at the peer review of {forum.scene.school.name}." in page[review_line:]
