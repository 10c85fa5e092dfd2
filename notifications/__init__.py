"""Email notifications, generic: apps register the kinds they send (``register_kind`` in
``AppConfig.ready``), and queue a message for a set of users with
``services.notification_queue``. Each user chooses per kind: at once, in a daily digest,
or not at all (``NotificationPreference``; the kind's default otherwise).

Messages say what happened in a plain sentence and give a link; whatever a reader needs
is behind the link, where access is checked. They carry no personal data about pupils.

Immediate emails are sent by ``accounts.send_notification`` after commit (ids only, safe
to run twice, retried on SMTP errors); digest entries wait for the daily
``accounts.send_notification_digests`` (Celery beat), which sends one email per person a
day. The tasks live in ``notifications/tasks.py``."""

from __future__ import annotations

from dataclasses import dataclass

IMMEDIATE = "immediate"
DIGEST = "digest"
OFF = "off"
DELIVERY_CHOICES = [(IMMEDIATE, "Email me straight away"), (DIGEST, "Include in a daily summary email"), (OFF, "Off")]


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: str
    description: str
    default: str = IMMEDIATE
    order: int = 100


_KINDS: dict[str, NotificationKind] = {}


def register_kind(key: str, label: str, description: str, *, default: str = IMMEDIATE, order: int = 100) -> None:
    """Declare a kind of email (idempotent: ``ready()`` may run more than once in tests)."""
    if default not in {IMMEDIATE, DIGEST, OFF}:
        raise ValueError(f"unknown default delivery {default!r}")
    _KINDS[key] = NotificationKind(key, label, description, default, order)


def registered_kinds() -> list[NotificationKind]:
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.key))


def kind(key: str) -> NotificationKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise LookupError(f"notification kind {key!r} is not registered") from None
