"""Pooling's reactions to events other apps publish. ``connect()`` is called once from
``PoolingConfig.ready``.

Receivers only record work in the outbox (ids only), inside the sender's transaction; the
tasks call the services after commit."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.outbox.services import outbox_enqueue

ARRANGEMENT_ENDED_UID = "pooling.recalculate_contributions_when_arrangement_ends"


def recalculate_contributions_when_arrangement_ends(
    sender: Any, *, tenant_id: int, arrangement_id: int, school_id: int, end_date: date, **kwargs: Any
) -> None:
    """``groupings.signals.arrangement_ended``: the school's contributions are pro-rated to
    its last day, so recalculate them (posting only the difference)."""
    outbox_enqueue(
        task="pooling.recalculate_contributions_for_arrangement",
        kwargs={"tenant_id": tenant_id, "arrangement_id": arrangement_id},
    )


def connect() -> None:
    """Connect pooling's receivers (idempotent: each has a fixed ``dispatch_uid``)."""
    from groupings.signals import arrangement_ended

    arrangement_ended.connect(recalculate_contributions_when_arrangement_ends, dispatch_uid=ARRANGEMENT_ENDED_UID)
