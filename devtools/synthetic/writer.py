"""Bulk writing for the synthetic data set: COPY into a temporary staging table, then one
``INSERT … SELECT`` into the real table.

PostgreSQL refuses ``COPY FROM`` into a table under row-level security, so rows are copied
into an unrestricted temporary table first; the ``INSERT`` then goes through the real
table's policies, constraints and triggers (the ledger's balance and same-body checks
included). Columns a generator does not supply get the model field's default, so a field
added later with a default does not break the generator.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

# Parents before children: the order buffers are flushed in.
ID_BLOCK = 50_000


class IdAllocator:
    """Primary keys handed out in blocks from each table's sequence (or counted from 1 in a
    dry run), so generated rows can point at each other before they are written. Blocks
    come from ``nextval`` (the runtime role may use a sequence but not set it)."""

    def __init__(self, *, dry_run: bool) -> None:
        self.dry_run = dry_run
        self._free: dict[str, list[int]] = {}
        self._counted: dict[str, int] = {}

    def __call__(self, model: type[models.Model]) -> int:
        table = model._meta.db_table
        free = self._free.setdefault(table, [])
        if not free:
            free.extend(reversed(self._reserve(table)))
        return free.pop()

    def _reserve(self, table: str) -> list[int]:
        if self.dry_run:
            start = self._counted.get(table, 1)
            self._counted[table] = start + ID_BLOCK
            return list(range(start, start + ID_BLOCK))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, ID_BLOCK]
            )
            return sorted(int(row[0]) for row in cursor.fetchall())


def _default_sql(field: models.Field[Any, Any]) -> tuple[str, Any]:
    value = field.get_db_prep_save(field.get_default(), connection)
    if isinstance(value, (dict, list)) and isinstance(field, models.JSONField):
        return "%s::jsonb", json.dumps(value)
    return "%s", value


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> int:
    """Insert ``rows`` (tuples in ``columns`` order, column names as in the database)."""
    if not rows:
        return 0
    table = model._meta.db_table
    stage = f"synthetic_stage_{table}"
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    missing = [
        f for f in model._meta.concrete_fields if f.column not in columns and not (f.primary_key and "id" in columns)
    ]
    defaults = [_default_sql(f) for f in missing]
    target_columns = quoted + "".join(", " + connection.ops.quote_name(str(f.column)) for f in missing)
    select = quoted + "".join(", " + sql for sql, _ in defaults)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT {quoted} FROM {table} WITH NO DATA")
        cursor.execute(f"TRUNCATE {stage}")
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        with raw.copy(f"COPY {stage} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({target_columns}) SELECT {select} FROM {stage}",
            [value for _, value in defaults],
        )
        cursor.execute(f"TRUNCATE {stage}")
    return len(rows)
