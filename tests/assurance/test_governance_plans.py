"""The pack's ledger reads (balances as at the period end, the pool's legs, payments made,
the award check) reach the ledger by its indexes whatever the planner believes of the
tables' sizes.

A long test run (the bare-machine ``make test`` on an embedded PostgreSQL 18) left the
ledger tables analysed while they held only rows of rolled-back tests: statistics that
count them as empty (pages, no live rows), so the planner thought the demo data set loaded
in the test's transaction was one row per table. The award check's old shape (legs joined
to their transactions and what those reverse) was then planned as a walk of every leg with,
for each, a walk of the award transactions: 88-96 s per query, past the statement timeout.
Here the same statistics are made on purpose: ANALYZE run by another connection while the
data is uncommitted, as autovacuum does."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ResponsibleBody
from assurance.governance.gather import ledger_rows
from assurance.governance.subledgers import award_checks, payment_checks
from core.tenancy import platform_context, tenant_context
from pooling.models import Leg, Pool, Transaction
from pooling.selectors import pool_balances
from tests.plans_support import analyse_now, analysed_while_uncommitted, repeated_walks

# Tables that grow with every posting: a scan of one repeated per outer row must be a
# lookup by key (an index condition), and all its loops together read no more rows than
# the ledger holds. A walk of a table per outer row reads it many times over.
LEDGER = {Leg._meta.db_table, Transaction._meta.db_table}
TIMEOUT = "10s"  # generous: the check takes milliseconds when its plan is right


@pytest.mark.django_db
def test_the_packs_ledger_reads_go_by_index_when_statistics_count_the_ledger_as_empty() -> None:
    from devtools.synthetic import generate

    as_of = date(2026, 11, 28)
    with analysed_while_uncommitted():
        generate(scale="demo", seed=1, as_of=as_of)
        stats = analyse_now(LEDGER)
        # The statistics of the failing runs: pages, and not one live row.
        assert all(pages > 0 and tuples == 0 for pages, tuples in stats.values()), stats
        with platform_context():
            ledger_size = Leg.objects.count() + Transaction.objects.count()
            pools = list(Pool.objects.filter(starts_on__lte=as_of).order_by("pk").values_list("pk", "responsible_body"))
        assert len(pools) >= 6
        with connection.cursor() as cursor:  # until the block's savepoint is rolled back
            cursor.execute(f"SET LOCAL statement_timeout = '{TIMEOUT}'")
        awarded = paid = explained = 0
        for pool_id, body_id in pools:
            body = ResponsibleBody.objects.get(pk=body_id)
            with tenant_context(body):
                pool = Pool.objects.get(pk=pool_id)
                period_end = min(pool.ends_on, as_of)
                with CaptureQueriesContext(connection) as queries:
                    balances = pool_balances(tenant=body, pool=pool, as_at=period_end)
                    assert ledger_rows(pool, period_end)
                    payments = payment_checks(pool=pool, period_end=period_end, balances=balances)
                    awards = award_checks(pool=pool)
                assert [c for c in [*payments, *awards] if not c.ok] == [], (body.slug, pool.label)
                paid += payments[0].pack_pence
                awarded += awards[0].pack_pence
                # Each query that reads legs (a pool without awards reads none for them).
                for sql in [q["sql"] for q in queries.captured_queries if Leg._meta.db_table in q["sql"]]:
                    with connection.cursor() as cursor:
                        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
                        [(plan,)] = cursor.fetchall()
                    plan = plan if isinstance(plan, list) else json.loads(plan)
                    assert repeated_walks(plan[0]["Plan"], LEDGER, ledger_size) == [], (pool.label, sql)
                    explained += 1
        assert paid > 0
        assert awarded > 0
        assert explained >= 20
