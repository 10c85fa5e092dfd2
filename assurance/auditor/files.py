"""What the auditor export writes: each CSV file's query (``export_files``), and the SQL
that neutralises formula-like text exactly as ``defusedcsv`` does (``neutralised_text``,
``csv_cell``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from psycopg.postgres import types as pg_types

from core.models import AuditEvent
from exceptional_resource.models import Award, Case, Decision
from groupings.models import Arrangement, GroupingPolicy, School
from pooling.models import (
    Account,
    Instalment,
    InstalmentSchedule,
    Leg,
    Payee,
    PaymentRun,
    PaymentRunLine,
    Transaction,
)


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
    arr, event, payee = _t(Arrangement), _t(AuditEvent), _t(Payee)
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
            "Planned and paid instalments of the pool's commitments: status scheduled, in_payment_run (confirmed), "
            "sent_to_bank, paid (its run paid) or released.",
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
                i.amount_pence, {_pounds("i.amount_pence")},
                CASE WHEN i.status <> 'paid' THEN i.status WHEN r.status = 'paid' THEN 'paid'
                     WHEN r.status = 'sent' THEN 'sent_to_bank' ELSE 'in_payment_run' END, i.payment_run_id
            \nFROM {inst} i JOIN {sched} sc ON sc.id = i.schedule_id JOIN {school} s ON s.id = sc.school_id
               LEFT JOIN {run} r ON r.id = i.payment_run_id
               WHERE i.responsible_body_id = %(body)s AND sc.responsible_body_id = %(body)s
                 AND sc.pool_id = %(pool)s""",
            "i.schedule_id, i.due_on, i.id",
        ),
        ExportFile(
            "payment_runs.csv",
            "Payment runs of the pool: who prepared, confirmed and sent each to the bank, and when it was paid.",
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
                "sent_by",
                "sent_at_utc",
                "paid_on",
                "paid_by",
            ),
            f"""r.id, r.due_up_to::text, r.pay_on::text, r.status, r.total_pence, {_pounds("r.total_pence")},
                r.created_by_label, r.confirmed_by_label, {_utc("r.confirmed_at")}, {_utc("r.created_at")},
                r.sent_by_label, {_utc("r.sent_at")}, r.paid_on::text, r.paid_by_label
            \nFROM {run} r WHERE r.responsible_body_id = %(body)s AND r.pool_id = %(pool)s""",
            "r.id",
        ),
        ExportFile(
            "payment_run_lines.csv",
            "Each school's total in each payment run, and each other payee's (an employer or provider paid "
            "directly: no URN).",
            ("line_id", "payment_run_id", "school_urn", "school_name", "amount_pence", "amount_pounds", "payee_name"),
            f"""pl.id, pl.payment_run_id, s.urn, coalesce(s.name, p.name), pl.amount_pence,
                {_pounds("pl.amount_pence")}, coalesce(p.name, '')
            \nFROM {line} pl JOIN {run} r ON r.id = pl.payment_run_id LEFT JOIN {school} s ON s.id = pl.school_id
                LEFT JOIN {payee} p ON p.id = pl.payee_id
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
