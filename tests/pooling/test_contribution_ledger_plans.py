"""The contributions page's read of the ledger (``contributions_posted``) walks no table, and
no CTE's rows, once per row of another, whatever the planner believes of the tables' sizes
(issue 22).

Two earlier shapes of the same sum were right to the penny and ran for 14 seconds to
minutes a request on the national data set: under row-level security the planner takes a
tenant's share of each table for about one row, and joined two sets of thousands of rows by
looping over one for each row of the other (a CTE has no index), or looked receipts up by a
key cast from the ledger's text ``source_id``, which the policy keeps from being an index
condition. Here the read runs on the demo data set with the statistics as they stand, then
with statistics that count every table as empty (ANALYZE run by another connection while
the data is uncommitted), and no plan may walk a table, or a CTE's rows, once per row of
another. Its figures (summed by the school the legs name) must equal the lookup of each
contribution by id (by the postings' sources): the demo data's postings name their schools."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ResponsibleBody
from core.tenancy import platform_context, tenant_context
from pooling.models import Contribution, Leg, Pool, Receipt, Transaction
from pooling.selectors.contribution_ledger import contribution_ledger_totals, contributions_posted
from pooling.services.ledger import transaction_reverse
from tests.factories import member
from tests.plans_support import analyse_now, analysed_while_uncommitted, repeated_cte_scans, repeated_walks

WATCHED = {m._meta.db_table for m in (Leg, Transaction, Receipt, Contribution)}
TIMEOUT = "10s"  # generous: the query takes milliseconds when its plan is right


def _explained(sql: str) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        [(plan,)] = cursor.fetchall()
    plan = plan if isinstance(plan, list) else json.loads(plan)
    return dict(plan[0]["Plan"])


def _check_every_pool(as_of: date) -> int:
    """Each pool's ``contributions_posted``: its plan walks nothing per row, and its figures
    are the by-id lookup's. The pools checked that have receipts."""
    with platform_context():
        size = sum(m.objects.count() for m in (Leg, Transaction, Receipt, Contribution))
        pools = list(Pool.objects.filter(starts_on__lte=as_of).order_by("pk").values_list("pk", "responsible_body"))
    assert len(pools) >= 6
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL statement_timeout = '{TIMEOUT}'")
    with_receipts = 0
    for pool_id, body_id in pools:
        body = ResponsibleBody.objects.get(pk=body_id)
        with tenant_context(body):
            pool = Pool.objects.get(pk=pool_id)
            with CaptureQueriesContext(connection) as queries:
                posted = contributions_posted(tenant=body, pool=pool)
            reads = [q["sql"] for q in queries.captured_queries if Leg._meta.db_table in q["sql"]]
            assert reads, (body.slug, pool.label)
            for sql in reads:  # the one read, and the lookup by id of a school that rejoined
                plan = _explained(sql)
                assert repeated_walks(plan, WATCHED, size) == [], (body.slug, pool.label, sql)
                assert repeated_cte_scans(plan) == [], (body.slug, pool.label, sql)
            by_id = contribution_ledger_totals(tenant=body, pool=pool, contribution_ids=list(posted))
            figures = {pk: (p.expected_pence, p.received_pence) for pk, p in posted.items()}
            assert {pk: f for pk, f in figures.items() if f != (0, 0)} == by_id
            with_receipts += any(p.received_pence for p in posted.values())
    return with_receipts


def _reverse_a_receipt() -> None:
    """A reversed receipt in the data, so the plan's reversal lookups run too."""
    with platform_context():
        posting = Transaction.objects.filter(source_type="receipt").order_by("pk").first()
        assert posting is not None
        body = ResponsibleBody.objects.get(pk=posting.responsible_body_id)
    officer = member("finance_officer", body, mfa=True)
    with connection.cursor() as cursor:  # the generator fired the ledger's checks: back to checking at commit
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    transaction_reverse(actor=officer.user, tenant=body, transaction_id=posting.pk, reason="Bounced")


@pytest.mark.django_db
def test_the_contributions_ledger_read_goes_by_index_whatever_the_statistics() -> None:
    from devtools.synthetic import generate

    as_of = date(2026, 11, 28)
    with analysed_while_uncommitted():
        generate(scale="demo", seed=1, as_of=as_of)
        _reverse_a_receipt()
        assert _check_every_pool(as_of) >= 3  # the statistics as they stand
        stats = analyse_now(WATCHED)
        # Statistics that count the tables as empty: pages, and not one live row.
        assert all(pages > 0 and tuples == 0 for pages, tuples in stats.values()), stats
        assert _check_every_pool(as_of) >= 3
