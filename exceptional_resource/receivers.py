"""Reactions to events published by lower apps."""

from __future__ import annotations

from datetime import date
from typing import Any

from exceptional_resource.tasks import end_awards_for_arrangement


def on_arrangement_ended(*, tenant_id: int, school_id: int, end_date: date, **kwargs: Any) -> None:
    end_awards_for_arrangement.delay(tenant_id=tenant_id, school_id=school_id, end_date=end_date.isoformat())
