"""The auditor export: for one body and funding period, a zip of CSV files and a manifest.

Files (UTF-8 with a byte-order mark, so spreadsheets read names correctly; one header row):

- ``ledger_transactions.csv`` and ``ledger_legs.csv``: the pool's double-entry ledger;
- ``decisions_register.csv``: decisions on the period's pool, and declined decisions made
  within its dates (a declined decision names no pool);
- ``awards.csv`` and ``instalments.csv``: awards on the pool and their instalments;
- ``payment_runs.csv`` and ``payment_run_lines.csv``;
- ``arrangements.csv``: the body's arrangements that overlap the period;
- ``audit_events.csv``: the body's audit trail for the period's dates (UK time), with hashes;
- ``manifest.json``: filters, generated-at, data as-at, row counts, SHA-256 and size of each
  CSV as stored in the zip, the app version.

No pupil-level data: cases appear by their reference only.

Each file is PostgreSQL's own ``COPY (query) TO STDOUT WITH (FORMAT csv)`` read through
psycopg a row at a time (PostgreSQL sends one message per row) into a deflated zip entry,
hashed on the way, so memory does not grow with the data and no row passes through Python
as values. Lines end with LF; a missing value (NULL) is an empty cell and an empty text is
``""``; yes/no columns read ``True`` or ``False``.

Formula neutralisation is done in that SQL, exactly as ``defusedcsv`` does it (so that a
spreadsheet does not run user text as a formula): a text cell whose first character is
``=``, ``+``, ``-``, ``@``, ``|`` or ``%`` and which is not a plain number (``-?[0-9,.]+``,
optionally followed by one newline) has every ``|`` escaped as ``\\|`` and is prefixed with
``'``. Numbers, yes/no and missing values are untouched. Which columns are text is read
from each query's result description, so a new text column is neutralised without anyone
remembering to.

Outside a transaction the export reads on its own connection, in one ``REPEATABLE READ
READ ONLY`` transaction, so every file shows the same instant ("data as at") while the
caller's connection stays free to record progress (also during a file). Inside a caller's
transaction (tests, a management shell) it reads in that transaction instead, and reports
progress between files only (the connection is busy during a COPY)."""

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

from django import forms
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone
from psycopg import Connection, IsolationLevel
from psycopg.postgres import types as pg_types

from accounts.models import ResponsibleBody
from accounts.policy import Action
from assurance.error_codes import AssuranceError
from core.errors import ApplicationError
from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case, Decision
from groupings.models import Arrangement, GroupingPolicy, School
from pooling.models import (
    Account,
    Instalment,
    InstalmentSchedule,
    Leg,
    PaymentRun,
    PaymentRunLine,
    Pool,
    Transaction,
)
from reports.jobs import ReportFailed, ReportJob
from reports.registry import ReportParametersForm, ReportType, register_report_type

PROGRESS_EVERY_ROWS = 50_000
MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 2  # 2: written by COPY (LF line ends, empty text as ""), neutralised in SQL

Progress = Callable[[int, str], None]


def _t(model: Any) -> str:
    table: str = model._meta.db_table
    return connection.ops.quote_name(table)


def _pounds(column: str) -> str:
    return f"(({column})::numeric / 100)::numeric(20, 2)::text"


def _utc(column: str) -> str:
    return f"""to_char(({column}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


@dataclass(frozen=True)
class ExportFile:
    name: str
    description: str
    columns: tuple[str, ...]
    select: str  # SELECT list (matching ``columns``) and FROM/WHERE, without ORDER BY
    order_by: str

    def sql(self) -> str:
        return f"SELECT {self.select} ORDER BY {self.order_by}"

    def count_sql(self) -> str:
        # Everything after the first top-level FROM (every select here has a plain FROM line).
        return "SELECT count(*) " + self.select[self.select.index("\nFROM ") :]

    def describe_sql(self) -> str:
        """No rows, only the columns' types (``cursor.description``) for ``copy_sql``."""
        return f"{self.sql()} LIMIT 0"

    def copy_sql(self, type_oids: list[int]) -> str:
        """``COPY`` of the query's rows as CSV, each cell as ``defusedcsv`` would write it;
        ``type_oids`` are the PostgreSQL types of the query's columns. PostgreSQL does not
        flatten a subquery that has an ORDER BY, so each column is computed once and the
        outer projection keeps the subquery's order."""
        if len(type_oids) != len(self.columns):
            raise ValueError(f"{self.name}: the query has {len(type_oids)} columns, the header {len(self.columns)}.")
        names = [f"c{n}" for n in range(len(self.columns))]
        cells = ", ".join(
            csv_cell(f"q.{name}", oid, column=f"{self.name} {column}")
            for name, oid, column in zip(names, type_oids, self.columns, strict=True)
        )
        query = f"SELECT {cells} FROM ({self.sql()}) AS q({', '.join(names)})"
        return f"COPY ({query}) TO STDOUT WITH (FORMAT csv, ENCODING 'UTF8')"


_TEXT_TYPES = frozenset(pg_types[name].oid for name in ("text", "varchar", "bpchar"))
_INTEGER_TYPES = frozenset(pg_types[name].oid for name in ("int2", "int4", "int8"))
_BOOL_TYPE = pg_types["bool"].oid


def neutralised_text(expression: str) -> str:
    """SQL for ``defusedcsv``'s escape of a text value: if it starts with a formula
    character and is not a plain number (Python's ``re.match("^-?[0-9,\\.]+$")``, whose
    ``$`` also matches before one final line feed), every ``|`` becomes ``\\|`` and ``'`` is
    prefixed; otherwise, and for NULL, the value is unchanged. The first-character test is
    the cheap one and comes first. For a query run with parameters (``%`` is written
    ``%%``)."""
    e = expression
    return (
        f"CASE WHEN left({e}, 1) IN ('@', '+', '-', '=', '|', '%%') AND {e} !~ '^-?[0-9,.]+\\n?$' "
        f"THEN '''' || replace({e}, '|', '\\|') ELSE {e} END"
    )


def csv_cell(expression: str, type_oid: int, *, column: str = "") -> str:
    """SQL for the text PostgreSQL's CSV output should carry for a column of this type, so
    that it reads back as the cell ``defusedcsv.writer`` writes for the value Python gets:
    text neutralised, booleans as Python's ``True``/``False``, integers as they are, NULL
    empty. Any other type is refused (``numeric`` too: Python writes ``1E-7`` where
    PostgreSQL writes ``0.0000001``): cast it to text or bigint in the query."""
    if type_oid in _TEXT_TYPES:
        return neutralised_text(expression)
    if type_oid == _BOOL_TYPE:
        return f"CASE WHEN {expression} THEN 'True' WHEN NOT {expression} THEN 'False' END"
    if type_oid in _INTEGER_TYPES:
        return expression
    info = pg_types.get(type_oid)
    raise TypeError(
        f"{column or expression}: no CSV rule for type {info.name if info else type_oid}; cast it to text in the query."
    )


def export_files() -> tuple[ExportFile, ...]:
    """The files of the export, in zip order. Parameters: ``body``, ``pool``, ``starts``,
    ``ends`` (dates) and ``from_ts``/``to_ts`` (the period's first and last instant)."""
    txn, leg, acc, school = _t(Transaction), _t(Leg), _t(Account), _t(School)
    dec, award, case, policy = _t(Decision), _t(Award), _t(Case), _t(GroupingPolicy)
    sched, inst, run, line = _t(InstalmentSchedule), _t(Instalment), _t(PaymentRun), _t(PaymentRunLine)
    arr, event = _t(Arrangement), _t(AuditEvent)
    return (
        ExportFile(
            "ledger_transactions.csv",
            "Every transaction posted to the pool: one balanced, immutable movement of money.",
            (
                "transaction_id",
                "posted_on",
                "kind",
                "description",
                "source_type",
                "source_id",
                "reverses_transaction_id",
                "idempotency_key",
                "posted_by",
                "created_at_utc",
                "total_debits_pence",
            ),
            f"""t.id, t.posted_on::text, t.kind, t.description, t.source_type, t.source_id, t.reverses_id,
                t.idempotency_key, t.actor_label, {_utc("t.created_at")}, coalesce(d.debits, 0)::bigint
            \nFROM {txn} t LEFT JOIN (
                    SELECT l.transaction_id, sum(l.amount_pence) FILTER (WHERE l.amount_pence > 0) AS debits
                      FROM {leg} l JOIN {txn} lt ON lt.id = l.transaction_id
                     WHERE lt.responsible_body_id = %(body)s AND lt.pool_id = %(pool)s
                     GROUP BY l.transaction_id
                ) d ON d.transaction_id = t.id
               WHERE t.responsible_body_id = %(body)s AND t.pool_id = %(pool)s""",
            "t.id",
        ),
        ExportFile(
            "ledger_legs.csv",
            "Every leg of those transactions (debit positive, credit negative); each transaction's legs sum to 0.",
            (
                "leg_id",
                "transaction_id",
                "posted_on",
                "transaction_kind",
                "account",
                "nominal_code",
                "cost_centre",
                "amount_pence",
                "amount_pounds",
                "school_urn",
            ),
            f"""l.id, l.transaction_id, t.posted_on::text, t.kind, a.kind, a.nominal_code, a.cost_centre,
                l.amount_pence, {_pounds("l.amount_pence")}, s.urn
            \nFROM {leg} l JOIN {txn} t ON t.id = l.transaction_id JOIN {acc} a ON a.id = l.account_id
                LEFT JOIN {school} s ON s.id = l.school_id
               WHERE t.responsible_body_id = %(body)s AND t.pool_id = %(pool)s""",
            "l.id",
        ),
        ExportFile(
            "decisions_register.csv",
            "Decisions on the pool's cases, with the officer, criteria, reasons and policy version in force.",
            (
                "decision_id",
                "decided_at_utc",
                "case_reference",
                "school_urn",
                "school_name",
                "officer",
                "outcome",
                "amount_pence",
                "amount_pounds",
                "frequency",
                "starts_on",
                "ends_on",
                "review_on",
                "criteria_met",
                "reasons",
                "conditions",
                "policy_version",
                "is_reconsideration",
                "used_urgent_reserve",
                "award_id",
            ),
            f"""d.id, {_utc("d.decided_at")}, c.reference, s.urn, s.name, d.officer_label, d.outcome,
                d.amount_pence, {_pounds("d.amount_pence")}, d.frequency, d.starts_on::text, d.ends_on::text,
                d.review_on::text, array_to_string(d.criteria_met, '; '), d.reasons, d.conditions, p.version,
                d.is_reconsideration, d.used_reserve, aw.id
            \nFROM {dec} d JOIN {case} c ON c.id = d.case_id JOIN {school} s ON s.id = c.school_id
                JOIN {policy} p ON p.id = d.policy_id
                LEFT JOIN {award} aw ON aw.decision_id = d.id AND aw.responsible_body_id = %(body)s
               WHERE d.responsible_body_id = %(body)s AND c.responsible_body_id = %(body)s
                 AND (d.pool_id = %(pool)s
                      OR (d.pool_id IS NULL AND d.decided_at >= %(from_ts)s AND d.decided_at < %(to_ts)s))""",
            "d.decided_at, d.id",
        ),
        ExportFile(
            "awards.csv",
            "Awards committed to the pool (source_type 'award' and this id in the ledger).",
            (
                "award_id",
                "decision_id",
                "case_reference",
                "school_urn",
                "school_name",
                "amount_pence",
                "amount_pounds",
                "status",
                "ended_on",
                "created_at_utc",
            ),
            f"""aw.id, aw.decision_id, c.reference, s.urn, s.name, aw.amount_pence, {_pounds("aw.amount_pence")},
                aw.status, aw.ended_on::text, {_utc("aw.created_at")}
            \nFROM {award} aw JOIN {case} c ON c.id = aw.case_id JOIN {school} s ON s.id = aw.school_id
               WHERE aw.responsible_body_id = %(body)s AND aw.pool_id = %(pool)s""",
            "aw.id",
        ),
        ExportFile(
            "instalments.csv",
            "Planned and paid instalments of the pool's commitments.",
            (
                "instalment_id",
                "schedule_id",
                "source_type",
                "source_id",
                "school_urn",
                "frequency",
                "due_on",
                "amount_pence",
                "amount_pounds",
                "status",
                "payment_run_id",
            ),
            f"""i.id, i.schedule_id, sc.source_type, sc.source_id, s.urn, sc.frequency, i.due_on::text,
                i.amount_pence, {_pounds("i.amount_pence")}, i.status, i.payment_run_id
            \nFROM {inst} i JOIN {sched} sc ON sc.id = i.schedule_id JOIN {school} s ON s.id = sc.school_id
               WHERE i.responsible_body_id = %(body)s AND sc.responsible_body_id = %(body)s
                 AND sc.pool_id = %(pool)s""",
            "i.schedule_id, i.due_on, i.id",
        ),
        ExportFile(
            "payment_runs.csv",
            "Payment runs of the pool: who prepared and who confirmed each.",
            (
                "payment_run_id",
                "due_up_to",
                "pay_on",
                "status",
                "total_pence",
                "total_pounds",
                "created_by",
                "confirmed_by",
                "confirmed_at_utc",
                "created_at_utc",
            ),
            f"""r.id, r.due_up_to::text, r.pay_on::text, r.status, r.total_pence, {_pounds("r.total_pence")},
                r.created_by_label, r.confirmed_by_label, {_utc("r.confirmed_at")}, {_utc("r.created_at")}
            \nFROM {run} r WHERE r.responsible_body_id = %(body)s AND r.pool_id = %(pool)s""",
            "r.id",
        ),
        ExportFile(
            "payment_run_lines.csv",
            "Each school's total in each payment run.",
            ("line_id", "payment_run_id", "school_urn", "school_name", "amount_pence", "amount_pounds"),
            f"""pl.id, pl.payment_run_id, s.urn, s.name, pl.amount_pence, {_pounds("pl.amount_pence")}
            \nFROM {line} pl JOIN {run} r ON r.id = pl.payment_run_id JOIN {school} s ON s.id = pl.school_id
               WHERE pl.responsible_body_id = %(body)s AND r.responsible_body_id = %(body)s AND r.pool_id = %(pool)s""",
            "pl.payment_run_id, pl.id",
        ),
        ExportFile(
            "arrangements.csv",
            "The body's arrangements (schools in its grouping) that overlap the period.",
            (
                "arrangement_id",
                "school_urn",
                "school_name",
                "basis",
                "status",
                "counterparty",
                "agreement_reference",
                "start_date",
                "end_date",
                "notice_given_on",
                "pooled_share_override_bp",
                "policy_version",
                "proposed_by",
                "approved_at_utc",
            ),
            f"""ar.id, s.urn, s.name, ar.basis, ar.status, ar.counterparty, ar.agreement_reference,
                ar.start_date::text, ar.end_date::text, ar.notice_given_on::text, ar.pooled_share_override_bp,
                p.version, ar.proposed_by_label, {_utc("ar.approved_at")}
            \nFROM {arr} ar JOIN {school} s ON s.id = ar.school_id LEFT JOIN {policy} p ON p.id = ar.policy_id
               WHERE ar.responsible_body_id = %(body)s AND ar.start_date <= %(ends)s
                 AND (ar.end_date IS NULL OR ar.end_date >= %(starts)s)""",
            "s.urn, ar.start_date, ar.id",
        ),
        ExportFile(
            "audit_events.csv",
            "The body's audit trail for the period (hash-chained: each event's prev_hash is the previous hash).",
            (
                "event_id",
                "created_at_utc",
                "actor",
                "verb",
                "object_type",
                "object_id",
                "object_label",
                "before_json",
                "after_json",
                "request_id",
                "ip_address",
                "prev_hash",
                "hash",
            ),
            f"""e.id, {_utc("e.created_at")}, e.actor_label, e.verb, e.object_type, e.object_id, e.object_label,
                e.before::text, e.after::text, e.request_id, host(e.ip_address), e.prev_hash, e.hash
            \nFROM {event} e WHERE e.responsible_body_id = %(body)s
                 AND e.created_at >= %(from_ts)s AND e.created_at < %(to_ts)s""",
            "e.id",
        ),
    )


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


# --- The report type (reports) ---------------------------------------------------

REPORT_KEY = "auditor_export"


class AuditorExportForm(ReportParametersForm):
    def __init__(self, *args: Any, tenant: ResponsibleBody, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        labels = list(Pool.objects.for_tenant(tenant).order_by("-starts_on").values_list("label", flat=True))
        self.fields["period"] = forms.ChoiceField(
            label="Funding period",
            choices=[(label, label) for label in labels],
            error_messages={
                "required": "Choose a funding period",
                "invalid_choice": "Choose a funding period this body has a pool for",
            },
        )

    def describe(self) -> str:
        return f"funding period {self.cleaned_data['period']}"


def build_auditor_export(job: ReportJob) -> None:
    """The report-run builder: the zip is written a piece at a time to the job's file."""
    period = str(job.parameters.get("period", ""))
    name = f"auditor-export-{job.tenant.slug}-{period}.zip"
    try:
        with job.open_file(name, "application/zip") as handle:
            auditor_export_write(
                tenant=job.tenant,
                period=period,
                out=handle,
                requested_by=job.run.requested_by_label,
                progress=job.progress,
            )
    except ApplicationError as exc:
        raise ReportFailed(exc.message) from exc


def register_auditor_export() -> None:
    register_report_type(
        ReportType(
            key=REPORT_KEY,
            label="Auditor export",
            description=(
                "For auditors: the period's ledger transactions and legs, decisions register, awards and "
                "instalments, payment runs, arrangements and audit trail as CSV files in a zip, with a manifest "
                "of row counts and SHA-256 checksums."
            ),
            builder=build_auditor_export,
            form_class=AuditorExportForm,
            action=Action.EXPORT_AUDIT,
            step_up=True,
        )
    )
