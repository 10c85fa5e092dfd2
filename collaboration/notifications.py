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
