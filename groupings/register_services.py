"""Writes for the school register (GIAS platform reference data, not tenant-owned).

``school_register_import`` upserts schools by URN, establishment links by (URN, linked
URN, link type) and trusts by group UID from files ``groupings.gias`` has read. It is
all-or-nothing: a file with any rejected row writes nothing, and every write happens in
one transaction. It is idempotent: a row whose values are already stored is counted as
unchanged and not written, so re-importing the same file writes nothing at all.

Changed rows are written with ``UPDATE ... FROM UNNEST(...)`` rather than Django's
``bulk_update``: its ``CASE WHEN id = ...`` expressions cost rows x batch size, and a
national refresh in which every school changed took 564 s with it against 8.6 s
this way (docs/gias-import.md)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from django.db import connection, models
from django.utils import timezone

from accounts.models import User
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError
from core.tenancy import platform_context
from groupings.error_codes import GroupingError
from groupings.gias import ParsedFile
from groupings.models import School, SchoolLink, Trust

BATCH_SIZE = 2000
LOOKUP_CHUNK = 10_000  # keys per query when loading what is already stored
ELIGIBILITY_FIELDS = ("is_imf_eligible", "eligibility_reason")
_IMPORT_LOCK = 0x6A1A5  # advisory lock: one register import at a time

_M = TypeVar("_M", bound=models.Model)


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


@dataclass(frozen=True)
class ImportReport:
    establishments: ImportCounts | None
    links: ImportCounts | None
    trusts: ImportCounts | None
    dry_run: bool

    @property
    def changed(self) -> bool:
        return any(c is not None and (c.created or c.updated) for c in (self.establishments, self.links, self.trusts))


@dataclass
class _Plan:
    model: type[models.Model]
    fields: list[str]
    create: list[Any]
    update: list[Any]
    unchanged: int

    def counts(self) -> ImportCounts:
        return ImportCounts(created=len(self.create), updated=len(self.update), unchanged=self.unchanged)


def school_register_import(
    *,
    establishments: ParsedFile | None = None,
    links: ParsedFile | None = None,
    groups: ParsedFile | None = None,
    actor: User | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Upsert the register from parsed GIAS files; with ``dry_run``, count without writing."""
    files = [parsed for parsed in (establishments, links, groups) if parsed is not None]
    if not files:
        raise ApplicationError("Give at least one GIAS file to import.", code=GroupingError.GIAS_NOTHING_TO_IMPORT)
    refused = [parsed for parsed in files if parsed.rejections]
    if refused:
        total = sum(len(parsed.rejections) for parsed in refused)
        names = ", ".join(parsed.source for parsed in refused)
        raise ApplicationError(
            f"{total} row{'s' if total != 1 else ''} rejected in {names}; nothing was imported.",
            code=GroupingError.GIAS_ROWS_REJECTED,
        )
    now = timezone.now()
    with platform_context():  # one transaction for every write
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK])
        plans: dict[str, _Plan] = {}
        if groups is not None:
            plans["trusts"] = _plan(Trust, groups, key_fields=("uid",))
        if establishments is not None:
            plans["establishments"] = _plan(
                School,
                establishments,
                key_fields=("urn",),
                derived=ELIGIBILITY_FIELDS,
                derive=School.refresh_eligibility,
            )
        if links is not None:
            plans["links"] = _plan(SchoolLink, links, key_fields=("urn", "linked_urn", "link_type"))
        counts = {name: plan.counts() for name, plan in plans.items()}
        if groups is not None:
            counts["trusts"].skipped = sum(groups.skipped.values())
        report = ImportReport(
            establishments=counts.get("establishments"),
            links=counts.get("links"),
            trusts=counts.get("trusts"),
            dry_run=dry_run,
        )
        if dry_run or not report.changed:
            return report
        for name, plan in plans.items():
            _apply(plan, stamp=now if name == "establishments" else None)
        audit_record(
            actor=actor,
            tenant=None,
            verb=AuditVerb.SCHOOL_REGISTER_IMPORTED,
            object_type="groupings.school",
            label="GIAS import: " + ", ".join(parsed.source for parsed in files),
            after={name: asdict(numbers) for name, numbers in counts.items()},
        )
    return report


def _plan(
    model: type[_M],
    parsed: ParsedFile,
    *,
    key_fields: tuple[str, ...],
    derived: Sequence[str] = (),
    derive: Callable[[_M], None] | None = None,
) -> _Plan:
    """Which rows to create, which to update and how many are already as the file says.
    Only the fields the file has (and those derived from them) are compared and written."""
    existing = _load_existing(model, [row.values for row in parsed.rows], key_fields)
    tracked = [name for name in (*parsed.fields, *derived) if name not in key_fields]
    plan = _Plan(model=model, fields=tracked, create=[], update=[], unchanged=0)
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


def _apply(plan: _Plan, *, stamp: Any) -> None:
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
