"""Emails the collaboration app sends, through the existing preferences (straight away, a
daily summary or off). A plain sentence and a link: no pupil data, no case, no school."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.models import ResponsibleBody
from notifications import IMMEDIATE, register_kind
from notifications.services import notification_queue

ADVICE_REQUESTED = "advice_requested"
ADVICE_GIVEN = "advice_given"
SESSION_INVITED = "forum_session_invited"
ACTION_ASSIGNED = "forum_action_assigned"
PEER_REVIEW_SHARED = "peer_review_shared"
ADVICE_ENDED = "advice_access_ended"
SESSION_CANCELLED = "forum_session_cancelled"
PEER_REVIEW_ASKED = "peer_review_asked"
PEER_REVIEW_RESPONDED = "peer_review_responded"

KINDS = {
    ADVICE_REQUESTED: (
        "A colleague asks for your advice",
        "When a school in your grouping asks you for advice on a case.",
        "A colleague has asked for your advice",
        "A colleague in {body} has asked for your advice. Sign in to read what they ask; your access is time-limited.",
    ),
    ADVICE_GIVEN: (
        "Advice or a reply on your request",
        "When an adviser answers your request for advice, or a school replies to your advice.",
        "There is a new message on a request for advice",
        "There is a new message on a request for advice in {body}. Sign in to read it.",
    ),
    SESSION_INVITED: (
        "Invitations to supervision, moderation and training sessions",
        "When someone in your grouping invites you to a session.",
        "You are invited to a session",
        "You are invited to a supervision, moderation or training session in {body}. Sign in to see when and "
        "where, and to say whether you can come.",
    ),
    ACTION_ASSIGNED: (
        "Actions agreed for you",
        "When an action agreed at a session or a peer review is given to you.",
        "An action has been agreed for you",
        "An action agreed in {body}'s forum has been given to you. Sign in to see what it is and when it is due.",
    ),
    PEER_REVIEW_SHARED: (
        "Peer-review findings",
        "When the findings of a peer review of your school are shared with you.",
        "Your school's peer-review findings are ready",
        "The findings of a peer review of your school's inclusion in {body} are ready. Sign in to read and respond.",
    ),
    ADVICE_ENDED: (
        "Access to a request for advice ended by the school",
        "When a school ends your access to a case summary before its time is up.",
        "Your access to a request for advice has ended",
        "A school in {body} has ended your access to a request for advice. You can no longer read the case "
        "summary or add advice.",
    ),
    SESSION_CANCELLED: (
        "Sessions cancelled",
        "When a session you are invited to is cancelled.",
        "A session you were invited to is cancelled",
        "A supervision, moderation or training session you were invited to in {body} has been cancelled. Sign in "
        "to see which.",
    ),
    PEER_REVIEW_ASKED: (
        "Peer reviews you are asked to carry out",
        "When the body asks you to review another school's inclusion as one of a reviewing pair.",
        "You are asked to carry out a peer review",
        "The body has asked you to review a school's inclusion in {body} as one of a reviewing pair. Sign in to "
        "see the school, the visit date and the framework's headings.",
    ),
    PEER_REVIEW_RESPONDED: (
        "Responses to peer reviews you carried out",
        "When the school you reviewed responds to your findings.",
        "A school has responded to your peer review",
        "A school you reviewed in {body} has responded to your findings. Sign in to read its response.",
    ),
}


def register_kinds() -> None:
    for order, (key, (label, description, _subject, _text)) in enumerate(KINDS.items()):
        register_kind(key, label, description, default=IMMEDIATE, order=60 + order)


def advice_notify_on_commit(
    *, tenant: ResponsibleBody, kind_key: str, user_ids: Iterable[int], advice_request_id: int, occurrence: str
) -> None:
    """Queue the email once the change commits (ids only; queueing twice sends once)."""
    ids = sorted(set(user_ids))
    link = settings.SITE_URL.rstrip("/") + reverse(
        "collaboration:advice", kwargs={"body_slug": tenant.slug, "advicerequest_id": advice_request_id}
    )
    _label, _description, subject, text = KINDS[kind_key]

    def queue() -> None:
        notification_queue(
            tenant=tenant,
            kind_key=kind_key,
            user_ids=ids,
            subject=subject,
            text=text.format(body=tenant.legal_name),
            link=link,
            dedupe_key=f"{kind_key}:advice {advice_request_id}:{occurrence}",
        )

    transaction.on_commit(queue, robust=True)


def forum_notify_on_commit(
    *,
    tenant: ResponsibleBody,
    kind_key: str,
    user_ids: Iterable[int],
    url_name: str,
    url_kwargs: dict[str, int],
    occurrence: str,
) -> None:
    """Queue a forum email (an invitation, an action, findings shared) once the change
    commits. The message is a fixed sentence and a link: it never carries a title, agenda,
    finding or anything a person typed, so no pupil detail can ride along."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    link = settings.SITE_URL.rstrip("/") + reverse(
        f"collaboration:{url_name}", kwargs={"body_slug": tenant.slug, **url_kwargs}
    )
    _label, _description, subject, text = KINDS[kind_key]

    def queue() -> None:
        notification_queue(
            tenant=tenant,
            kind_key=kind_key,
            user_ids=ids,
            subject=subject,
            text=text.format(body=tenant.legal_name),
            link=link,
            dedupe_key=f"{kind_key}:{occurrence}",
        )

    transaction.on_commit(queue, robust=True)
