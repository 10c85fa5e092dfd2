"""The outbox sweep (Celery beat, every ``OUTBOX_SWEEP_SECONDS``)."""

from __future__ import annotations

from celery import shared_task

from core.outbox.services import outbox_deliver


@shared_task(name="outbox.sweep", ignore_result=True)
def outbox_sweep() -> int:
    """Hand the broker every message not yet handed over, or handed over and not
    acknowledged in time. Safe to run twice at once (rows are locked, skip locked)."""
    return outbox_deliver()
