"""A recovery and a bank return of the same payment at the same moment, on two real
connections: exactly one of them is recorded, whichever holds the award's paid instalments
first, the other is refused with its code, the ledger balances and what can still be
recovered is never negative (both lock the instalments: ``award_recover`` and
``payment_run_line_return``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import DatabaseError, connection, connections
from django.db.models import Sum

from core.errors import ConflictError
from core.tenancy import tenant_context
from exceptional_resource.models import Award
from exceptional_resource.services import recoveries
from exceptional_resource.services.recoveries import award_recover, award_recoverable_pence
from pooling.models import Instalment, Leg, PaymentRunLine, Transaction
from pooling.selectors import pool_headroom
from pooling.services import payment_returns
from pooling.services.payment_returns import payment_run_line_return
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.test_recoveries import DECEMBER, _paid_award

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.date_sensitive(today=date(2026, 12, 7))]

TODAY = date(2026, 12, 7)
RECOVERED = 500_00


def _blocks(pid: int) -> bool:
    """Whether this connection's transaction holds a lock the backend ``pid`` waits for
    (``pg_blocking_pids`` reads the lock manager now; ``pg_stat_activity`` would be a snapshot
    taken once per transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid() = ANY(pg_blocking_pids(%s))", [pid])
        return bool(cursor.fetchone()[0])


def _held(original: Callable[..., Any], holds: threading.Event, second: dict[str, int]) -> Callable[..., Any]:
    """``original``, called by the first service once it holds its locks: it says so
    (``holds``), waits until the other service has started (``second["pid"]``, its backend)
    and is waiting for a lock this transaction holds, so the two really overlap, then runs
    as it was."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        holds.set()
        deadline = time.monotonic() + 60
        while not ("pid" in second and _blocks(second["pid"])) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "pid" in second, "the second service never started"
        assert _blocks(second["pid"]), "the second service never waited for the first's locks"
        return original(*args, **kwargs)

    return wrapper


def race(
    jobs: dict[str, Callable[[], None]], *, first: str, holds: threading.Event, waiter: dict[str, int]
) -> dict[str, str]:
    """Run the two ``jobs`` on two connections: ``first`` until it holds its locks (``holds``,
    set by a ``_held`` wrapper), then the other, which records its backend in ``waiter``.
    What became of each: "recorded", a refusal's code, or the database error (a deadlock)."""
    outcomes: dict[str, str] = {}

    def attempt(name: str, work: Callable[[], None], *, signal: bool) -> None:
        try:
            if signal:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    waiter["pid"] = int(cursor.fetchone()[0])
            work()
            outcomes[name] = "recorded"
        except ConflictError as exc:
            outcomes[name] = exc.code
        except (DatabaseError, AssertionError) as exc:  # a deadlock, or the two never overlapped
            outcomes[name] = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    (second,) = set(jobs) - {first}
    one = threading.Thread(target=attempt, args=(first, jobs[first]), kwargs={"signal": False})
    one.start()
    assert holds.wait(timeout=120), outcomes  # the first holds its locks
    two = threading.Thread(target=attempt, args=(second, jobs[second]), kwargs={"signal": True})
    two.start()
    one.join(timeout=120)
    two.join(timeout=120)
    assert not one.is_alive()
    assert not two.is_alive()
    return outcomes


@pytest.mark.parametrize("first", ["recovery", "return"])
def test_a_recovery_racing_a_bank_return_of_the_same_payment_records_exactly_one(
    scene: Scene, first: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    award = _paid_award(scene)  # December paid: £2,305.78
    with tenant_context(scene.body):
        line = PaymentRunLine.objects.select_related("payment_run").get(school_id=award.school_id)
    run = line.payment_run
    holds = threading.Event()
    waiter: dict[str, int] = {}  # the second service's backend, once it starts
    # The first service pauses just after taking its locks, until the second is blocked on them.
    if first == "recovery":
        monkeypatch.setattr(
            recoveries, "award_recoverable_pence", _held(recoveries.award_recoverable_pence, holds, waiter)
        )
    else:
        monkeypatch.setattr(
            payment_returns, "_check_recoveries", _held(payment_returns._check_recoveries, holds, waiter)
        )

    def recover() -> None:
        award_recover(
            actor=scene.finance.user, tenant=scene.body, award_id=award.pk, amount_pence=RECOVERED, reason="Unspent"
        )

    def bank_return() -> None:
        payment_run_line_return(
            actor=scene.finance.user,
            tenant=scene.body,
            payment_run_id=run.pk,
            line_id=line.pk,
            returned_on=TODAY,
            reason="Account closed",
        )

    outcomes = race({"recovery": recover, "return": bank_return}, first=first, holds=holds, waiter=waiter)

    second = "return" if first == "recovery" else "recovery"
    refusal = {"recovery": "over_recovery", "return": "return_below_recovered"}
    assert outcomes == {first: "recorded", second: refusal[second]}
    with tenant_context(scene.body):
        recovered = Transaction.objects.filter(kind="recovery").count()
        returned = Transaction.objects.filter(kind="payment_returned").count()
        line_returned_on = PaymentRunLine.objects.get(pk=line.pk).returned_on
        statuses = set(Instalment.objects.filter(schedule__source_id=str(award.pk)).values_list("status", flat=True))
        unbalanced = list(Leg.objects.values("transaction_id").annotate(total=Sum("amount_pence")).exclude(total=0))
        recoverable = award_recoverable_pence(Award.objects.get(pk=award.pk))
    assert unbalanced == []
    assert recoverable >= 0
    if first == "recovery":  # the return was refused: December stays paid, £500 back
        assert (recovered, returned, line_returned_on) == (1, 0, None)
        assert "paid" in statuses
        assert recoverable == DECEMBER - RECOVERED
        assert pool_headroom(tenant=scene.body, pool=scene.pool).recoveries_pence == RECOVERED
    else:  # the recovery was refused: December is due again, nothing was paid to recover
        assert (recovered, returned, line_returned_on) == (0, 1, TODAY)
        assert "paid" not in statuses
        assert recoverable == 0
        assert pool_headroom(tenant=scene.body, pool=scene.pool).recoveries_pence == 0
