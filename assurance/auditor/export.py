"""Writing the auditor export: the zip of CSVs streamed by ``COPY ... TO STDOUT`` a file at a
time, hashed on the way, and its manifest (``auditor_export_write``), read on its own
``REPEATABLE READ READ ONLY`` connection outside a transaction."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import IO, Any, NamedTuple

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone
from psycopg import Connection, IsolationLevel

from accounts.models import ResponsibleBody
from assurance.auditor.files import ExportFile, export_files
from assurance.error_codes import AssuranceError
from core.errors import ApplicationError
from core.tenancy import tenant_context
from pooling.models import (
    Pool,
)

PROGRESS_EVERY_ROWS = 50_000
MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 2  # 2: written by COPY (LF line ends, empty text as ""), neutralised in SQL

Progress = Callable[[int, str], None]


@dataclass
class FileRecord:
    name: str
    description: str
    columns: tuple[str, ...]
    rows: int = 0
    bytes: int = 0
    sha256: str = ""


@dataclass
class ExportResult:
    manifest: dict[str, Any]
    files: list[FileRecord] = field(default_factory=list)

    @property
    def rows(self) -> dict[str, int]:
        return {f.name: f.rows for f in self.files}


def auditor_export_pool(*, tenant: ResponsibleBody, period: str) -> Pool:
    """The body's pool for a funding period label ("2026-27"), or a clear error."""
    label = (period or "").strip()
    with tenant_context(tenant):
        pool = Pool.objects.for_tenant(tenant).filter(label=label).first()
        if pool is None:
            known = ", ".join(Pool.objects.for_tenant(tenant).order_by("-starts_on").values_list("label", flat=True))
            raise ApplicationError(
                f"There is no pool for the period '{label}'." + (f" Periods with a pool: {known}." if known else ""),
                code=AssuranceError.UNKNOWN_PERIOD,
                field="period",
            )
    return pool


def export_parameters(*, tenant: ResponsibleBody, pool: Pool) -> dict[str, Any]:
    """The query parameters of every file: the body, the pool, and the period's dates and
    its first and last instant in UK time."""
    zone = timezone.get_default_timezone()
    return {
        "body": tenant.pk,
        "pool": pool.pk,
        "starts": pool.starts_on,
        "ends": pool.ends_on,
        "from_ts": datetime.combine(pool.starts_on, time.min, tzinfo=zone),
        "to_ts": datetime.combine(pool.ends_on + timedelta(days=1), time.min, tzinfo=zone),
    }


def auditor_export_write(
    *,
    tenant: ResponsibleBody,
    period: str,
    out: IO[bytes],
    requested_by: str = "",
    progress: Progress | None = None,
) -> ExportResult:
    """Write the export for ``tenant``'s pool of ``period`` as a zip to ``out`` (a binary
    file object; it need not be seekable). Returns the manifest and each file's figures."""
    pool = auditor_export_pool(tenant=tenant, period=period)
    params = export_parameters(tenant=tenant, pool=pool)
    files = export_files()
    report = progress or (lambda percent, note: None)
    result = ExportResult(manifest={})
    with _reading_connection(tenant.pk) as reading:
        db = reading.db
        counts = [_scalar(db, f.count_sql(), params) for f in files]
        total = max(1, sum(counts))
        done = 0
        with zipfile.ZipFile(out, mode="w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            for spec, expected in zip(files, counts, strict=True):
                report(int(90 * done / total), f"Writing {spec.name} ({expected:,} rows)")
                record = FileRecord(spec.name, spec.description, spec.columns)

                def tick(rows: int, *, spec: ExportFile = spec, before: int = done) -> None:
                    report(int(90 * (before + rows) / total), f"Writing {spec.name}: {rows:,} rows")

                _write_csv(archive, db, spec, params, record, None if reading.shared else tick)
                if record.rows != expected:  # cannot happen inside one snapshot; say so loudly if it does
                    raise RuntimeError(f"{spec.name}: counted {expected} rows but wrote {record.rows}.")
                result.files.append(record)
                done += record.rows
            result.manifest = _manifest(
                tenant=tenant,
                pool=pool,
                as_at=reading.as_at,
                isolation=reading.consistency,
                requested_by=requested_by,
                files=result.files,
            )
            archive.writestr(MANIFEST_NAME, json.dumps(result.manifest, indent=2, ensure_ascii=False) + "\n")
    report(100, "Export written")
    return result


def _manifest(
    *, tenant: ResponsibleBody, pool: Pool, as_at: datetime, isolation: str, requested_by: str, files: list[FileRecord]
) -> dict[str, Any]:
    return {
        "report": "auditor_export",
        "format_version": FORMAT_VERSION,
        "app_version": settings.APP_VERSION,
        "responsible_body": {"id": tenant.pk, "slug": tenant.slug, "name": tenant.legal_name},
        "filters": {
            "period": pool.label,
            "pool_id": pool.pk,
            "period_starts_on": pool.starts_on.isoformat(),
            "period_ends_on": pool.ends_on.isoformat(),
            "audit_events_between": f"{pool.starts_on.isoformat()} 00:00 and {pool.ends_on.isoformat()} 24:00 UK time",
        },
        "requested_by": requested_by,
        "generated_at": timezone.now().astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data_as_at": as_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "consistency": isolation,
        "encoding": (
            "UTF-8 with byte-order mark; one header row; CSV as PostgreSQL's COPY writes it: comma-separated, "
            "a cell holding a comma, a double quote or a line break in double quotes (a double quote doubled), "
            'lines ending in LF; a missing value is an empty cell and an empty text is ""; yes/no columns read '
            "True or False"
        ),
        "formula_neutralisation": (
            "as defusedcsv does it, done in SQL: a text cell starting with = + - @ | or % that is not a plain "
            "number (-?[0-9,.]+, optionally followed by one line feed) has every | written as \\| and is prefixed "
            "with '; numbers, yes/no and missing values are left as they are"
        ),
        "files": [
            {
                "name": f.name,
                "description": f.description,
                "columns": list(f.columns),
                "rows": f.rows,
                "bytes": f.bytes,
                "sha256": f.sha256,
            }
            for f in files
        ],
    }


class _HashingSink(io.RawIOBase):
    """Passes bytes on to ``target`` while hashing and counting them."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.digest.update(chunk)
        self.size += len(chunk)
        self.target.write(chunk)
        return len(chunk)


def _write_csv(
    archive: zipfile.ZipFile,
    db: Connection[Any],
    spec: ExportFile,
    params: dict[str, Any],
    record: FileRecord,
    tick: Callable[[int], None] | None,
) -> None:
    """COPY the file's rows into its zip entry after the byte-order mark and header row;
    ``tick``, if the connection is free for it during the COPY, hears every
    ``PROGRESS_EVERY_ROWS`` rows."""
    with db.cursor() as cursor:
        cursor.execute(spec.describe_sql(), params)
        types = [column.type_code for column in cursor.description or ()]
    with archive.open(spec.name, mode="w", force_zip64=True) as entry, db.cursor() as cursor:
        sink = _HashingSink(entry)
        buffered = io.BufferedWriter(sink, buffer_size=1 << 16)
        buffered.write(("\N{BYTE ORDER MARK}" + ",".join(spec.columns) + "\n").encode())
        received = 0
        with cursor.copy(spec.copy_sql(types), params) as copy:
            for row in copy:  # PostgreSQL sends a COPY's data one row per message
                buffered.write(row)
                received += 1
                if tick is not None and received % PROGRESS_EVERY_ROWS == 0:
                    tick(received)
        buffered.flush()
        record.rows = cursor.rowcount  # from the COPY's command tag, "COPY n"
        record.bytes = sink.size
        record.sha256 = sink.digest.hexdigest()


def _scalar(db: Connection[Any], sql: str, params: dict[str, Any]) -> int:
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


class _Reading(NamedTuple):
    db: Connection[Any]
    as_at: datetime
    consistency: str
    shared: bool  # the caller's connection, busy during a COPY: no progress then


@contextmanager
def _reading_connection(tenant_id: int) -> Iterator[_Reading]:
    """A psycopg connection to read the export through, the data's as-at instant and how
    consistent the files are with each other."""
    if connection.in_atomic_block:
        with tenant_context(tenant_id):
            connection.ensure_connection()
            raw: Connection[Any] = connection.connection
            previous = _bulk_plans(raw)
            try:
                yield _Reading(raw, _transaction_start(raw), "the caller's transaction", shared=True)
            finally:
                if not connection.needs_rollback:
                    raw.execute("SELECT set_config('enable_nestloop', %s, true)", [previous])
        return
    wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        wrapper.ensure_connection()
        own: Connection[Any] = wrapper.connection
        own.autocommit = True
        own.isolation_level = IsolationLevel.REPEATABLE_READ
        own.read_only = True
        with own.transaction():
            own.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id)])
            _bulk_plans(own)
            yield _Reading(own, _transaction_start(own), "one REPEATABLE READ snapshot for every file", shared=False)
    finally:
        wrapper.close()


def _bulk_plans(db: Connection[Any]) -> str:
    """Every file reads all of its rows, so hash and merge joins are right whatever the
    table statistics say. Straight after a bulk load, before autovacuum has analysed the
    tables, the planner otherwise picks nested loops that cost rows x rows (100,000 legs:
    minutes instead of a second). Returns the previous setting."""
    row = db.execute("SELECT current_setting('enable_nestloop'), set_config('enable_nestloop', 'off', true)").fetchone()
    assert row is not None
    return str(row[0])


def _transaction_start(db: Connection[Any]) -> datetime:
    with db.cursor() as cursor:
        cursor.execute("SELECT transaction_timestamp()")
        row = cursor.fetchone()
    assert row is not None
    value: datetime = row[0]
    return value
