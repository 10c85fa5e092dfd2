from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from django.db import DatabaseError, connection, connections, transaction

from core.errors import ApplicationError, ConflictError
from core.tenancy import tenant_context
from pooling.models import Account, Leg, Pool, Transaction
from pooling.selectors import pool_balances, pool_headroom
from pooling.services.ledger import InsufficientHeadroom, LegSpec, commitment_post, post, transaction_reverse
from tests.factories import own_academy
from tests.pooling.conftest import fund

pytestmark = pytest.mark.django_db


def _accounts(pool) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with tenant_context(pool.responsible_body_id):
        return dict(Account.objects.filter(pool=pool).values_list("kind", "pk"))


def _reserve_100(officer: Any, pool: Pool) -> None:
    """Set 100.00 of the pool's contributions aside as the urgent reserve."""
    body = officer.responsible_body
    post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        kind="reserve_set_aside",
        posted_on=date(2026, 4, 1),
        description="Reserve",
        idempotency_key=f"{body.pk}:reserve",
        source_type="test",
        source_id="r",
        legs=[LegSpec("contributions", 100_00), LegSpec("reserve", -100_00)],
    )


@pytest.mark.django_db(transaction=True)
def test_an_unbalanced_transaction_fails_at_commit(officer, pool) -> None:
    accounts = _accounts(pool)
    body = officer.responsible_body
    with pytest.raises(DatabaseError, match="unbalanced: its legs sum to 5 pence"):
        with transaction.atomic(), tenant_context(body), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO pooling_transaction (responsible_body_id, pool_id, kind, posted_on, description, "
                "idempotency_key, source_type, source_id, actor_label, created_at) VALUES "
                "(%s, %s, 'receipt', '2026-05-01', 'x', 'k1', 't', '1', 'a', now()) RETURNING id",
                [body.pk, pool.pk],
            )
            txn_id = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO pooling_leg (responsible_body_id, transaction_id, account_id, amount_pence) VALUES "
                "(%s, %s, %s, 105), (%s, %s, %s, -100)",
                [body.pk, txn_id, accounts["pool_bank"], body.pk, txn_id, accounts["contributions_receivable"]],
            )
    with tenant_context(body):
        assert Transaction.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_transaction_without_legs_fails_at_commit(officer, pool) -> None:
    body = officer.responsible_body
    with pytest.raises(DatabaseError, match="has 0 leg"):
        with transaction.atomic(), tenant_context(body):
            Transaction.objects.create(
                responsible_body=body,
                pool=pool,
                kind="receipt",
                posted_on=date(2026, 5, 1),
                description="x",
                idempotency_key="k2",
                source_type="t",
                source_id="1",
                actor_label="a",
            )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE pooling_leg SET amount_pence = amount_pence * 2",
        "DELETE FROM pooling_leg",
        "UPDATE pooling_transaction SET description = 'edited'",
        "DELETE FROM pooling_transaction",
    ],
)
def test_posted_rows_cannot_be_changed_or_deleted(officer, pool, sql: str) -> None:
    """Refused by privilege for the runtime role (the owner is refused by the trigger:
    tests/core/test_runtime_grants.py)."""
    fund(officer, pool, 10_000)
    with tenant_context(officer.responsible_body), pytest.raises(DatabaseError, match="permission denied for table"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


def test_a_duplicate_idempotency_key_posts_nothing(officer, pool) -> None:
    body = officer.responsible_body
    school = own_academy(body)
    kwargs = dict(
        actor=officer.user,
        tenant=body,
        pool=pool,
        kind="receipt",
        posted_on=date(2026, 5, 1),
        description="Receipt",
        idempotency_key=f"{body.pk}:once",
        source_type="test",
        source_id="1",
        legs=[LegSpec("pool_bank", 500, school.pk), LegSpec("contributions_receivable", -500, school.pk)],
    )
    first, created = post(**kwargs)
    again, created_again = post(**kwargs)
    assert (created, created_again, again.pk) == (True, False, first.pk)
    with tenant_context(body):
        assert Leg.objects.count() == 2
    with tenant_context(body), pytest.raises(DatabaseError, match="txn_idempotency_key_per_body"):
        with transaction.atomic():
            Transaction.objects.create(
                responsible_body=body,
                pool=pool,
                kind="receipt",
                posted_on=date(2026, 5, 1),
                description="x",
                idempotency_key=f"{body.pk}:once",
                source_type="t",
                source_id="1",
                actor_label="a",
            )


def test_post_refuses_unbalanced_legs_with_a_clear_error(officer, pool) -> None:
    with pytest.raises(ApplicationError) as exc:
        post(
            actor=officer.user,
            tenant=officer.responsible_body,
            pool=pool,
            kind="receipt",
            posted_on=date(2026, 5, 1),
            description="x",
            idempotency_key="k",
            source_type="t",
            source_id="1",
            legs=[LegSpec("pool_bank", 1), LegSpec("contributions_receivable", -2)],
        )
    assert exc.value.code == "unbalanced"


def test_a_leg_cannot_use_another_bodys_account(officer, pool) -> None:
    from pooling.services.ledger import pool_open
    from tests.factories import member

    other = member("finance_officer")
    other_pool = pool_open(actor=other.user, tenant=other.responsible_body, label="2026-27")
    other_account = _accounts(other_pool)["pool_bank"]
    body = officer.responsible_body
    with tenant_context(body), pytest.raises(DatabaseError, match="same responsible body"):
        with transaction.atomic():
            txn = Transaction.objects.create(
                responsible_body=body,
                pool=pool,
                kind="receipt",
                posted_on=date(2026, 5, 1),
                description="x",
                idempotency_key="k3",
                source_type="t",
                source_id="1",
                actor_label="a",
            )
            Leg.objects.create(responsible_body=body, transaction=txn, account_id=other_account, amount_pence=5)


def test_commit_release_and_headroom_reconcile(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 100_000_00)
    school = own_academy(body)
    txn, after = commitment_post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        school_id=school.pk,
        amount_pence=30_000_00,
        source_type="award",
        source_id="1",
        idempotency_key=f"{body.pk}:award:1:commit",
        description="Award 1",
    )
    assert after.committed_outstanding_pence == 30_000_00
    assert after.available_on_expected_pence == 70_000_00
    assert after.available_on_received_pence == 70_000_00
    _, after_release = commitment_post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        school_id=school.pk,
        amount_pence=-10_000_00,
        source_type="award",
        source_id="1",
        idempotency_key=f"{body.pk}:award:1:release",
        description="Release part",
    )
    assert after_release.committed_outstanding_pence == 20_000_00
    assert after_release.available_on_expected_pence == 80_000_00
    assert sum(pool_balances(tenant=body, pool=pool).values()) == 0
    with pytest.raises(ConflictError) as exc:
        commitment_post(
            actor=officer.user,
            tenant=body,
            pool=pool,
            school_id=school.pk,
            amount_pence=-20_000_01,
            source_type="award",
            source_id="1",
            idempotency_key="x",
            description="Too much",
        )
    assert exc.value.code == "over_release"
    del txn


def test_insufficient_headroom_names_the_shortfall_and_the_reserve_rule(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 1_000_00)
    _reserve_100(officer, pool)
    school = own_academy(body)
    args = dict(
        actor=officer.user,
        tenant=body,
        pool=pool,
        school_id=school.pk,
        source_type="award",
        source_id="2",
        description="Big award",
    )
    with pytest.raises(InsufficientHeadroom) as exc:
        commitment_post(amount_pence=950_00, idempotency_key=f"{body.pk}:a2", **args)
    assert exc.value.shortfall_pence == 50_00
    assert exc.value.extra == {"shortfall_pence": 50_00, "available_pence": 900_00, "requested_pence": 950_00}
    _, after = commitment_post(amount_pence=950_00, idempotency_key=f"{body.pk}:a2", may_use_reserve=True, **args)
    assert (after.reserve_pence, after.available_on_expected_pence) == (50_00, 0)
    with pytest.raises(InsufficientHeadroom):
        commitment_post(amount_pence=51_00, idempotency_key=f"{body.pk}:a3", may_use_reserve=True, **args)


def test_reversal_posts_the_exact_opposite_once(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 12_345)
    with tenant_context(body):
        receipt = Transaction.objects.get(kind="receipt")
    reversal = transaction_reverse(actor=officer.user, tenant=body, transaction_id=receipt.pk, reason="Bounced")
    assert reversal.reverses_id == receipt.pk
    assert pool_headroom(tenant=body, pool=pool).received_pence == 0
    with pytest.raises(ConflictError):
        transaction_reverse(actor=officer.user, tenant=body, transaction_id=receipt.pk, reason="Again")


def test_balances_as_at_a_date(officer, pool) -> None:
    fund(officer, pool, 5_000)
    body = officer.responsible_body
    assert pool_headroom(tenant=body, pool=pool, as_at=date(2026, 4, 15)).received_pence == 0
    assert pool_headroom(tenant=body, pool=pool, as_at=date(2026, 4, 30)).received_pence == 5_000


# PostgreSQL here allows 100 connections in all (and a parallel test process holds some),
# so 100 commitment requests race over 40 real connections; `make bench` (B3) runs 100.
PARALLEL_CONNECTIONS = 40


@pytest.mark.django_db(transaction=True)
def test_one_hundred_simultaneous_commitments_on_a_pool_for_fifty(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 50 * 1_000_00)
    school = own_academy(body)
    barrier = threading.Barrier(PARALLEL_CONNECTIONS)
    started = threading.Semaphore(PARALLEL_CONNECTIONS)
    outcomes: list[str] = []
    afters: list[tuple[int, int]] = []
    lock = threading.Lock()

    def commit(i: int) -> None:
        try:
            if i < PARALLEL_CONNECTIONS:
                barrier.wait(timeout=60)
            _, after = commitment_post(
                actor=officer.user,
                tenant=body,
                pool=pool,
                school_id=school.pk,
                amount_pence=1_000_00,
                source_type="award",
                source_id=str(i),
                idempotency_key=f"{body.pk}:race:{i}",
                description=f"Award {i}",
            )
            result = "ok"
            with lock:
                afters.append((after.committed_outstanding_pence, after.available_on_expected_pence))
        except InsufficientHeadroom as exc:
            result = f"short:{exc.shortfall_pence}"
        except BaseException as exc:  # noqa: BLE001 - every thread's outcome is asserted below
            result = f"error:{exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    def worker(indexes: list[int]) -> None:
        with started:
            for i in indexes:
                commit(i)

    threads = [
        threading.Thread(target=worker, args=(list(range(n, 100, PARALLEL_CONNECTIONS)),))
        for n in range(PARALLEL_CONNECTIONS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert [o for o in outcomes if o.startswith("error")] == []
    assert len(outcomes) == 100
    assert outcomes.count("ok") == 50
    assert outcomes.count("short:100000") == 50
    # Each success returns the headroom just after it, in commit order: 1..50 committed.
    assert sorted(afters) == [(k * 1_000_00, (50 - k) * 1_000_00) for k in range(1, 51)]
    headroom = pool_headroom(tenant=body, pool=pool)
    assert headroom.committed_outstanding_pence == 50 * 1_000_00
    assert headroom.available_on_expected_pence == 0
    assert sum(pool_balances(tenant=body, pool=pool).values()) == 0


def test_a_retried_commitment_posts_once_and_reports_the_same_transaction(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 100_00)
    school = own_academy(body)
    args = dict(
        actor=officer.user,
        tenant=body,
        pool=pool,
        school_id=school.pk,
        amount_pence=80_00,
        source_type="award",
        source_id="9",
        idempotency_key=f"{body.pk}:award:9",
        description="Award 9",
    )
    first, _ = commitment_post(**args)
    again, after = commitment_post(**args)  # would not fit a second time: it must not be re-checked
    assert again.pk == first.pk
    assert after.committed_outstanding_pence == 80_00


def test_drawing_on_the_reserve_cannot_cover_more_than_the_reserve_when_the_pool_is_short(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 1_000_00)
    post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        kind="reserve_set_aside",
        posted_on=date(2026, 4, 1),
        description="Reserve",
        idempotency_key=f"{body.pk}:reserve",
        source_type="test",
        source_id="r",
        legs=[LegSpec("contributions", 120_00), LegSpec("reserve", -120_00)],
    )
    school = own_academy(body)
    commitment_post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        school_id=school.pk,
        amount_pence=880_00,
        source_type="award",
        source_id="1",
        idempotency_key=f"{body.pk}:a1",
        description="All of it",
    )
    # Contributions fall by 50.00 after the commitment: the pool is 50.00 short.
    post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        kind="contribution_expected",
        posted_on=date(2026, 6, 1),
        description="School left",
        idempotency_key=f"{body.pk}:left",
        source_type="test",
        source_id="left",
        legs=[LegSpec("contributions", 50_00), LegSpec("contributions_receivable", -50_00)],
    )
    assert pool_headroom(tenant=body, pool=pool).available_on_expected_pence == -50_00
    with pytest.raises(InsufficientHeadroom) as exc:
        commitment_post(
            actor=officer.user,
            tenant=body,
            pool=pool,
            school_id=school.pk,
            amount_pence=100_00,
            source_type="award",
            source_id="2",
            idempotency_key=f"{body.pk}:a2",
            description="Urgent",
            may_use_reserve=True,
        )
    assert exc.value.extra == {"shortfall_pence": 30_00, "available_pence": 70_00, "requested_pence": 100_00}


def test_award_money_is_not_corrected_by_reversal(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 100_00)
    txn, _ = commitment_post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        school_id=own_academy(body).pk,
        amount_pence=10_00,
        source_type="award",
        source_id="1",
        idempotency_key=f"{body.pk}:a",
        description="Award",
    )
    with pytest.raises(ConflictError) as exc:
        transaction_reverse(actor=officer.user, tenant=body, transaction_id=txn.pk, reason="Oops")
    assert exc.value.code == "not_reversible"


def test_one_award_cannot_release_more_than_it_committed(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 100_00)
    school = own_academy(body)
    for source_id in ("1", "2"):
        commitment_post(
            actor=officer.user,
            tenant=body,
            pool=pool,
            school_id=school.pk,
            amount_pence=30_00,
            source_type="award",
            source_id=source_id,
            idempotency_key=f"{body.pk}:c{source_id}",
            description="Award",
        )
    with pytest.raises(ConflictError) as exc:
        commitment_post(
            actor=officer.user,
            tenant=body,
            pool=pool,
            school_id=school.pk,
            amount_pence=-40_00,
            source_type="award",
            source_id="1",
            idempotency_key=f"{body.pk}:r1",
            description="Release",
        )
    assert exc.value.code == "over_release"


def test_the_headroom_a_commitment_returns_is_the_headroom_read_afresh(officer, pool) -> None:
    """commitment_post adds its legs to the balances it read under the pool's locks instead
    of reading them again (issue 22, B3): for commitments, a reserve draw, a release and a
    replayed key, what it returns equals a fresh read after it."""
    body = officer.responsible_body
    fund(officer, pool, 1_000_00)
    _reserve_100(officer, pool)
    school = own_academy(body)
    steps = [
        ("1", 400_00, False, "a"),
        ("2", 550_00, True, "b"),  # 500.00 available: 50.00 from the reserve
        ("1", -150_00, False, "c"),
        ("1", -150_00, False, "c"),  # the same key again: nothing posted
    ]
    seen = []
    for source_id, amount, reserve, key in steps:
        _, after = commitment_post(
            actor=officer.user,
            tenant=body,
            pool=pool,
            school_id=school.pk,
            amount_pence=amount,
            source_type="award",
            source_id=source_id,
            idempotency_key=f"{body.pk}:{key}",
            description="Award",
            may_use_reserve=reserve,
        )
        assert after == pool_headroom(tenant=body, pool=pool)
        seen.append((after.committed_outstanding_pence, after.reserve_pence, after.available_on_expected_pence))
    assert seen == [(400_00, 100_00, 500_00), (950_00, 50_00, 0), (800_00, 50_00, 150_00), (800_00, 50_00, 150_00)]


def test_a_commitment_on_a_closed_pool_is_refused_and_posts_nothing(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 1_000_00)
    with tenant_context(body):
        type(pool).objects.filter(pk=pool.pk).update(status="closed")
        postings = Transaction.objects.count()
    with pytest.raises(ConflictError) as exc:
        commitment_post(
            actor=officer.user,
            tenant=body,
            pool=pool,
            school_id=own_academy(body).pk,
            amount_pence=10_00,
            source_type="award",
            source_id="9",
            idempotency_key=f"{body.pk}:closed",
            description="Award",
        )
    assert exc.value.code == "pool_closed"
    with tenant_context(body):
        assert Transaction.objects.count() == postings


def test_every_open_pool_s_balances_come_from_one_query_and_match_each_pool_s_own(
    officer, pool, django_assert_num_queries
) -> None:
    """``pools_balances`` (the decision queue's headroom of every open pool) gives each pool
    what ``pool_balances`` gives it, in one query however many pools; another body's pool
    among the ids reads as nothing."""
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Role
    from pooling.selectors import pools_headroom
    from pooling.selectors.ledger import pools_balances
    from pooling.services.ledger import pool_open
    from tests.factories import member

    body = officer.responsible_body
    fund(officer, pool, 7_000)
    later = pool_open(actor=officer.user, tenant=body, label="2027-28")
    fund(officer, later, 3_000, received=False, key="later")
    empty = pool_open(actor=officer.user, tenant=body, label="2028-29")
    other = member(Role.FINANCE_OFFICER)
    elsewhere = pool_open(actor=other.user, tenant=other.responsible_body, label="2026-27")
    fund(other, elsewhere, 9_999)

    ids = [pool.pk, later.pk, empty.pk, elsewhere.pk]
    with CaptureQueriesContext(connection) as read:
        together = pools_balances(tenant=body, pool_ids=ids)
    assert sum("pooling_leg" in q["sql"] for q in read.captured_queries) == 1
    assert together[pool.pk] == pool_balances(tenant=body, pool=pool)
    assert together[later.pk] == pool_balances(tenant=body, pool=later)
    assert together[pool.pk]["pool_bank"] == 7_000
    assert together[later.pk]["contributions_receivable"] == 3_000
    assert set(together[empty.pk].values()) == {0}
    assert set(together[elsewhere.pk].values()) == {0}
    headroom = pools_headroom(tenant=body, pool_ids=[pool.pk, later.pk])
    assert headroom[pool.pk] == pool_headroom(tenant=body, pool=pool)
    assert headroom[later.pk].expected_pence == 3_000
    with django_assert_num_queries(0):
        assert pools_balances(tenant=body, pool_ids=[]) == {}
