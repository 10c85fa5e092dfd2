"""Actions agreed at a session or a peer review: assigned to one person of the grouping
with a due date, and tracked to done (``ACTION_TRANSITIONS``: open → done)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from collaboration import verbs
from collaboration.error_codes import CollaborationError as Code
from collaboration.models import (
    ACTION_TRANSITIONS,
    ActionStatus,
    AgreedAction,
    PeerReview,
    PeerReviewStatus,
    SessionStatus,
)
from collaboration.notifications import ACTION_ASSIGNED, forum_notify_on_commit
from collaboration.selectors.forum import forum_people
from collaboration.services.sessions import locked_session, text_field
from core.audit import audit_record, text_fingerprint
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context

MAX_DESCRIPTION = 500


def locked_review_for_reviewing(tenant: ResponsibleBody, access: BodyAccess, peer_review_id: int) -> PeerReview:
    """A peer review, locked, for the body's staff or one of its reviewers; 404 otherwise."""
    review = lock_rows(PeerReview.objects.for_tenant(tenant)).filter(pk=peer_review_id).first()
    if review is None or not (access.can(Action.OVERSEE_FORUM) or access.user.pk in review.reviewer_ids):
        raise NotFound("No such peer review.")
    return review


def action_assign(
    *,
    actor: User,
    tenant: ResponsibleBody,
    description: str,
    owner_id: int,
    due_on: date,
    session_id: int | None = None,
    peer_review_id: int | None = None,
) -> AgreedAction:
    """Record an action agreed at a session (by its organiser or the body's staff) or at a
    peer review (by the body's staff or a reviewer), owned by one person of the grouping."""
    if (session_id is None) == (peer_review_id is None):
        raise ValueError("An action belongs to exactly one session or peer review.")
    text = text_field(description, field="description", limit=MAX_DESCRIPTION, required=True, what="the action")
    if due_on < timezone.localdate():
        raise ApplicationError("The due date must be today or later.", code=Code.DATE_IN_PAST, field="due_on")
    with tenant_context(tenant), transaction.atomic():
        access = BodyAccess.load(actor, tenant)
        if session_id is not None:
            session = locked_session(tenant, access, session_id)
            if session.status == SessionStatus.CANCELLED:
                raise ConflictError("This session was cancelled.", code=Code.SESSION_NOT_SCHEDULED)
            parent: dict[str, object] = {"session": session}
            where = f"session {session.pk}"
        else:
            assert peer_review_id is not None
            review = locked_review_for_reviewing(tenant, access, peer_review_id)
            if review.status == PeerReviewStatus.CLOSED:
                raise ConflictError("This peer review is closed.", code=Code.REVIEW_NOT_OPEN)
            parent = {"peer_review": review}
            where = f"peer review {review.pk}"
        people = dict(forum_people(tenant=tenant))
        if owner_id not in people:
            raise ApplicationError(
                "Give the action to someone in the grouping.", code=Code.OWNER_NOT_IN_GROUPING, field="owner_id"
            )
        owner = User.objects.get(pk=owner_id)
        action = AgreedAction(
            responsible_body=tenant,
            description=text,
            owner=owner,
            owner_label=owner.email,
            due_on=due_on,
            created_by_label=actor.email,
            **parent,
        )
        action.full_clean()
        action.save(force_insert=True)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=verbs.FORUM_ACTION_ASSIGNED,
            obj=action,
            label=f"Action {action.pk} of {where}",
            after={"owner_id": owner.pk, "due_on": due_on, "description": text_fingerprint(text)},
        )
        forum_notify_on_commit(
            tenant=tenant,
            kind_key=ACTION_ASSIGNED,
            user_ids=[owner.pk],
            url_name="my-actions",
            url_kwargs={},
            occurrence=f"action {action.pk}",
        )
        return action


def action_complete(*, actor: User, tenant: ResponsibleBody, agreed_action_id: int) -> AgreedAction:
    """Mark an action done: its owner, the session's organiser or the body's staff may."""
    with tenant_context(tenant), transaction.atomic():
        action = (
            lock_rows(AgreedAction.objects.for_tenant(tenant))
            .select_related("session", "peer_review")
            .filter(pk=agreed_action_id)
            .first()
        )
        access = BodyAccess.load(actor, tenant)
        allowed = action is not None and (
            action.owner_id == actor.pk
            or access.can(Action.OVERSEE_FORUM)
            or (action.session is not None and action.session.organiser_id == actor.pk)
            or (action.peer_review is not None and actor.pk in action.peer_review.reviewer_ids)
        )
        if action is None or not allowed:
            raise NotFound("No such action.")
        if ActionStatus.DONE not in ACTION_TRANSITIONS[action.status]:
            raise ConflictError("This action is already done.", code=Code.ACTION_CLOSED)
        action.status = ActionStatus.DONE
        action.done_at = timezone.now()
        action.done_by_label = actor.email
        action.save(update_fields=["status", "done_at", "done_by_label"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=verbs.FORUM_ACTION_DONE,
            obj=action,
            before={"status": ActionStatus.OPEN},
            after={"status": ActionStatus.DONE},
        )
        return action
