"""B2, headroom against the raw SQL aggregate, and B3, concurrent commitments on a pool
that can fund half of them."""

from __future__ import annotations

import statistics
import threading
import time
from datetime import UTC, date, datetime
from typing import Any

# --- 3. B2 headroom ------------------------------------------------------------------------


def b2(body_id: int, pool_id: int, runs: int = 30) -> dict[str, Any]:
    """``pool_headroom`` against hand-written SQL over the same legs, in the same tenant
    context; the ratio is taken against the faster of two raw forms (a GROUP BY of the legs
    by account kind, and a sum per account as the selector does), so it measures the app's
    own overhead, not a choice of query."""
    from django.db import connection

    from accounts.models import ResponsibleBody
    from core.tenancy import tenant_context
    from pooling.models import Leg, Pool
    from pooling.selectors.ledger import pool_headroom

    raw_forms = {
        "group_by_kind": (
            "SELECT a.kind, sum(l.amount_pence) FROM pooling_leg l JOIN pooling_account a ON a.id = l.account_id "
            "WHERE l.responsible_body_id = %(body)s AND a.pool_id = %(pool)s GROUP BY a.kind"
        ),
        "sum_per_account": (
            "SELECT a.kind, (SELECT sum(l.amount_pence) FROM pooling_leg l WHERE l.responsible_body_id = %(body)s "
            "AND l.account_id = a.id) FROM pooling_account a WHERE a.pool_id = %(pool)s"
        ),
    }
    body = ResponsibleBody.objects.get(pk=body_id)
    timings: dict[str, list[float]] = {"app": [], **{name: [] for name in raw_forms}}
    with tenant_context(body):
        pool = Pool.objects.get(pk=pool_id)
        legs = Leg.objects.filter(account__pool=pool).count()
        for _ in range(runs):
            start = time.perf_counter()
            pool_headroom(tenant=body, pool=pool)
            timings["app"].append((time.perf_counter() - start) * 1000)
            for name, sql in raw_forms.items():
                start = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(sql, {"body": body_id, "pool": pool_id})
                    cursor.fetchall()
                timings[name].append((time.perf_counter() - start) * 1000)
    medians = {name: statistics.median(values) for name, values in timings.items()}
    app = medians["app"]
    raw = min(medians[name] for name in raw_forms)
    return {
        "pool_legs": legs,
        "app_median_ms": round(app, 2),
        "raw_sql_median_ms": round(raw, 2),
        "raw_sql_forms_median_ms": {name: round(medians[name], 2) for name in raw_forms},
        "ratio": round(app / raw, 2) if raw else None,
        "met": app <= 1.5 * raw and app < 50,
    }


# --- 4. B3 concurrent commitments ----------------------------------------------------------


def free_connections(margin: int = 5) -> int:
    """How many more connections PostgreSQL will take now (``max_connections`` less the
    superuser reserve, those open, and a margin)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int"
            " - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
        )
        free: int = cursor.fetchone()[0]
    return free - margin


def b3(threads: int | None = None) -> dict[str, Any]:
    """A fresh body and pool funded for exactly 50 commitments of £1,000; 100 requests
    raced over ``threads`` connections, each thread with its own: 100 if PostgreSQL has
    room, else as many as it will take now (here ``max_connections`` is 100 in all)."""
    from django.db import connections

    threads = threads or max(2, min(100, free_connections()))

    from accounts.models import ResponsibleBody
    from core.tenancy import platform_context, tenant_context
    from groupings.models import School
    from pooling.models import AccountKind
    from pooling.periods import period_of
    from pooling.selectors.ledger import pool_balances, pool_headroom
    from pooling.services.ledger import InsufficientHeadroom, LegSpec, commitment_post, pool_open, post

    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    with platform_context():
        body = ResponsibleBody.objects.create(
            kind="academy_trust", legal_name=f"Bench B3 {stamp}", slug=f"bench-b3-{stamp}",
            companies_house_number=f"B{stamp[-7:]}", accountable_officer_name="Bench",
        )  # fmt: skip
        school = School.objects.filter(is_imf_eligible=True).order_by("urn").first()
        assert school is not None
    amount = 1_000_00
    with tenant_context(body):
        pool = pool_open(actor=None, tenant=body, label=period_of(date.today()).label)
        post(
            actor=None, tenant=body, pool=pool, kind="contribution_expected", posted_on=pool.starts_on,
            description="B3 funding", idempotency_key=f"{body.pk}:b3:fund", source_type="bench", source_id="b3",
            legs=[LegSpec(AccountKind.CONTRIBUTIONS_RECEIVABLE, 50 * amount, school.pk),
                  LegSpec(AccountKind.CONTRIBUTIONS, -50 * amount, school.pk)],
        )  # fmt: skip
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def worker(indexes: list[int]) -> None:
        barrier.wait(timeout=60)
        for i in indexes:
            try:
                with tenant_context(body):
                    commitment_post(
                        actor=None, tenant=body, pool=pool, school_id=school.pk, amount_pence=amount,
                        source_type="award", source_id=f"b3-{i}", idempotency_key=f"{body.pk}:b3:{i}",
                        description=f"B3 award {i}",
                    )  # fmt: skip
                result = "ok"
            except InsufficientHeadroom:
                result = "short"
            except Exception as exc:  # noqa: BLE001 - every outcome is reported
                result = f"error:{exc!r}"[:200]
            with lock:
                outcomes.append(result)
        connections.close_all()

    workers = [threading.Thread(target=worker, args=(list(range(n, 100, threads)),)) for n in range(threads)]
    start = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=300)
    elapsed = time.perf_counter() - start
    with tenant_context(body):
        headroom = pool_headroom(tenant=body, pool=pool)
        balanced = sum(pool_balances(tenant=body, pool=pool).values()) == 0
    successes = outcomes.count("ok")
    overdrafts = max(0, -headroom.available_on_expected_pence) // amount
    return {
        "requests": len(outcomes),
        "connections": threads,
        "successes": successes,
        "refused_for_headroom": outcomes.count("short"),
        "errors": [o for o in outcomes if o.startswith("error")][:5],
        "overdrafts": overdrafts,
        "ledger_balances": balanced,
        "seconds": round(elapsed, 2),
        "commitments_per_s": round(len(outcomes) / elapsed, 1),
        "met": successes == 50 and overdrafts == 0 and len(outcomes) / elapsed >= 50,
    }
