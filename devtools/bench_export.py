#!/usr/bin/env python
"""B4: the auditor export of ~3,000,000 ledger legs, its peak memory and time, against
PostgreSQL's own ``COPY ... TO STDOUT`` of the same rows (docs/performance.md); and, with
``--national-database``, the same for the largest body of the national data set.

It works in a scratch database of its own (default ``ip_bench_audit``), created by the
owner role (which has CREATEDB) beside the app's database, migrated, and filled with one
body, one pool and N two-leg commitments inserted in batches by ``INSERT ... SELECT``
through the ledger's triggers (balance at commit, same body, open pool). The export runs in
a child process, so its peak resident memory (``ru_maxrss``) is its own. The database is
kept for the next run (``--drop`` removes it); an existing one with enough legs is reused.

``--national-database ip_bench`` also measures the export of the national data set's
largest body (the most legs) for its pool with the most legs, and COPY of the same rows,
reported as ``national_*``. That database is only read: never created, migrated, analysed
or dropped here.

    .venv/bin/python -m devtools.bench_export                  # 3,000,000 legs
    .venv/bin/python -m devtools.bench_export --legs 200000 --json /tmp/b4.json
    .venv/bin/python -m devtools.bench_export --national-database ip_bench --json /tmp/b4.json

From Python (``make bench``): ``run_benchmark(legs=3_000_000)`` returns the figures as a
dict. ``insert_synthetic_ledger`` is also what the export's tests use to make volume.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE = "ip_bench_audit"
BODY_SLUG = "bench-audit-trust"
PERIOD = "2026-27"
BATCH_TRANSACTIONS = 100_000
DEFAULT_LEGS = 3_000_000
MEMORY_LIMIT_MB = 300
COPY_RATIO_TARGET = 3.0


def insert_synthetic_ledger(
    cursor: Any, *, body_id: int, pool_id: int, school_ids: list[int], transactions: int, first: int = 1
) -> int:
    """Insert ``transactions`` balanced two-leg commitments (awards Dr, commitments Cr) into
    the pool, numbered from ``first``; returns the legs inserted. Runs as the caller's role
    inside the body's tenant context (row-level security applies) and through the ledger's
    triggers. Descriptions are user-like text, some starting with ``=``, ``+``, ``-`` or ``@``."""
    cursor.execute(
        """
        WITH accounts AS (
            SELECT max(id) FILTER (WHERE kind = 'awards') AS awards,
                   max(id) FILTER (WHERE kind = 'commitments') AS commitments
              FROM pooling_account WHERE pool_id = %(pool)s AND responsible_body_id = %(body)s
        ), txn AS (
            INSERT INTO pooling_transaction
                (responsible_body_id, pool_id, kind, posted_on, description, idempotency_key,
                 source_type, source_id, actor_label, created_at)
            SELECT %(body)s, %(pool)s, 'commitment', date '2026-04-01' + (g %% 365)::int,
                   (ARRAY['Award for case ', '=HYPERLINK(1) case ', '+case ', '-case ', '@case '])[1 + g %% 5]
                       || g::text,
                   'bench:' || g::text, 'award', g::text, 'bench@example.org', now()
              FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
            RETURNING id
        )
        INSERT INTO pooling_leg (responsible_body_id, transaction_id, account_id, amount_pence, school_id)
        SELECT %(body)s, txn.id, side.account_id, side.sign * (100 + (txn.id * 7919) %% 2500000),
               (%(schools)s::bigint[])[1 + txn.id %% %(n_schools)s]
          FROM txn CROSS JOIN accounts
          CROSS JOIN LATERAL (VALUES (accounts.awards, 1), (accounts.commitments, -1)) AS side(account_id, sign)
        """,
        {
            "body": body_id,
            "pool": pool_id,
            "first": first,
            "last": first + transactions - 1,
            "schools": school_ids,
            "n_schools": len(school_ids),
        },
    )
    inserted: int = cursor.rowcount
    return inserted


# --- The scratch database -----------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _environment(database: str) -> dict[str, str]:
    from config.settings.base import DEFAULT_OWNER_DATABASE_URL, DEFAULT_RUNTIME_DATABASE_URL

    env = dict(os.environ)
    env["DATABASE_URL"] = _with_database(os.environ.get("DATABASE_URL") or DEFAULT_RUNTIME_DATABASE_URL, database)
    env["DATABASE_OWNER_URL"] = _with_database(
        os.environ.get("DATABASE_OWNER_URL") or DEFAULT_OWNER_DATABASE_URL, database
    )
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env["BENCH_EXPORT_DATABASE"] = database
    return env


def _conninfo(url: str, dbname: str | None = None) -> str:
    import environ

    cfg = environ.Env.db_url_config(url)
    parts = {
        "host": cfg.get("HOST") or (cfg.get("OPTIONS") or {}).get("host", ""),
        "port": cfg.get("PORT") or "",
        "user": cfg.get("USER") or "",
        "password": cfg.get("PASSWORD") or "",
        "dbname": dbname or cfg.get("NAME") or "postgres",
    }
    return " ".join(f"{k}='{v}'" for k, v in parts.items() if v != "")


def create_database(database: str, *, drop_first: bool = False) -> bool:
    """Create the scratch database as the owner role; True if it was created now."""
    import psycopg
    from psycopg import sql

    owner_url = _environment(database)["DATABASE_OWNER_URL"]
    with psycopg.connect(_conninfo(owner_url, "postgres"), autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is not None
        if exists and drop_first:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database)))
            exists = False
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return not exists


def drop_database(database: str) -> None:
    import psycopg
    from psycopg import sql

    if database != DEFAULT_DATABASE and not database.startswith("ip_bench_"):
        raise SystemExit(f"Refusing to drop {database}: only ip_bench_* scratch databases.")
    owner_url = _environment(database)["DATABASE_OWNER_URL"]
    with psycopg.connect(_conninfo(owner_url, "postgres"), autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


def analyse(database: str) -> None:
    """ANALYZE the ledger as the owner, as autovacuum would soon after a load."""
    import psycopg

    owner_url = _environment(database)["DATABASE_OWNER_URL"]
    with psycopg.connect(_conninfo(owner_url, database), autocommit=True, connect_timeout=5) as conn:
        conn.execute("ANALYZE pooling_transaction, pooling_leg, pooling_account")


def _child(database: str, *args: str) -> dict[str, Any]:
    """Run this script in a child process against the scratch database; its last stdout
    line is JSON."""
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        env=_environment(database),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({completed.returncode}):\n{completed.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _migrate(database: str) -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"],
        env=_environment(database),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{completed.stderr[-4000:]}")


# --- Steps run in child processes (Django set up against the scratch database) ------------


def _setup_django() -> None:
    import django

    django.setup()


def step_fill(legs: int) -> dict[str, Any]:
    """Make sure the scratch database has a body, a pool and at least ``legs`` legs."""
    _setup_django()
    from datetime import date

    from django.db import connection

    from accounts.models import Membership, ResponsibleBody, Role, User
    from core.tenancy import platform_context, tenant_context
    from groupings.models import School
    from pooling.models import Leg, Pool
    from pooling.services.ledger import pool_open

    with platform_context():
        body, _ = ResponsibleBody.objects.get_or_create(
            slug=BODY_SLUG,
            defaults={
                "kind": ResponsibleBody.Kind.ACADEMY_TRUST,
                "legal_name": "Benchmark Audit Trust",
                "companies_house_number": "09999999",
                "accountable_officer_name": "Bench Officer",
            },
        )
        user, _ = User.objects.get_or_create(email="bench.finance@example.org")
        Membership.objects.get_or_create(user=user, responsible_body=body, role=Role.FINANCE_OFFICER)
        schools = list(School.objects.filter(urn__gte=990000, urn__lt=990200).values_list("id", flat=True))
        if len(schools) < 200:
            School.objects.bulk_create(
                [School(urn=990000 + n, name=f"Bench School {n}", la_code="999") for n in range(200)],
                ignore_conflicts=True,
            )
            schools = list(School.objects.filter(urn__gte=990000, urn__lt=990200).values_list("id", flat=True))
    with tenant_context(body):
        pool = Pool.objects.filter(label=PERIOD).first()
    if pool is None:
        pool = pool_open(actor=user, tenant=body, label=PERIOD)
    with tenant_context(body):
        have = Leg.objects.count()  # the body has this one pool
    started = time.perf_counter()
    next_number = have // 2 + 1
    while have < legs:
        batch = min(BATCH_TRANSACTIONS, (legs - have + 1) // 2)
        with tenant_context(body), connection.cursor() as cursor:
            have += insert_synthetic_ledger(
                cursor, body_id=body.pk, pool_id=pool.pk, school_ids=schools, transactions=batch, first=next_number
            )
        next_number += batch
    return {
        "body": body.slug,
        "legs": have,
        "fill_seconds": round(time.perf_counter() - started, 1),
        "today": date.today().isoformat(),
    }


def step_largest() -> dict[str, Any]:
    """The body with the most legs and its pool with the most legs (national data set)."""
    _setup_django()
    from django.db import connection

    from accounts.models import ResponsibleBody
    from core.tenancy import platform_context
    from pooling.models import Pool

    with platform_context(), connection.cursor() as cursor:
        cursor.execute(
            """
            WITH per_pool AS (
                SELECT t.responsible_body_id AS body, t.pool_id AS pool, count(*) AS legs
                  FROM pooling_leg l JOIN pooling_transaction t ON t.id = l.transaction_id
                 GROUP BY 1, 2
            )
            SELECT body, pool, legs FROM per_pool
             ORDER BY sum(legs) OVER (PARTITION BY body) DESC, legs DESC, body, pool
             LIMIT 1
            """
        )
        row = cursor.fetchone()
        if row is None:
            return {"found": False}
        body_id, pool_id, legs = row
        body = ResponsibleBody.objects.get(pk=body_id)
        pool = Pool.objects.get(pk=pool_id)
    return {"found": True, "body": body.slug, "period": pool.label, "legs": legs}


def step_export(out: str, body_slug: str = BODY_SLUG, period: str = PERIOD) -> dict[str, Any]:
    """Run the export to ``out`` and report time and this process's peak memory."""
    _setup_django()
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    from accounts.models import ResponsibleBody
    from assurance.auditor import auditor_export_write
    from core.tenancy import platform_context

    with platform_context():
        body = ResponsibleBody.objects.get(slug=body_slug)
    started = time.perf_counter()
    with open(out, "wb") as handle:
        result = auditor_export_write(tenant=body, period=period, out=handle, requested_by="bench")
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "export_seconds": round(seconds, 2),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "rss_before_export_mb": round(baseline_kb / 1024, 1),
        "rows": result.rows,
        "zip_bytes": os.path.getsize(out),
        "legs_csv_bytes": next(f.bytes for f in result.files if f.name == "ledger_legs.csv"),
    }


def step_copy(body_slug: str = BODY_SLUG, period: str = PERIOD) -> dict[str, Any]:
    """PostgreSQL's own ``COPY (same query) TO STDOUT`` of the legs file's rows, and of all
    the files' rows, read through psycopg and thrown away: the same queries as the export,
    without its neutralisation, in a transaction with the export's planner setting."""
    _setup_django()
    from django.db import connection

    from accounts.models import ResponsibleBody
    from assurance.auditor import auditor_export_pool, export_files, export_parameters
    from core.tenancy import platform_context, tenant_context

    with platform_context():
        body = ResponsibleBody.objects.get(slug=body_slug)
    pool = auditor_export_pool(tenant=body, period=period)
    params = export_parameters(tenant=body, pool=pool)
    timings: dict[str, float] = {}
    sizes: dict[str, int] = {}
    with tenant_context(body):
        raw = connection.connection
        raw.execute("SELECT set_config('enable_nestloop', 'off', true)")  # as the export's transaction
        for spec in export_files():
            started = time.perf_counter()
            size = 0
            with raw.cursor() as cursor:
                query = cursor.mogrify(spec.sql(), params)
                with cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                    for chunk in copy:
                        size += len(chunk)
            timings[spec.name] = time.perf_counter() - started
            sizes[spec.name] = size
    return {
        "copy_legs_seconds": round(timings["ledger_legs.csv"], 2),
        "copy_legs_bytes": sizes["ledger_legs.csv"],
        "copy_all_seconds": round(sum(timings.values()), 2),
    }


# --- The benchmark ----------------------------------------------------------------------------


def _judge(figures: dict[str, Any]) -> None:
    """Add the export's ratio to COPY (every file's query) and whether the targets are met."""
    copy_seconds = figures.get("copy_all_seconds") or 0
    figures["ratio_to_copy"] = round(figures["export_seconds"] / copy_seconds, 2) if copy_seconds else None
    figures["within_memory_limit"] = figures["peak_rss_mb"] < MEMORY_LIMIT_MB
    figures["within_copy_ratio"] = (
        figures["ratio_to_copy"] is not None and figures["ratio_to_copy"] <= COPY_RATIO_TARGET
    )


def run_scratch(*, legs: int, database: str, drop: bool) -> dict[str, Any]:
    """Create or reuse the scratch database, fill it to ``legs`` legs, export, COPY."""
    import tempfile

    created = create_database(database)
    _migrate(database)
    figures: dict[str, Any] = {"database": database, "created_database": created}
    figures.update(_child(database, "--step", "fill", "--legs", str(legs)))
    analyse(database)
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        figures.update(_child(database, "--step", "export", "--out", str(Path(folder) / "export.zip")))
    figures.update(_child(database, "--step", "copy"))
    _judge(figures)
    if drop:
        drop_database(database)
    return figures


def database_exists(database: str) -> bool:
    import psycopg

    owner_url = _environment(database)["DATABASE_OWNER_URL"]
    with psycopg.connect(_conninfo(owner_url, "postgres"), autocommit=True, connect_timeout=5) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is not None


def run_national(database: str) -> dict[str, Any]:
    """The export of the largest body's pool with the most legs in an existing database (only
    read), and COPY of the same rows; the figures' keys start ``national_``."""
    import tempfile

    if not database_exists(database):
        return {"national_database": database, "national_skipped": f"there is no database {database}"}
    largest = _child(database, "--step", "largest")
    if not largest["found"]:
        return {"national_database": database, "national_skipped": f"{database} has no ledger legs"}
    target = ["--body", largest["body"], "--period", largest["period"]]
    figures: dict[str, Any] = {"legs": largest["legs"], "body": largest["body"], "period": largest["period"]}
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        figures.update(_child(database, "--step", "export", "--out", str(Path(folder) / "export.zip"), *target))
    figures.update(_child(database, "--step", "copy", *target))
    _judge(figures)
    return {"national_database": database, **{f"national_{key}": value for key, value in figures.items()}}


def run_benchmark(
    *,
    legs: int = DEFAULT_LEGS,
    database: str = DEFAULT_DATABASE,
    drop: bool = False,
    national_database: str | None = None,
) -> dict[str, Any]:
    """The scratch measurement (``legs`` legs) and, if asked, the national one; the figures
    (and whether the targets are met) as one dict."""
    figures = run_scratch(legs=legs, database=database, drop=drop)
    figures["memory_limit_mb"] = MEMORY_LIMIT_MB
    figures["copy_ratio_target"] = COPY_RATIO_TARGET
    if national_database:
        figures.update(run_national(national_database))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--legs", type=int, default=DEFAULT_LEGS, help="ledger legs to export (default 3,000,000)")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="scratch database (default ip_bench_audit)")
    parser.add_argument("--drop", action="store_true", help="drop the scratch database afterwards")
    parser.add_argument(
        "--national-database", help="also export the largest body of this (existing, only read) database"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--step", choices=["fill", "export", "copy", "largest"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--body", default=BODY_SLUG, help=argparse.SUPPRESS)
    parser.add_argument("--period", default=PERIOD, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        if os.environ.get("BENCH_EXPORT_DATABASE") is None:
            parser.error("--step runs only as a child of the benchmark")
        step = {
            "fill": lambda: step_fill(args.legs),
            "export": lambda: step_export(args.out, args.body, args.period),
            "copy": lambda: step_copy(args.body, args.period),
            "largest": step_largest,
        }[args.step]
        print(json.dumps(step()))
        return 0
    figures = run_benchmark(
        legs=args.legs, database=args.database, drop=args.drop, national_database=args.national_database
    )
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    memory_ok = figures["within_memory_limit"] and figures.get("national_within_memory_limit", True)
    return 0 if memory_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
