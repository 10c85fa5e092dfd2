"""Writing, delivering and acknowledging outbox messages.

``outbox_enqueue`` is called inside the transaction that makes the change; the row commits
or rolls back with it. After commit the message is handed to the broker at once, unless the
broker failed within the last ``OUTBOX_BROKER_BACKOFF_SECONDS`` (then the request does not
wait for it at all). ``outbox_sweep`` (Celery beat, every ``OUTBOX_SWEEP_SECONDS``) hands
again every message never handed over, and every message handed over but not acknowledged
within ``OUTBOX_REDELIVER_AFTER_SECONDS``. A task acknowledges by finishing: Celery's
``task_success`` signal marks the message whose id travels in the ``outbox_id`` header.
Tasks stay idempotent, because a message can be handed over more than once."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import structlog
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.outbox.models import OutboxMessage

log = structlog.get_logger(__name__)
HEADER = "outbox_id"

# Monotonic time until which the web process does not try the broker after commit.
_broker_backoff_until = 0.0


def outbox_enqueue(*, task: str, kwargs: dict[str, Any]) -> OutboxMessage:
    """Record that ``task`` must run with ``kwargs`` (ids and plain values only) once the
    current transaction commits. Must be called inside that transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_enqueue must be called inside the transaction that makes the change")
    message = OutboxMessage.objects.create(task_name=task, kwargs=kwargs)
    message_id = message.pk
    transaction.on_commit(lambda: outbox_deliver_after_commit(message_ids=[message_id]), robust=True)
    return message


def outbox_deliver_after_commit(*, message_ids: list[int]) -> int:
    """Hand fresh messages to the broker, unless it failed moments ago: the sweep will."""
    if time.monotonic() < _broker_backoff_until:
        return 0
    return outbox_deliver(message_ids=message_ids)


def _publish(message: OutboxMessage) -> None:
    current_app.send_task(message.task_name, kwargs=message.kwargs, headers={HEADER: message.pk}, retry=False)


def outbox_deliver(*, message_ids: list[int] | None = None, limit: int = 500) -> int:
    """Hand messages to the broker: those named, or every one due (the sweep). Rows are
    locked while they are handed over (``SKIP LOCKED``), so the sweep and a web process
    never hand over the same message at the same moment. Returns how many went."""
    global _broker_backoff_until
    now = timezone.now()
    due = Q(acked_at__isnull=True, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS)
    if message_ids is not None:
        due &= Q(pk__in=message_ids, sent_at__isnull=True)
    else:
        due &= Q(sent_at__isnull=True) | Q(sent_at__lt=now - timedelta(seconds=settings.OUTBOX_REDELIVER_AFTER_SECONDS))
    sent = 0
    with transaction.atomic():
        messages = list(OutboxMessage.objects.select_for_update(skip_locked=True).filter(due).order_by("pk")[:limit])
        for message in messages:
            try:
                _publish(message)
            except Exception as exc:  # noqa: BLE001 - any broker failure leaves the row for the sweep
                _broker_backoff_until = time.monotonic() + settings.OUTBOX_BROKER_BACKOFF_SECONDS
                message.last_error = f"{type(exc).__name__}: {exc}"[:500]
                message.save(update_fields=["last_error"])
                log.warning("outbox_broker_unavailable", message_id=message.pk, error=message.last_error)
                break
            message.attempts += 1
            message.sent_at = timezone.now()
            message.last_error = ""
            message.save(update_fields=["attempts", "sent_at", "last_error"])
            sent += 1
    return sent


def outbox_acknowledge(*, message_id: int) -> bool:
    """The task finished: the message is done. Acknowledging twice is harmless."""
    return bool(OutboxMessage.objects.filter(pk=message_id, acked_at__isnull=True).update(acked_at=timezone.now()))


def acknowledge_on_success(sender: Any = None, **kwargs: Any) -> None:
    """Celery ``task_success``: acknowledge the outbox message the task was sent for."""
    request = getattr(sender, "request", None)
    message_id = getattr(request, HEADER, None) if request is not None else None
    if message_id is None and request is not None:
        message_id = (getattr(request, "headers", None) or {}).get(HEADER)
    if message_id is not None:
        outbox_acknowledge(message_id=int(message_id))


def outbox_pending_count() -> int:
    return OutboxMessage.objects.filter(acked_at__isnull=True).count()
