"""The ledger's invariants, checked in SQL over the whole database after generation."""

from __future__ import annotations

from django.db import connection
from django.db.models import Model

from core.tenancy import platform_context

# (what must hold, a query returning the rows that break it)
CHECKS: list[tuple[str, str]] = [
    (
        "every transaction has two or more legs summing to zero",
        """SELECT t.id FROM pooling_transaction t LEFT JOIN pooling_leg l ON l.transaction_id = t.id
           GROUP BY t.id HAVING count(l.id) < 2 OR coalesce(sum(l.amount_pence), 0) <> 0 LIMIT 5""",
    ),
    (
        "every leg is in its transaction's body and pool",
        """SELECT l.id FROM pooling_leg l JOIN pooling_transaction t ON t.id = l.transaction_id
           JOIN pooling_account a ON a.id = l.account_id
           WHERE l.responsible_body_id <> t.responsible_body_id OR l.responsible_body_id <> a.responsible_body_id
              OR a.pool_id <> t.pool_id LIMIT 5""",
    ),
    (
        "no pool is over-committed, and no balance has the wrong sign",
        """SELECT pool_id FROM (
             SELECT a.pool_id,
               sum(l.amount_pence) FILTER (WHERE a.kind IN ('contributions', 'reserve')) AS contributions,
               sum(l.amount_pence) FILTER (WHERE a.kind = 'reserve') AS reserve,
               sum(l.amount_pence) FILTER (WHERE a.kind = 'awards') AS awards,
               sum(l.amount_pence) FILTER (WHERE a.kind = 'commitments') AS commitments,
               sum(l.amount_pence) FILTER (WHERE a.kind = 'payable_to_schools') AS payable,
               sum(l.amount_pence) FILTER (WHERE a.kind = 'contributions_receivable') AS receivable
             FROM pooling_leg l JOIN pooling_account a ON a.id = l.account_id GROUP BY a.pool_id) b
           WHERE -coalesce(contributions, 0) - coalesce(awards, 0) + coalesce(reserve, 0) < 0
              OR coalesce(commitments, 0) > 0 OR coalesce(payable, 0) > 0 OR coalesce(receivable, 0) < 0
              OR coalesce(reserve, 0) > 0 LIMIT 5""",
    ),
    (
        "instalments sum to their schedule's total",
        """SELECT s.id FROM pooling_instalmentschedule s LEFT JOIN pooling_instalment i ON i.schedule_id = s.id
           GROUP BY s.id HAVING coalesce(sum(i.amount_pence), 0) <> s.total_pence LIMIT 5""",
    ),
    (
        "each paid run's total is its lines, its paid instalments and its payment legs",
        """WITH lines AS (SELECT payment_run_id, sum(amount_pence) AS total FROM pooling_paymentrunline GROUP BY 1),
                paid_instalments AS (SELECT payment_run_id, sum(amount_pence) AS total FROM pooling_instalment
                                     WHERE payment_run_id IS NOT NULL GROUP BY 1),
                paid AS (SELECT t.source_id, -sum(l.amount_pence) AS total FROM pooling_transaction t
                         JOIN pooling_leg l ON l.transaction_id = t.id
                         JOIN pooling_account a ON a.id = l.account_id AND a.kind = 'payments_made'
                         WHERE t.source_type = 'payment_run' GROUP BY 1)
           SELECT r.id FROM pooling_paymentrun r
           LEFT JOIN lines ON lines.payment_run_id = r.id
           LEFT JOIN paid_instalments i ON i.payment_run_id = r.id
           LEFT JOIN paid ON paid.source_id = r.id::text
           WHERE r.status = 'paid' AND (r.total_pence <> coalesce(lines.total, 0)
              OR r.total_pence <> coalesce(i.total, 0) OR r.total_pence <> coalesce(paid.total, 0))
           LIMIT 5""",
    ),
    (
        "each award's commitment equals its amount",
        """WITH awarded AS (SELECT t.source_id, sum(l.amount_pence) AS total FROM pooling_transaction t
                            JOIN pooling_leg l ON l.transaction_id = t.id
                            JOIN pooling_account a ON a.id = l.account_id AND a.kind = 'awards'
                            WHERE t.source_type = 'award' GROUP BY 1)
           SELECT w.id FROM exceptional_resource_award w LEFT JOIN awarded ON awarded.source_id = w.id::text
           WHERE w.amount_pence <> coalesce(awarded.total, 0) LIMIT 5""",
    ),
]


def analyze() -> None:
    """Fresh planner statistics after a bulk load (autovacuum would get there later)."""
    from devtools.synthetic.columns import COLUMNS
    from groupings.models import School

    models: list[type[Model]] = [*COLUMNS, School]
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def check_invariants() -> list[str]:
    """Every broken invariant, with up to five offending ids; empty when all hold."""
    problems: list[str] = []
    with platform_context(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # Whole-table checks: hash joins, never a nested loop over millions of legs (the
        # row-level security predicate makes the planner underestimate every table).
        cursor.execute("SET LOCAL enable_nestloop = off")
        for what, query in CHECKS:
            cursor.execute(query)
            bad = [str(row[0]) for row in cursor.fetchall()]
            if bad:
                problems.append(f"{what}: broken for {', '.join(bad)}")
    return problems
