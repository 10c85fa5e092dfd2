#!/usr/bin/env python
"""B8 (B6 before issue 22): a payment run for 2,000 schools posted as one ledger transaction (issue 14, item 6).

The run's "payable" posting (Dr commitments / Cr payable to schools, one leg pair per
school: 4,000 legs) goes through ``pooling.services.ledger.post`` and is committed, so the
deferred balance check, the per-leg body/open-pool trigger and row-level security all run;
the time is from the call to the end of COMMIT. The comparison is PostgreSQL's own
``INSERT ... SELECT`` of the same transaction and legs, committed through the same
triggers. Target: ≤ 2 s.

It works in a scratch database of its own (default ``ip_bench_ledger``, created by the
owner role and migrated; kept for the next run, ``--drop`` removes it). Each run posts
into a new transaction key, so repeated runs measure the same thing.

    .venv/bin/python devtools/bench_ledger.py [--schools 2000] [--json /tmp/b8.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from devtools import bench_export  # noqa: E402 - the scratch-database helpers

DEFAULT_DATABASE = "ip_bench_ledger"
BODY_SLUG = "bench-ledger-la"
PERIOD = "2026-27"
TARGET_SECONDS = 2.0


def step_post(schools: int) -> dict[str, Any]:
    """In the scratch database (Django set up against it): post the run and the raw insert."""
    import django

    django.setup()
    from django.db import connection, transaction

    from accounts.models import ResponsibleBody, User
    from core.tenancy import platform_context, tenant_context
    from groupings.models import School
    from pooling.models import Account, AccountKind, Pool
    from pooling.services.ledger import LegSpec, pool_open, post

    with platform_context():
        body, _ = ResponsibleBody.objects.get_or_create(
            slug=BODY_SLUG,
            defaults={
                "kind": ResponsibleBody.Kind.LOCAL_AUTHORITY,
                "legal_name": "Benchmark Ledger Council",
                "la_code": "998",
                "accountable_officer_name": "Bench Officer",
            },
        )
        user, _ = User.objects.get_or_create(email="bench.ledger@example.org")
        School.objects.bulk_create(
            [School(urn=980000 + n, name=f"Bench Ledger School {n}", la_code="998") for n in range(schools)],
            ignore_conflicts=True,
        )
        register = School.objects.filter(urn__gte=980000, urn__lt=980000 + schools).order_by("urn")
        school_ids = list(register.values_list("id", flat=True))
    with tenant_context(body):
        pool = Pool.objects.filter(label=PERIOD).first()
    if pool is None:
        pool = pool_open(actor=None, tenant=body, label=PERIOD)
    run_key = uuid.uuid4().hex[:12]
    legs = [
        leg
        for n, school_id in enumerate(school_ids)
        for leg in (
            LegSpec(AccountKind.COMMITMENTS, 10_000 + n, school_id),
            LegSpec(AccountKind.PAYABLE_TO_SCHOOLS, -(10_000 + n), school_id),
        )
    ]
    started = time.perf_counter()
    with transaction.atomic():  # committed at the end of the block: the deferred check runs
        post(
            actor=user,
            tenant=body,
            pool=pool,
            kind="payable",
            posted_on=pool.starts_on,
            description=f"Bench payment run {run_key}: {schools} schools",
            idempotency_key=f"{body.pk}:bench-run:{run_key}:payable",
            source_type="payment_run",
            source_id=run_key,
            legs=legs,
        )
    service_seconds = time.perf_counter() - started
    with tenant_context(body):
        accounts = dict(Account.objects.filter(pool=pool).values_list("kind", "pk"))
    started = time.perf_counter()
    with transaction.atomic(), tenant_context(body), connection.cursor() as cursor:
        cursor.execute(
            """
            WITH txn AS (
                INSERT INTO pooling_transaction (responsible_body_id, pool_id, kind, posted_on, description,
                    idempotency_key, source_type, source_id, actor_label, created_at)
                VALUES (%(body)s, %(pool)s, 'payable', %(day)s, 'Bench raw insert', %(key)s, 'bench', %(key)s,
                    'bench', now())
                RETURNING id
            )
            INSERT INTO pooling_leg (responsible_body_id, transaction_id, account_id, amount_pence, school_id)
            SELECT %(body)s, txn.id, side.account_id, side.sign * (10000 + s.n - 1), s.school_id
              FROM txn CROSS JOIN unnest(%(schools)s::bigint[]) WITH ORDINALITY AS s(school_id, n)
              CROSS JOIN (VALUES (%(debit)s::bigint, 1), (%(credit)s::bigint, -1)) AS side(account_id, sign)
            """,
            {
                "body": body.pk,
                "pool": pool.pk,
                "day": pool.starts_on,
                "key": f"{body.pk}:bench-raw:{run_key}",
                "schools": school_ids,
                "debit": accounts[AccountKind.COMMITMENTS],
                "credit": accounts[AccountKind.PAYABLE_TO_SCHOOLS],
            },
        )
    raw_seconds = time.perf_counter() - started
    return {
        "schools": len(school_ids),
        "legs": len(legs),
        "service_seconds": round(service_seconds, 3),
        "raw_insert_seconds": round(raw_seconds, 3),
    }


def run_benchmark(*, schools: int = 2000, database: str = DEFAULT_DATABASE, drop: bool = False) -> dict[str, Any]:
    created = bench_export.create_database(database)
    bench_export._migrate(database)
    figures: dict[str, Any] = {"database": database, "created_database": created}
    figures.update(_child(database, schools))
    figures["target_seconds"] = TARGET_SECONDS
    raw = figures["raw_insert_seconds"]
    figures["ratio_to_raw_insert"] = round(figures["service_seconds"] / raw, 2) if raw else None
    figures["met"] = figures["service_seconds"] <= TARGET_SECONDS
    if drop:
        bench_export.drop_database(database)
    return figures


def _child(database: str, schools: int) -> dict[str, Any]:
    import subprocess

    env = bench_export._environment(database) | {"BENCH_LEDGER_DATABASE": database}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--step", "--schools", str(schools)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the ledger bench step failed ({done.returncode}):\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=2000)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--drop", action="store_true", help="drop the scratch database afterwards")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--step", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        if os.environ.get("BENCH_LEDGER_DATABASE") is None:
            parser.error("--step runs only as a child of the benchmark")
        print(json.dumps(step_post(args.schools)))
        return 0
    figures = run_benchmark(schools=args.schools, database=args.database, drop=args.drop)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
