"""The one way a selector or service fetches a single row by id: missing and another
body's row are the same ``NotFound`` (404 on pages and in the API)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Manager, Model, QuerySet

from core.errors import NotFound

M = TypeVar("M", bound=Model)


def one_or_not_found(rows: Manager[M] | QuerySet[M], message: str, **lookup: Any) -> M:
    """The row of ``rows`` matching ``lookup``, or ``NotFound(message)``."""
    row = rows.filter(**lookup).first()
    if row is None:
        raise NotFound(message)
    return row
