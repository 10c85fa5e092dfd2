"""Peer review of a school's inclusion, against the body's own framework (the headings of
the grouping policy in force when the review is planned). The body's staff plan it with a
reviewing pair from other schools; the reviewers write findings under each heading and
share them; the school's head responds; the body's staff close it after the follow-up.
Transitions: ``PEER_REVIEW_TRANSITIONS``. No money, case or decision is read or written."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, ResponsibleBody, User
from accounts.policy import Action, BodyAccess, current_memberships_q
from collaboration import verbs
from collaboration.error_codes import CollaborationError as Code
from collaboration.models import PEER_REVIEW_TRANSITIONS, PeerReview, PeerReviewFinding, PeerReviewStatus
from collaboration.notifications import (
    PEER_REVIEW_ASKED,
    PEER_REVIEW_RESPONDED,
    PEER_REVIEW_SHARED,
    forum_notify_on_commit,
)
from collaboration.selectors.forum import reviewable_schools, reviewer_candidates
from collaboration.services.actions import locked_review_for_reviewing
from collaboration.services.sessions import MAX_LONG_TEXT, text_field
from core.audit import audit_record, text_fingerprint
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context
from groupings.selectors import policy_in_force


def _not_allowed() -> ApplicationError:
    return ApplicationError("Only the body's staff plan and close peer reviews.", code=Code.NOT_ALLOWED)


def _check_move(review: PeerReview, to: str) -> None:
    if to not in PEER_REVIEW_TRANSITIONS[review.status]:
        raise ConflictError(
            f"This review is {review.get_status_display().lower()}: it cannot move to "
            f"{PeerReviewStatus(to).label.lower()}.",
            code=Code.TRANSITION_NOT_ALLOWED,
        )


def peer_review_plan(
    *,
    actor: User,
    tenant: ResponsibleBody,
    school_id: int,
    reviewer_ids: list[int],
    visit_on: date,
    follow_up_on: date,
) -> PeerReview:
    """Plan a review of one grouping school by two people from the grouping's other schools."""
    if follow_up_on <= visit_on:
        raise ApplicationError(
            "The follow-up date must be after the visit.", code=Code.DATES_BACKWARDS, field="follow_up_on"
        )
    if visit_on < timezone.localdate():
        raise ApplicationError("The visit date must be today or later.", code=Code.DATE_IN_PAST, field="visit_on")
    pair = list(dict.fromkeys(int(i) for i in reviewer_ids))
    if len(pair) != 2:
        raise ApplicationError("Choose two different reviewers.", code=Code.REVIEWERS_NOT_TWO, field="reviewer_ids")
    with tenant_context(tenant), transaction.atomic():
        if not BodyAccess.load(actor, tenant).can(Action.OVERSEE_FORUM):
            raise _not_allowed()
        schools = dict(reviewable_schools(tenant=tenant))
        if school_id not in schools:
            raise ApplicationError(
                "Choose a school in the grouping.", code=Code.SCHOOL_NOT_IN_GROUPING, field="school_id"
            )
        at_reviewed_school = set(
            Membership.objects.for_tenant(tenant)
            .filter(current_memberships_q(), school_id=school_id, user_id__in=pair)
            .values_list("user_id", flat=True)
        )
        if at_reviewed_school:
            raise ApplicationError(
                f"A reviewer cannot work at the school being reviewed ({schools[school_id]}): choose people from "
                "the grouping's other schools.",
                code=Code.REVIEWER_FROM_REVIEWED_SCHOOL,
                field="reviewer_ids",
            )
        candidates = {uid for uid, sid, _ in reviewer_candidates(tenant=tenant) if sid in schools}
        if any(uid not in candidates for uid in pair):
            raise ApplicationError(
                "Choose reviewers who are heads or SENDCOs at the grouping's other schools.",
                code=Code.REVIEWER_NOT_ELIGIBLE,
                field="reviewer_ids",
            )
        policy = policy_in_force(tenant=tenant)
        if policy is None:
            raise ApplicationError("Publish the grouping policy first.", code=Code.NOT_ALLOWED)
        users = {u.pk: u for u in User.objects.filter(pk__in=pair)}
        one, two = users[pair[0]], users[pair[1]]
        review = PeerReview(
            responsible_body=tenant,
            school_id=school_id,
            reviewer_one=one,
            reviewer_one_label=one.email,
            reviewer_two=two,
            reviewer_two_label=two.email,
            visit_on=visit_on,
            follow_up_on=follow_up_on,
            headings=list(policy.peer_review_headings),
            policy_version=policy.version,
            created_by_label=actor.email,
        )
        review.full_clean()
        review.save(force_insert=True)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=verbs.PEER_REVIEW_PLANNED,
            obj=review,
            after={
                "school_id": school_id,
                "reviewer_ids": pair,
                "visit_on": visit_on,
                "follow_up_on": follow_up_on,
                "policy_version": policy.version,
            },
        )
        forum_notify_on_commit(
            tenant=tenant,
            kind_key=PEER_REVIEW_ASKED,
            user_ids=pair,
            url_name="review",
            url_kwargs={"peerreview_id": review.pk},
            occurrence=f"peer review {review.pk} planned",
        )
        return review


def peer_review_findings_save(
    *, actor: User, tenant: ResponsibleBody, peer_review_id: int, findings: list[str]
) -> PeerReview:
    """The reviewers (or the body's staff) write what they found under each heading, in
    order; saved again until the findings are shared."""
    with tenant_context(tenant), transaction.atomic():
        review = locked_review_for_reviewing(tenant, BodyAccess.load(actor, tenant), peer_review_id)
        if review.status != PeerReviewStatus.PLANNED:
            raise ConflictError("The findings have been shared and can no longer change.", code=Code.REVIEW_NOT_OPEN)
        if len(findings) != len(review.headings):
            raise ApplicationError(
                f"Write a finding under each of the {len(review.headings)} headings.",
                code=Code.FINDINGS_INCOMPLETE,
                field="findings",
            )
        texts = [
            text_field(text, field=f"finding_{i}", limit=MAX_LONG_TEXT, required=True, what=f"a finding for {h!r}")
            for i, (h, text) in enumerate(zip(review.headings, findings, strict=True))
        ]
        PeerReviewFinding.objects.for_tenant(tenant).filter(review=review).delete()
        PeerReviewFinding.objects.bulk_create(
            [
                PeerReviewFinding(responsible_body=tenant, review=review, position=i, heading=h, text=t)
                for i, (h, t) in enumerate(zip(review.headings, texts, strict=True))
            ]
        )
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=verbs.PEER_REVIEW_FINDINGS_SAVED,
            obj=review,
            after={"findings": [text_fingerprint(t) for t in texts]},
        )
        return review


def peer_review_share(*, actor: User, tenant: ResponsibleBody, peer_review_id: int) -> PeerReview:
    """Share the findings with the reviewed school (planned → findings shared)."""
    with tenant_context(tenant), transaction.atomic():
        review = locked_review_for_reviewing(tenant, BodyAccess.load(actor, tenant), peer_review_id)
        _check_move(review, PeerReviewStatus.SHARED)
        if PeerReviewFinding.objects.for_tenant(tenant).filter(review=review).count() != len(review.headings):
            raise ApplicationError(
                "Write a finding under each heading before sharing.", code=Code.FINDINGS_INCOMPLETE, field="findings"
            )
        review.status = PeerReviewStatus.SHARED
        review.shared_at = timezone.now()
        review.save(update_fields=["status", "shared_at"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=verbs.PEER_REVIEW_SHARED,
            obj=review,
            before={"status": PeerReviewStatus.PLANNED},
            after={"status": PeerReviewStatus.SHARED},
        )
        school_people = (
            Membership.objects.for_tenant(tenant)
            .filter(current_memberships_q(), school_id=review.school_id, role__in=["head", "sendco"])
            .values_list("user_id", flat=True)
        )
        forum_notify_on_commit(
            tenant=tenant,
            kind_key=PEER_REVIEW_SHARED,
            user_ids=list(school_people),
            url_name="review",
            url_kwargs={"peerreview_id": review.pk},
            occurrence=f"peer review {review.pk}",
        )
        return review


def peer_review_respond(*, actor: User, tenant: ResponsibleBody, peer_review_id: int, response: str) -> PeerReview:
    """The reviewed school's head responds to the findings (findings shared → responded)."""
    with tenant_context(tenant), transaction.atomic():
        review = lock_rows(PeerReview.objects.for_tenant(tenant)).filter(pk=peer_review_id).first()
        access = BodyAccess.load(actor, tenant)
        if review is None or not access.can(Action.COLLABORATE, review):
            raise NotFound("No such peer review.")
        if not access.can(Action.RESPOND_PEER_REVIEW, review):
            raise ApplicationError("Only the school's head responds to its peer review.", code=Code.NOT_ALLOWED)
        _check_move(review, PeerReviewStatus.RESPONDED)
        text = text_field(response, field="response", limit=MAX_LONG_TEXT, required=True, what="your response")
        review.status = PeerReviewStatus.RESPONDED
        review.school_response = text
        review.responded_at = timezone.now()
        review.responded_by_label = actor.email
        review.save(update_fields=["status", "school_response", "responded_at", "responded_by_label"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=verbs.PEER_REVIEW_RESPONDED,
            obj=review,
            before={"status": PeerReviewStatus.SHARED},
            after={"status": PeerReviewStatus.RESPONDED, "response": text_fingerprint(text)},
        )
        forum_notify_on_commit(
            tenant=tenant,
            kind_key=PEER_REVIEW_RESPONDED,
            user_ids=[review.reviewer_one_id, review.reviewer_two_id],
            url_name="review",
            url_kwargs={"peerreview_id": review.pk},
            occurrence=f"peer review {review.pk} responded",
        )
        return review


def peer_review_close(*, actor: User, tenant: ResponsibleBody, peer_review_id: int) -> PeerReview:
    """The body's staff close a review the school has responded to."""
    with tenant_context(tenant), transaction.atomic():
        access = BodyAccess.load(actor, tenant)
        review = lock_rows(PeerReview.objects.for_tenant(tenant)).filter(pk=peer_review_id).first()
        if review is None or not access.can(Action.COLLABORATE, review):
            raise NotFound("No such peer review.")
        if not access.can(Action.OVERSEE_FORUM):
            raise _not_allowed()
        _check_move(review, PeerReviewStatus.CLOSED)
        review.status = PeerReviewStatus.CLOSED
        review.closed_at = timezone.now()
        review.save(update_fields=["status", "closed_at"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=verbs.PEER_REVIEW_CLOSED,
            obj=review,
            before={"status": PeerReviewStatus.RESPONDED},
            after={"status": PeerReviewStatus.CLOSED},
        )
        return review
