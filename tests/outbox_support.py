"""Outbox helpers for tests that check what a change asks to be done after it commits."""

from __future__ import annotations

from typing import Any

from core.outbox.models import OutboxMessage
from core.outbox.services import outbox_acknowledge


def pending(task: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Unacknowledged outbox messages as (task name, kwargs), oldest first."""
    qs = OutboxMessage.objects.filter(acked_at__isnull=True).order_by("pk")
    if task is not None:
        qs = qs.filter(task_name=task)
    return [(m.task_name, m.kwargs) for m in qs]


def pending_after(mark: int) -> list[tuple[str, dict[str, Any]]]:
    """Unacknowledged messages newer than ``mark`` (see ``outbox_mark``)."""
    qs = OutboxMessage.objects.filter(acked_at__isnull=True, pk__gt=mark).order_by("pk")
    return [(m.task_name, m.kwargs) for m in qs]


def outbox_mark() -> int:
    """The newest message's id: ``run_outbox(after=...)`` runs only what came later."""
    return OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def run_outbox(*, after: int = 0, rounds: int = 5) -> list[str]:
    """What a worker does with the outbox, in this process: run each unacknowledged
    message's task (Celery's ``Task.apply``, so retries and errors behave as on a worker),
    acknowledge it, and repeat for messages those tasks wrote. Only messages newer than
    ``after`` (see ``outbox_mark``). Returns the task names run."""
    from config.celery import app

    app.loader.import_default_modules()  # the tasks modules, as a worker imports them
    ran: list[str] = []
    for _ in range(rounds):
        messages = list(OutboxMessage.objects.filter(acked_at__isnull=True, pk__gt=after).order_by("pk"))
        if not messages:
            return ran
        for message in messages:
            app.tasks[message.task_name].apply(kwargs=message.kwargs).get()
            outbox_acknowledge(message_id=message.pk)
            ran.append(message.task_name)
    raise AssertionError(f"the outbox still has work after {rounds} rounds: {pending()}")
