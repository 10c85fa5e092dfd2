"""Writing, delivering and acknowledging outbox messages.

``outbox_enqueue`` is called inside the transaction that makes the change; the row commits
or rolls back with it. After commit the message is handed to the broker at once, unless the
broker failed within the last ``OUTBOX_BROKER_BACKOFF_SECONDS`` (then the request does not
wait for it at all). ``outbox_sweep`` (Celery beat, every ``OUTBOX_SWEEP_SECONDS``) hands
again every message never handed over, and every message handed over but not acknowledged
within ``OUTBOX_REDELIVER_AFTER_SECONDS``. A task acknowledges by finishing: Celery's
``task_success`` signal marks the message whose id travels in the ``outbox_id`` header.
Tasks stay idempotent, because a message can be handed over more than once.

Two kinds of failure are told apart while handing over. The broker being away (a refused
or timed-out connection: ``BROKER_ERRORS``) stops the sweep at once without counting a try:
every message after it would fail the same way, and none is the message's fault. Any other
error (the message cannot be encoded or routed, say) is the message's own: the try is
counted, the error kept on the row, and the sweep goes on to the next message. A message
tried ``OUTBOX_MAX_ATTEMPTS`` times (failed, or handed over and never acknowledged) is
marked dead (``dead_at``) and no longer tried: ``manage.py outbox_dead`` lists and revives
dead messages, ``/healthz`` counts them, and each death is logged (``outbox_message_dead``)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import redis.exceptions
import structlog
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu import exceptions as kombu_exceptions

from core.outbox.models import OutboxMessage

log = structlog.get_logger(__name__)
HEADER = "outbox_id"

# The broker is away or not answering: stop the sweep, count nothing, try again later.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    kombu_exceptions.OperationalError,
    kombu_exceptions.ConnectionError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)

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


def _due(*, message_ids: list[int] | None, now: Any) -> Q:
    due = Q(acked_at__isnull=True, dead_at__isnull=True, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS)
    if message_ids is not None:
        return due & Q(pk__in=message_ids, sent_at__isnull=True)
    redeliver_before = now - timedelta(seconds=settings.OUTBOX_REDELIVER_AFTER_SECONDS)
    return due & (Q(sent_at__isnull=True) | Q(sent_at__lt=redeliver_before))


def _mark_dead(message: OutboxMessage, *, now: Any) -> None:
    message.dead_at = now
    log.error(
        "outbox_message_dead",
        message_id=message.pk,
        task=message.task_name,
        attempts=message.attempts,
        error=message.last_error,
    )


def outbox_deliver(*, message_ids: list[int] | None = None, limit: int = 500) -> int:
    """Hand messages to the broker: those named, or every one due (the sweep). Rows are
    locked while they are handed over (``SKIP LOCKED``), so the sweep and a web process
    never hand over the same message at the same moment. Returns how many went."""
    global _broker_backoff_until
    now = timezone.now()
    sent = 0
    with transaction.atomic():
        if message_ids is None:
            outbox_bury_unacknowledged(now=now)
        due = _due(message_ids=message_ids, now=now)
        messages = list(OutboxMessage.objects.select_for_update(skip_locked=True).filter(due).order_by("pk")[:limit])
        for message in messages:
            try:
                _publish(message)
            except BROKER_ERRORS as exc:
                # The broker is away: every later message would fail alike. Not counted.
                _broker_backoff_until = time.monotonic() + settings.OUTBOX_BROKER_BACKOFF_SECONDS
                message.last_error = f"{type(exc).__name__}: {exc}"[:500]
                message.save(update_fields=["last_error"])
                log.warning("outbox_broker_unavailable", message_id=message.pk, error=message.last_error)
                break
            except Exception as exc:  # noqa: BLE001 - this message's own fault: count it, go on
                message.attempts += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:500]
                if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                    _mark_dead(message, now=timezone.now())
                else:
                    log.warning(
                        "outbox_message_failed",
                        message_id=message.pk,
                        attempts=message.attempts,
                        error=message.last_error,
                    )
                message.save(update_fields=["attempts", "last_error", "dead_at"])
                continue
            message.attempts += 1
            message.sent_at = timezone.now()
            message.last_error = ""
            message.save(update_fields=["attempts", "sent_at", "last_error"])
            sent += 1
    return sent


def outbox_bury_unacknowledged(*, now: Any) -> int:
    """Mark dead every message handed over ``OUTBOX_MAX_ATTEMPTS`` times and still not
    acknowledged after the last redelivery wait: its task keeps failing on the worker."""
    redeliver_before = now - timedelta(seconds=settings.OUTBOX_REDELIVER_AFTER_SECONDS)
    stuck = list(
        OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            acked_at__isnull=True,
            dead_at__isnull=True,
            attempts__gte=settings.OUTBOX_MAX_ATTEMPTS,
            sent_at__lt=redeliver_before,
        )
    )
    for message in stuck:
        message.last_error = message.last_error or "handed over but never acknowledged: the task keeps failing"
        _mark_dead(message, now=now)
        message.save(update_fields=["last_error", "dead_at"])
    return len(stuck)


def outbox_revive(*, message_ids: list[int]) -> int:
    """Give dead messages another ``OUTBOX_MAX_ATTEMPTS`` tries (after fixing the cause);
    the next sweep hands them over. Returns how many."""
    return OutboxMessage.objects.filter(pk__in=message_ids, dead_at__isnull=False, acked_at__isnull=True).update(
        dead_at=None, attempts=0, sent_at=None
    )


def outbox_dead_list() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(dead_at__isnull=False, acked_at__isnull=True).order_by("pk"))


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
    return OutboxMessage.objects.filter(acked_at__isnull=True, dead_at__isnull=True).count()


def outbox_health() -> dict[str, int]:
    """What ``/healthz`` shows: messages waiting to be done, and dead ones an operator must
    look at (``manage.py outbox_dead``)."""
    unacked = OutboxMessage.objects.filter(acked_at__isnull=True)
    return {
        "pending": unacked.filter(dead_at__isnull=True).count(),
        "dead": unacked.filter(dead_at__isnull=False).count(),
    }
