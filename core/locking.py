"""The one way to lock rows for update.

``lock_rows(Model.objects.filter(...))`` is ``select_for_update(of=("self",))``: PostgreSQL
locks only the rows of the query's own table, never rows it joins for ``select_related``
(a bare ``select_for_update`` with ``select_related("school")`` would also lock the shared
``School`` row, so two bodies working on the same school would queue behind each other).
Lock in a fixed order (``order_by("pk")``) when more than one row is taken."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Manager, Model, QuerySet

M = TypeVar("M", bound=Model)


def lock_rows(rows: Manager[M] | QuerySet[M], **options: Any) -> QuerySet[M]:
    """``rows`` locked ``FOR UPDATE OF`` its own table only (``nowait``/``skip_locked`` pass through)."""
    return rows.all().select_for_update(of=("self",), **options)


def advisory_lock(name: str, key: int) -> None:
    """Serialise writers of ``name`` for one ``key`` (a body's id) until the transaction ends,
    without locking a row: versions of an append-only table (policy, allocation rules) are
    serialised this way, since ``FOR UPDATE`` needs the UPDATE privilege the runtime role does
    not hold there. Call inside ``transaction.atomic``."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s), %s)", [name, int(key)])
