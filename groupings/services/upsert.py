"""The bulk upsert that the reference-data imports share (the GIAS register in
``register.py``, the SEN census in ``census.py``): plan which rows to create, which to
update and how many are already as the file says, then write the plan.

Changed rows are written with ``UPDATE ... FROM UNNEST(...)`` rather than Django's
``bulk_update``: its ``CASE WHEN id = ...`` expressions cost rows x batch size, and a
national refresh in which every school changed took 564 s with it against 8.6 s
this way (docs/gias-import.md). Callers hold ``reference_import_lock()`` and run in one
transaction in ``platform_context()``."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection, models

from groupings.gias import ParsedFile

BATCH_SIZE = 2000
LOOKUP_CHUNK = 10_000  # keys per query when loading what is already stored
_IMPORT_LOCK = 0x6A1A5  # advisory lock: one reference-data import at a time

_M = TypeVar("_M", bound=models.Model)


def reference_import_lock() -> None:
    """Wait for any other register or census import to finish (held to the end of the
    transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK])


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        text = f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, rejected {self.rejected}"
        return text + (f", skipped {self.skipped}" if self.skipped else "")


@dataclass
class UpsertPlan:
    model: type[models.Model]
    fields: list[str]
    create: list[Any]
    update: list[Any]
    unchanged: int

    def counts(self) -> ImportCounts:
        return ImportCounts(created=len(self.create), updated=len(self.update), unchanged=self.unchanged)


def upsert_plan(
    model: type[_M],
    parsed: ParsedFile,
    *,
    key_fields: tuple[str, ...],
    derived: Sequence[str] = (),
    derive: Callable[[_M], None] | None = None,
) -> UpsertPlan:
    """Which rows to create, which to update and how many are already as the file says.
    Only the fields the file has (and those derived from them) are compared and written."""
    existing = _load_existing(model, [row.values for row in parsed.rows], key_fields)
    tracked = [name for name in (*parsed.fields, *derived) if name not in key_fields]
    plan = UpsertPlan(model=model, fields=tracked, create=[], update=[], unchanged=0)
    for row in parsed.rows:
        key = tuple(row.values[name] for name in key_fields)
        obj = existing.get(key)
        if obj is None:
            obj = model(**row.values)
            if derive is not None:
                derive(obj)
            plan.create.append(obj)
            continue
        before = [getattr(obj, name) for name in tracked]
        for name, value in row.values.items():
            setattr(obj, name, value)
        if derive is not None:
            derive(obj)
        if any(getattr(obj, name) != old for name, old in zip(tracked, before, strict=True)):
            plan.update.append(obj)
        else:
            plan.unchanged += 1
    return plan


def _load_existing(
    model: type[_M], rows: list[dict[str, Any]], key_fields: tuple[str, ...]
) -> dict[tuple[Hashable, ...], _M]:
    """Stored rows for the file's keys, a few queries whatever the file's size."""
    first = key_fields[0]
    wanted = sorted({row[first] for row in rows})
    found: dict[tuple[Hashable, ...], _M] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        for obj in model._default_manager.filter(**{f"{first}__in": chunk}).order_by():
            found[tuple(getattr(obj, name) for name in key_fields)] = obj
    return found


def upsert_apply(plan: UpsertPlan, *, stamp: Any) -> None:
    fields = list(plan.fields)
    if stamp is not None:
        fields.append("updated_at")
        for obj in (*plan.create, *plan.update):
            obj.updated_at = stamp
    plan.model._default_manager.bulk_create(plan.create, batch_size=BATCH_SIZE)
    for start in range(0, len(plan.update), BATCH_SIZE):
        _update_from_values(plan.model, plan.update[start : start + BATCH_SIZE], fields)


def _update_from_values(model: type[models.Model], objs: Sequence[models.Model], names: Sequence[str]) -> None:
    """One ``UPDATE ... FROM UNNEST(...)`` setting ``names`` for ``objs``: one array
    parameter per column, as Django 5.2's ``bulk_create`` does on PostgreSQL."""
    quote = connection.ops.quote_name
    meta = model._meta
    assert meta.pk is not None
    arrays: list[str] = []
    quoted: list[str] = []
    params: list[list[Any]] = []
    for name in (meta.pk.name, *names):
        column = meta.get_field(name)
        assert isinstance(column, models.Field)
        assert column.column is not None
        quoted.append(quote(column.column))
        arrays.append(f"%s::{column.cast_db_type(connection)}[]")
        params.append([column.get_db_prep_save(getattr(obj, column.attname), connection) for obj in objs])
    pk = quoted[0]
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {', '.join(f'{c} = v.{c}' for c in quoted[1:])} "
        f"FROM UNNEST({', '.join(arrays)}) AS v({', '.join(quoted)}) WHERE t.{pk} = v.{pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
