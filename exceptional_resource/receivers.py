"""Reactions to events published by lower apps: work recorded in the outbox, inside the
sender's transaction, and run after commit."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.outbox.services import outbox_enqueue


def on_arrangement_ended(*, tenant_id: int, school_id: int, end_date: date, **kwargs: Any) -> None:
    outbox_enqueue(
        task="exceptional_resource.end_awards_for_arrangement",
        kwargs={"tenant_id": tenant_id, "school_id": school_id, "end_date": end_date.isoformat()},
    )
