"""The deferred balance check reads each transaction's legs once (issue 14, item 6)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from core.tenancy import tenant_context
from pooling.models import Account, AccountKind, Pool
from pooling.services.ledger import LegSpec, post
from tests.factories import own_academy

pytestmark = pytest.mark.django_db


def _leg_rows_read() -> int:
    """Rows of ``pooling_leg`` this database transaction has read so far."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) "
            "FROM pg_stat_xact_user_tables WHERE relname = 'pooling_leg'"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _post_run(officer: Any, pool: Pool, schools: int, key: str) -> None:
    body = officer.responsible_body
    school = own_academy(body)
    post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        kind="contribution_expected",
        posted_on=pool.starts_on,
        description="Many schools",
        idempotency_key=f"{body.pk}:{key}",
        source_type="test",
        source_id=key,
        legs=[
            leg
            for n in range(schools)
            for leg in (
                LegSpec(AccountKind.CONTRIBUTIONS_RECEIVABLE, 100 + n, school.pk),
                LegSpec(AccountKind.CONTRIBUTIONS, -(100 + n), school.pk),
            )
        ],
    )


def _rows_read_by_checks(officer: Any, pool: Pool, schools: int, key: str) -> int:
    with tenant_context(officer.responsible_body):
        _post_run(officer, pool, schools, key)
        before = _leg_rows_read()
        with connection.cursor() as cursor:
            # What is measured is the check's own work (each leg of the transaction read once),
            # not the planner's choice: on a table this small, once autovacuum has analysed it
            # (as on a fresh embedded server), a sequential scan of all 1,200 legs can be the
            # cheaper plan, and that would count the other transaction's legs too. On a real
            # ledger the index on the transaction is the only sensible plan.
            cursor.execute("SET LOCAL enable_seqscan = off")
            # A plan for this transaction's id, not a generic one: with only three
            # transactions in the table a cached generic plan can expect a third of the legs
            # per id and read the body's legs through another index.
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # fire the deferred checks now
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SET LOCAL enable_seqscan = on")
            cursor.execute("SET LOCAL plan_cache_mode = auto")
        return _leg_rows_read() - before


def test_the_balance_check_reads_each_leg_once_not_once_per_leg(officer: Any, pool: Pool) -> None:
    # 400 legs: a check per leg read 400 x 400 = 160,000 rows; once per transaction, 400.
    read = _rows_read_by_checks(officer, pool, 200, "big")
    assert read == 400
    read_again = _rows_read_by_checks(officer, pool, 400, "bigger")
    assert read_again == 800  # twice the legs, twice the reading: linear


def _raw_transaction(cursor: Any, body_id: int, pool_id: int, key: str) -> int:
    cursor.execute(
        "INSERT INTO pooling_transaction (responsible_body_id, pool_id, kind, posted_on, description, "
        "idempotency_key, source_type, source_id, actor_label, created_at) VALUES "
        "(%s, %s, 'receipt', '2026-05-01', 'x', %s, 't', '1', 'a', now()) RETURNING id",
        [body_id, pool_id, key],
    )
    return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_a_leg_added_after_an_immediate_check_is_checked_again(officer: Any, pool: Pool) -> None:
    body = officer.responsible_body
    with tenant_context(body):
        accounts = dict(Account.objects.filter(pool=pool).values_list("kind", "pk"))
    with pytest.raises(DatabaseError, match="unbalanced: its legs sum to 7 pence"):
        with transaction.atomic(), tenant_context(body), connection.cursor() as cursor:
            txn_id = _raw_transaction(cursor, body.pk, pool.pk, "late-leg")
            cursor.execute(
                "INSERT INTO pooling_leg (responsible_body_id, transaction_id, account_id, amount_pence) VALUES "
                "(%s, %s, %s, 100), (%s, %s, %s, -100)",
                [body.pk, txn_id, accounts["pool_bank"], body.pk, txn_id, accounts["contributions_receivable"]],
            )
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # balanced so far: checked and noted
            cursor.execute(
                "INSERT INTO pooling_leg (responsible_body_id, transaction_id, account_id, amount_pence) "
                "VALUES (%s, %s, %s, 7)",
                [body.pk, txn_id, accounts["pool_bank"]],
            )
    with tenant_context(body):
        assert not Account.objects.filter(pool=pool, legs__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_one_unbalanced_transaction_among_balanced_ones_fails_the_commit(officer: Any, pool: Pool) -> None:
    body = officer.responsible_body
    with tenant_context(body):
        accounts = dict(Account.objects.filter(pool=pool).values_list("kind", "pk"))
    with pytest.raises(DatabaseError, match="unbalanced: its legs sum to -3 pence"):
        with transaction.atomic(), tenant_context(body), connection.cursor() as cursor:
            first = _raw_transaction(cursor, body.pk, pool.pk, "good")
            second = _raw_transaction(cursor, body.pk, pool.pk, "bad")
            cursor.execute(
                "INSERT INTO pooling_leg (responsible_body_id, transaction_id, account_id, amount_pence) VALUES "
                "(%s, %s, %s, 50), (%s, %s, %s, -50), (%s, %s, %s, 10), (%s, %s, %s, -13)",
                [
                    *(body.pk, first, accounts["pool_bank"]),
                    *(body.pk, first, accounts["contributions_receivable"]),
                    *(body.pk, second, accounts["pool_bank"]),
                    *(body.pk, second, accounts["contributions_receivable"]),
                ],
            )
