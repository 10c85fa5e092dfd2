"""Property-based tests of the ledger (Hypothesis stateful testing).

A state machine applies random sequences of what happens to a pool: contributions expected
and received, reserve set aside and released, awards committed (with and without the right
to draw on the urgent reserve), varied up and down and released, instalments made payable
and paid, reversals, duplicate postings, period close with carry-forward, and reopening.
It keeps its own model of every account's balance, built only from the operations it
applied, and after every step checks the database against it:

- every transaction's legs sum to zero and it has two or more (SQL over all of them), and
  the database's own deferred balance triggers pass when fired there and then;
- no posted row has changed (a snapshot of every leg and transaction seen so far);
- every pool's statement (``pool_balances``) equals the model, account by account, to the
  penny, and ``pool_headroom`` equals the model's headroom;
- headroom available to commit is never below zero unless an operation that is not checked
  against headroom (a reversal, or a close that left a reserve behind) took it there;
- ``commitment_post`` raises ``InsufficientHeadroom`` exactly when the model says there is
  not enough, and never itself takes headroom below zero.

Each sequence runs in a savepoint that is rolled back afterwards, so every sequence starts
with a fresh pool "2026-27" in the same body.

``make test`` runs the ``ci`` profile; ``make test-deep`` runs the ``deep`` one (10,000
sequences, marked ``deep``). See ``tests/hypothesis_profiles.py``."""

from __future__ import annotations

import itertools
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from django.db import connection, transaction
from hypothesis import event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.models import Role
from core.errors import ConflictError
from core.tenancy import tenant_context
from pooling.models import Leg, Pool, Transaction
from pooling.selectors import Headroom, headroom_from_balances, pool_balances, pool_headroom
from pooling.services.ledger import InsufficientHeadroom, LegSpec, commitment_post, pool_open, post, transaction_reverse
from pooling.services.period_close import pool_close, pool_reopen
from tests import hypothesis_profiles  # registers the ci and deep profiles
from tests.factories import member, own_academy

pytestmark = pytest.mark.django_db

KINDS = (
    "contributions_receivable",
    "pool_bank",
    "payments_made",
    "contributions",
    "reserve",
    "carry_forward",
    "recoveries",
    "awards",
    "commitments",
    "payable_to_schools",
)
REVERSIBLE = ("contribution_expected", "receipt", "reserve_set_aside", "recovery")
LABELS = ("2026-27", "2027-28", "2028-29", "2029-30")
PENCE = st.integers(min_value=1, max_value=50_000_00)
_keys = itertools.count()
# What the sequences exercised (printed with ``-s``, and in Hypothesis's statistics).
OUTCOMES: Counter[str] = Counter()


def _event(what: str) -> None:
    OUTCOMES[what] += 1
    event(what)


# Sequences run so far in this test, and when the test started (progress on long runs).
@dataclass
class _Progress:
    sequences: int = 0
    started: float = 0.0


RUN = _Progress()
PROGRESS_EVERY = 500


def _sequence_done() -> None:
    RUN.sequences += 1
    if RUN.sequences % PROGRESS_EVERY == 0:
        elapsed = time.monotonic() - RUN.started
        line = f"[ledger properties] {RUN.sequences} sequences in {elapsed:.0f} s"
        # xdist workers' output is not shown until the end: PROPERTY_PROGRESS_FILE collects it.
        if os.environ.get("PROPERTY_PROGRESS_FILE"):
            with open(os.environ["PROPERTY_PROGRESS_FILE"], "a") as progress:
                print(os.environ.get("PYTEST_XDIST_WORKER", "main"), line, file=progress)
        print(line, file=sys.stderr, flush=True)


def _run(profile: str) -> int:
    """Run the state machine under a profile; return how many sequences ran."""
    OUTCOMES.clear()
    RUN.sequences, RUN.started = 0, time.monotonic()
    run_state_machine_as_test(_machine(), settings=settings.get_profile(profile))
    print(sorted(OUTCOMES.items()))
    return RUN.sequences


ALL_BALANCES = """
    SELECT a.pool_id, a.kind, sum(l.amount_pence)
    FROM pooling_leg l JOIN pooling_account a ON a.id = l.account_id
    GROUP BY a.pool_id, a.kind
"""
UNBALANCED = """
    SELECT t.id, coalesce(sum(l.amount_pence), 0), count(l.id)
    FROM pooling_transaction t LEFT JOIN pooling_leg l ON l.transaction_id = t.id
    GROUP BY t.id
    HAVING coalesce(sum(l.amount_pence), 0) <> 0 OR count(l.id) < 2
"""


# --- The model -----------------------------------------------------------------------------


@dataclass
class MPool:
    """The model of one pool: its balances (debit positive), built from what was applied."""

    label: str
    db: Pool
    status: str = "open"
    balances: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    # Set when an operation that is not checked against headroom lowered it below zero.
    below_zero_because: str = ""

    def credit(self, kind: str) -> int:
        return -self.balances[kind]

    @property
    def available(self) -> int:
        """Not yet promised: contributions recognised (less what was set aside as reserve),
        brought forward and recovered, less awards granted net of releases."""
        return (
            self.credit("contributions")
            + self.credit("carry_forward")
            + self.credit("recoveries")
            - self.balances["awards"]
        )

    @property
    def reserve(self) -> int:
        return self.credit("reserve")

    @property
    def committed(self) -> int:
        return self.credit("commitments")

    @property
    def payable(self) -> int:
        return self.credit("payable_to_schools")

    def headroom(self) -> Headroom:
        b = self.balances
        cash = b["pool_bank"] + b["payments_made"]
        return Headroom(
            expected_pence=self.credit("contributions") + self.reserve,
            received_pence=b["pool_bank"],
            carried_forward_pence=self.credit("carry_forward"),
            recoveries_pence=self.credit("recoveries"),
            reserve_pence=self.reserve,
            committed_outstanding_pence=self.committed,
            payable_pence=self.payable,
            paid_pence=self.credit("payments_made"),
            receivable_pence=b["contributions_receivable"],
            cash_pence=cash,
            available_on_received_pence=cash - self.committed - self.payable - self.reserve,
            available_on_expected_pence=self.available,
        )


@dataclass
class MAward:
    id: int
    pool: int  # where its commitment now is (a close carries it into the next pool)
    school_id: int
    outstanding: int  # committed, not yet payable or released
    granted: dict[int, int] = field(default_factory=dict)  # pool index -> its net awards legs there


@dataclass
class MTxn:
    id: int
    kind: str
    legs: list[tuple[int, str, int]]  # (pool index, account kind, pence)
    reversed: bool = False
    repost: dict[str, Any] | None = None  # post()'s arguments, to post again with the same key


# --- The machine -----------------------------------------------------------------------


class LedgerMachine(RuleBasedStateMachine):
    body: ClassVar[Any]
    officer: ClassVar[Any]
    admin: ClassVar[Any]
    schools: ClassVar[list[int]]

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.savepoint()
        self.pools: list[MPool] = []
        self.txns: list[MTxn] = []
        self.awards: list[MAward] = []
        self.legs_seen: dict[int, tuple[int, int, int]] = {}
        self.txns_seen: dict[int, tuple[Any, ...]] = {}
        self.new_legs: int | None = 0  # legs the last step should have added (None: any number)
        self.quiet = 0  # steps since the last close or reopen (they are rarer than postings)
        self.touched: set[int] = set()  # pools the last step posted to

    def teardown(self) -> None:
        # A step that failed inside the database may have marked the transaction for
        # rollback; rolling back to the savepoint is exactly that.
        transaction.set_rollback(False)
        transaction.savepoint_rollback(self._savepoint)
        _sequence_done()

    # --- helpers ---------------------------------------------------------------------

    def _key(self, what: str) -> str:
        return f"{self.body.pk}:property:{what}:{next(_keys)}"

    def _open(self) -> list[int]:
        return [i for i, p in enumerate(self.pools) if p.status == "open"]

    def _pick_pool(self, data: st.DataObject) -> int:
        """Mostly an open pool; now and then a closed one, to see it refused."""
        open_pools = self._open()
        if open_pools and (not self._closed() or data.draw(st.integers(0, 3), label="open?") > 0):
            return data.draw(st.sampled_from(open_pools), label="pool")
        return data.draw(st.sampled_from(range(len(self.pools))), label="pool")

    def _closed(self) -> list[int]:
        return [i for i, p in enumerate(self.pools) if p.status == "closed"]

    def _day(self, p: int) -> Any:
        return self.pools[p].db.starts_on + timedelta(days=len(self.txns) % 365)

    def _apply(self, legs: list[tuple[int, str, int]]) -> None:
        for p, kind, pence in legs:
            self.pools[p].balances[kind] += pence
            self.touched.add(p)

    def _record(
        self, txn_id: int, kind: str, legs: list[tuple[int, str, int]], repost: dict[str, Any] | None = None
    ) -> MTxn:
        assert txn_id not in {t.id for t in self.txns}
        self._apply(legs)
        m = MTxn(txn_id, kind, legs, repost=repost)
        _event(f"posted: {kind}")
        self.txns.append(m)
        self.new_legs = len(legs)
        return m

    def _post(self, p: int, kind: str, legs: list[tuple[str, int, int | None]], description: str) -> MTxn | None:
        """Post through ``post``; a closed pool must refuse and take nothing."""
        mp = self.pools[p]
        args: dict[str, Any] = dict(
            actor=self.officer.user,
            tenant=self.body,
            pool=mp.db,
            kind=kind,
            posted_on=self._day(p),
            description=description,
            idempotency_key=self._key(kind),
            source_type="property",
            source_id=kind,
            legs=[LegSpec(account, pence, school) for account, pence, school in legs],
        )
        if mp.status != "open":
            with pytest.raises(ConflictError) as exc:
                post(**args)
            assert exc.value.code == "pool_closed"
            _event("posting refused: pool closed")
            self.new_legs = 0
            return None
        txn, created = post(**args)
        assert created
        return self._record(txn.pk, kind, [(p, account, pence) for account, pence, _ in legs], repost=args)

    def _commit(self, p: int, school_id: int, amount: int, may_use_reserve: bool, award: MAward | None) -> MTxn | None:
        """Commit (amount > 0) or release (amount < 0) through ``commitment_post`` and check it
        decides exactly as the model says."""
        mp = self.pools[p]
        available, reserve, committed = mp.available, mp.reserve, mp.committed
        award_id = award.id if award else len(self.awards) + 1

        def call() -> tuple[Transaction, Headroom]:
            return commitment_post(
                actor=self.officer.user,
                tenant=self.body,
                pool=mp.db,
                school_id=school_id,
                amount_pence=amount,
                source_type="award",
                source_id=str(award_id),
                idempotency_key=self._key("award"),
                description=f"Award {award_id}",
                posted_on=self._day(p),
                may_use_reserve=may_use_reserve,
            )

        self.new_legs = 0
        if amount > 0:
            # The rule: enough when the amount fits what is available, or, for an officer
            # allowed to, when the part beyond what is available (counting a shortfall the
            # pool already has) fits the reserve.
            enough = amount <= available or (may_use_reserve and amount - available <= reserve)
            if not enough:
                with pytest.raises(InsufficientHeadroom) as exc:
                    call()
                offered = max(available + (reserve if may_use_reserve else 0), 0)
                assert exc.value.extra == {
                    "shortfall_pence": amount - offered,
                    "available_pence": offered,
                    "requested_pence": amount,
                }
                _event("commitment refused: insufficient headroom")
                return None
            if mp.status != "open":
                with pytest.raises(ConflictError) as closed:
                    call()
                assert closed.value.code == "pool_closed"
                return None
            txn, after = call()
            legs = [(p, "awards", amount), (p, "commitments", -amount)]
            if amount > available:
                drawn = amount - available
                legs += [(p, "reserve", drawn), (p, "contributions", -drawn)]
                _event("commitment drew on the reserve")
            m = self._record(txn.pk, "commitment", legs)
            assert after == mp.headroom()
            # A checked commitment never leaves headroom below zero, nor takes the reserve there.
            assert mp.available >= 0
            assert mp.reserve >= min(reserve, 0)
            if award is not None:
                award.granted[p] = award.granted.get(p, 0) + amount
            return m
        release = -amount
        if mp.status != "open":
            with pytest.raises(ConflictError):
                call()
            return None
        # No more than this award has granted in all the body's pools (a close carries its
        # commitment into the next pool by school), nor than this pool has committed.
        granted = sum(award.granted.values()) if award is not None else 0
        if release > min(granted, committed):
            with pytest.raises(ConflictError) as over:
                call()
            assert over.value.code == "over_release"
            _event("release refused: more than committed")
            return None
        txn, after = call()
        m = self._record(txn.pk, "release", [(p, "awards", -release), (p, "commitments", release)])
        assert after == mp.headroom()
        assert award is not None
        award.granted[p] = award.granted.get(p, 0) - release
        return m

    # --- rules ---------------------------------------------------------------------------

    @initialize()
    def open_the_first_pool(self) -> None:
        pool = pool_open(actor=self.officer.user, tenant=self.body, label=LABELS[0])
        self.pools.append(MPool(LABELS[0], pool))
        self.new_legs = 0

    @rule(data=st.data(), school=st.integers(0, 2), pence=PENCE)
    def contribution_expected(self, data: st.DataObject, school: int, pence: int) -> None:
        p = self._pick_pool(data)
        s = self.schools[school]
        self._post(
            p,
            "contribution_expected",
            [("contributions_receivable", pence, s), ("contributions", -pence, s)],
            "Contribution expected",
        )

    @precondition(lambda self: any(self.pools[i].balances["contributions_receivable"] > 0 for i in self._open()))
    @rule(data=st.data(), school=st.integers(0, 2))
    def contribution_received(self, data: st.DataObject, school: int) -> None:
        p = data.draw(
            st.sampled_from([i for i in self._open() if self.pools[i].balances["contributions_receivable"] > 0])
        )
        pence = data.draw(st.integers(1, self.pools[p].balances["contributions_receivable"]), label="pence")
        s = self.schools[school]
        self._post(p, "receipt", [("pool_bank", pence, s), ("contributions_receivable", -pence, s)], "Received")

    @precondition(lambda self: any(self.pools[i].available > 0 for i in self._open()))
    @rule(data=st.data())
    def reserve_set_aside(self, data: st.DataObject) -> None:
        p = data.draw(st.sampled_from([i for i in self._open() if self.pools[i].available > 0]))
        # A reserve is a slice of the pool (policy: a few per cent), never more than is free.
        pence = data.draw(st.integers(1, max(1, self.pools[p].available // 5)), label="pence")
        self._post(p, "reserve_set_aside", [("contributions", pence, None), ("reserve", -pence, None)], "Reserve")

    @precondition(lambda self: any(self.pools[i].reserve > 0 for i in self._open()))
    @rule(data=st.data())
    def reserve_released(self, data: st.DataObject) -> None:
        p = data.draw(st.sampled_from([i for i in self._open() if self.pools[i].reserve > 0]))
        pence = data.draw(st.integers(1, self.pools[p].reserve), label="pence")
        self._post(
            p, "reserve_set_aside", [("reserve", pence, None), ("contributions", -pence, None)], "Reserve released"
        )

    @rule(
        data=st.data(),
        school=st.integers(0, 2),
        how=st.sampled_from(["any", "share_of_available", "at_available", "at_available_and_reserve"]),
        quarters=st.integers(1, 4),
        nudge=st.integers(-2, 2),
        pence=st.integers(1, 20_000_00),
        may_use_reserve=st.booleans(),
    )
    def commit(
        self,
        data: st.DataObject,
        school: int,
        how: str,
        quarters: int,
        nudge: int,
        pence: int,
        may_use_reserve: bool,
    ) -> None:
        p = self._pick_pool(data)
        mp = self.pools[p]
        # Aim at the edges of the rule as often as anywhere else.
        amount = {
            "any": pence,
            "share_of_available": mp.available * quarters // 4,
            "at_available": mp.available + nudge,
            "at_available_and_reserve": mp.available + mp.reserve + nudge,
        }[how]
        if amount <= 0:
            amount = pence
        award = MAward(len(self.awards) + 1, p, self.schools[school], amount)
        if self._commit(p, self.schools[school], amount, may_use_reserve, award) is not None:
            self.awards.append(award)

    @precondition(lambda self: any(self.pools[i].available > 0 for i in self._open()))
    @rule(
        data=st.data(),
        school=st.integers(0, 2),
        quarters=st.integers(1, 4),
        dip_into_reserve=st.booleans(),
        may_use_reserve=st.booleans(),
    )
    def commit_from_headroom(
        self, data: st.DataObject, school: int, quarters: int, dip_into_reserve: bool, may_use_reserve: bool
    ) -> None:
        """Commit part or all of what is available, or that and part of the reserve."""
        p = data.draw(st.sampled_from([i for i in self._open() if self.pools[i].available > 0]), label="pool")
        mp = self.pools[p]
        amount = max(1, mp.available * quarters // 4)
        if dip_into_reserve and mp.reserve > 0:
            amount = mp.available + max(1, mp.reserve * quarters // 4)
        award = MAward(len(self.awards) + 1, p, self.schools[school], amount)
        if self._commit(p, self.schools[school], amount, may_use_reserve, award) is not None:
            self.awards.append(award)

    def _awards(self, *, positive: bool = False) -> list[MAward]:
        return [a for a in self.awards if self.pools[a.pool].status == "open" and (a.outstanding > 0 or not positive)]

    @precondition(lambda self: bool(self._awards()))
    @rule(data=st.data(), may_use_reserve=st.booleans())
    def vary(self, data: st.DataObject, may_use_reserve: bool) -> None:
        award = data.draw(st.sampled_from(self._awards()), label="award")
        pool_committed = self.pools[award.pool].committed
        delta = data.draw(
            st.one_of(
                st.integers(1, 20_000_00),
                st.integers(-max(award.outstanding, 1), -1),
                st.just(-(pool_committed + 1)),  # more than the pool has committed: refused
            ).filter(lambda d: d != 0),
            label="delta",
        )
        if self._commit(award.pool, award.school_id, delta, may_use_reserve, award) is not None:
            award.outstanding += delta

    @precondition(lambda self: bool(self._awards(positive=True)))
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        award = data.draw(st.sampled_from(self._awards(positive=True)), label="award")
        if self._commit(award.pool, award.school_id, -award.outstanding, False, award) is not None:
            award.outstanding = 0

    @precondition(lambda self: bool(self._awards(positive=True)))
    @rule(data=st.data())
    def instalment_payable(self, data: st.DataObject) -> None:
        award = data.draw(st.sampled_from(self._awards(positive=True)), label="award")
        pence = data.draw(st.integers(1, award.outstanding), label="pence")
        posted = self._post(
            award.pool,
            "payable",
            [("commitments", pence, award.school_id), ("payable_to_schools", -pence, award.school_id)],
            "Instalment payable",
        )
        if posted is not None:
            award.outstanding -= pence

    @precondition(lambda self: any(self.pools[i].payable > 0 for i in self._open()))
    @rule(data=st.data(), school=st.integers(0, 2))
    def payment(self, data: st.DataObject, school: int) -> None:
        p = data.draw(st.sampled_from([i for i in self._open() if self.pools[i].payable > 0]))
        pence = data.draw(st.integers(1, self.pools[p].payable), label="pence")
        s = self.schools[school]
        self._post(p, "payment", [("payable_to_schools", pence, s), ("payments_made", -pence, s)], "Paid")

    @precondition(lambda self: any(not t.reversed and t.kind != "reversal" for t in self.txns))
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        original = data.draw(
            st.sampled_from([t for t in self.txns if not t.reversed and t.kind != "reversal"]), label="original"
        )
        touched = {p for p, _, _ in original.legs}
        self.new_legs = 0
        if original.kind not in REVERSIBLE:
            # Award money and payments are corrected by their own checked services.
            with pytest.raises(ConflictError) as refused:
                transaction_reverse(
                    actor=self.officer.user, tenant=self.body, transaction_id=original.id, reason="Property test"
                )
            assert refused.value.code == "not_reversible"
            _event("reversal refused: not reversible")
            return
        if any(self.pools[p].status != "open" for p in touched):
            with pytest.raises(ConflictError) as exc:
                transaction_reverse(
                    actor=self.officer.user, tenant=self.body, transaction_id=original.id, reason="Property test"
                )
            assert exc.value.code == "pool_closed"
            return
        before = {p: self.pools[p].available for p in touched}
        reversal = transaction_reverse(
            actor=self.officer.user, tenant=self.body, transaction_id=original.id, reason="Property test"
        )
        assert reversal.reverses_id == original.id
        original.reversed = True
        self._record(reversal.pk, "reversal", [(p, kind, -pence) for p, kind, pence in original.legs])
        for p in touched:
            mp = self.pools[p]
            if mp.available < min(before[p], 0) or (mp.available < 0 <= before[p]):
                mp.below_zero_because = mp.below_zero_because or f"a reversal of a {original.kind} (not checked)"

    @precondition(lambda self: any(t.reversed or t.kind == "reversal" for t in self.txns))
    @rule(data=st.data())
    def reverse_again_is_refused(self, data: st.DataObject) -> None:
        txn = data.draw(st.sampled_from([t for t in self.txns if t.reversed or t.kind == "reversal"]), label="txn")
        with pytest.raises(ConflictError) as exc:
            transaction_reverse(actor=self.officer.user, tenant=self.body, transaction_id=txn.id, reason="Again")
        assert exc.value.code == ("reverse_reversal" if txn.kind == "reversal" else "already_reversed")
        self.new_legs = 0

    @precondition(lambda self: any(t.repost for t in self.txns))
    @rule(data=st.data())
    def duplicate_posting_posts_nothing(self, data: st.DataObject) -> None:
        txn = data.draw(st.sampled_from([t for t in self.txns if t.repost]), label="txn")
        again, created = post(**txn.repost)  # type: ignore[arg-type]
        assert (again.pk, created) == (txn.id, False)
        self.new_legs = 0

    @precondition(lambda self: self.quiet >= 5 and any(i + 1 < len(LABELS) for i in self._open()))
    @rule(data=st.data())
    def close(self, data: st.DataObject) -> None:
        p = data.draw(st.sampled_from([i for i in self._open() if i + 1 < len(LABELS)]), label="closing")
        old = self.pools[p]
        nxt = self.pools[p + 1] if p + 1 < len(self.pools) else None
        self.new_legs = 0

        def call() -> Pool:
            return pool_close(actor=self.officer.user, tenant=self.body, pool=old.db, next_label=LABELS[p + 1])

        if old.payable != 0:
            with pytest.raises(ConflictError) as exc:
                call()
            assert exc.value.code == "payable_outstanding"
            _event("close refused: payable outstanding")
            return
        if nxt is not None and nxt.status != "open":
            with pytest.raises(ConflictError) as exc:
                call()
            assert exc.value.code == "pool_closed"
            return
        call()
        _event("pool closed")
        self.quiet = 0
        assert old.db.status == "closed"
        if nxt is None:
            with tenant_context(self.body):
                nxt = MPool(LABELS[p + 1], Pool.objects.get(label=LABELS[p + 1]))
            self.pools.append(nxt)
        q = p + 1
        b = old.balances
        cash = b["pool_bank"] + b["payments_made"]
        moved = {k: b[k] for k in ("contributions_receivable", "commitments", "payable_to_schools")}
        legs = [(p, k, -v) for k, v in moved.items()] + [
            (p, "pool_bank", -b["pool_bank"]),
            (p, "payments_made", -b["payments_made"]),
        ]
        legs += [(q, k, v) for k, v in moved.items()] + [(q, "pool_bank", cash)]
        leaving = sum(moved.values()) + cash
        legs += [(p, "carry_forward", leaving), (q, "carry_forward", -leaving)]
        legs = [leg for leg in legs if leg[2]]
        old.status = "closed"
        with tenant_context(self.body):
            carried = Transaction.objects.filter(kind="carry_forward", pool=old.db).order_by("-pk").first()
        if carried is not None and carried.pk not in self.txns_seen:
            self._record(carried.pk, "carry_forward", legs)
            self.new_legs = None  # one leg per school and account: the model keeps accounts only
        else:
            assert not legs, "a close with balances to carry posted no carry-forward"
        for award in self.awards:
            if award.pool == p:
                award.pool = q
        # The closed pool's balance sheet is empty: what is left is its reserve, not carried.
        assert all(old.balances[k] == 0 for k in (*moved, "pool_bank", "payments_made"))
        assert old.available == -old.reserve
        if old.available < 0:
            old.below_zero_because = old.below_zero_because or f"the close left the reserve of {old.reserve} behind"
        if leaving < 0:
            # Only a shortfall nobody checked (a reversal) can be carried forward.
            assert old.below_zero_because or any(t.kind == "reversal" for t in self.txns), "a negative carry-forward"
            if nxt.available < 0:
                nxt.below_zero_because = nxt.below_zero_because or f"a shortfall carried forward from {old.label}"

    @precondition(lambda self: self.quiet >= 2 and bool(self._closed()))
    @rule(data=st.data())
    def reopen(self, data: st.DataObject) -> None:
        p = data.draw(st.sampled_from(self._closed()), label="reopening")
        pool_reopen(actor=self.admin.user, tenant=self.body, pool=self.pools[p].db, reason="Late correction")
        assert self.pools[p].db.status == "open"
        self.pools[p].status = "open"
        self.new_legs = 0
        _event("pool reopened")
        self.quiet = 0

    # --- the checks after every step ----------------------------------------------------

    @invariant()
    def the_database_agrees_with_the_model(self) -> None:
        if not self.pools:
            return
        with tenant_context(self.body):
            with connection.cursor() as cursor:
                # Fire the database's own deferred balance triggers now, not at a commit
                # that a test never reaches.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")
                cursor.execute(UNBALANCED)
                assert cursor.fetchall() == []
                cursor.execute(ALL_BALANCES)
                sums = {(pool_id, kind): int(total) for pool_id, kind, total in cursor.fetchall()}
            legs = {
                pk: (amount, account, txn)
                for pk, amount, account, txn in Leg.objects.values_list(
                    "pk", "amount_pence", "account_id", "transaction_id"
                )
            }
            txns = {
                row[0]: row[1:]
                for row in Transaction.objects.values_list(
                    "pk", "kind", "posted_on", "description", "idempotency_key", "reverses_id", "pool_id", "source_id"
                )
            }
        # Nothing posted has changed, and the step added exactly the legs it should have.
        for pk, row in self.legs_seen.items():
            assert legs.get(pk) == row, f"leg {pk} changed: {self.legs_seen[pk]} -> {legs.get(pk)}"
        for pk, row in self.txns_seen.items():
            assert txns.get(pk) == row, f"transaction {pk} changed"
        new_legs = set(legs) - set(self.legs_seen)
        if self.new_legs is not None:
            assert len(new_legs) == self.new_legs
        assert set(txns) == {t.id for t in self.txns}
        self.legs_seen.update({pk: legs[pk] for pk in new_legs})
        self.txns_seen.update({pk: txns[pk] for pk in set(txns) - set(self.txns_seen)})
        self.new_legs = 0
        self.quiet += 1
        # Every pool's accounts equal the model, to the penny (one query for all of them);
        # the statement selector itself for the pools this step touched and one more in
        # turn (each call is several round trips, the cost that bounds the deep run).
        in_turn = self.quiet % len(self.pools)
        for i, mp in enumerate(self.pools):
            assert sum(mp.balances.values()) == 0
            assert {k: sums.get((mp.db.pk, k), 0) for k in KINDS} == mp.balances, mp.label
            if i in self.touched and i != in_turn:
                assert pool_balances(tenant=self.body, pool=mp.db) == mp.balances, mp.label
            headroom = headroom_from_balances(mp.balances)
            assert headroom == mp.headroom(), mp.label
            if headroom.available_on_expected_pence < 0:
                assert mp.below_zero_because, f"pool {mp.label} headroom {headroom.available_on_expected_pence}"
                note(f"pool {mp.label} below zero because {mp.below_zero_because}")
                _event(f"headroom below zero: {mp.below_zero_because.split(' of ')[0]}")
        some = self.pools[in_turn]
        assert pool_headroom(tenant=self.body, pool=some.db) == some.headroom()  # pool_balances inside
        self.touched = set()


def _machine() -> type[LedgerMachine]:
    officer = member(Role.FINANCE_OFFICER, mfa=True)
    body = officer.responsible_body
    admin = member(Role.BODY_ADMIN, body, mfa=True)
    schools = [own_academy(body).pk for _ in range(3)]
    return type(
        "LedgerMachineForBody", (LedgerMachine,), {"body": body, "officer": officer, "admin": admin, "schools": schools}
    )


def test_ledger_matches_a_model_of_every_random_sequence() -> None:
    ran = _run("ci")
    assert ran >= settings.get_profile("ci").max_examples


@pytest.mark.deep
@pytest.mark.parametrize("shard", range(hypothesis_profiles.DEEP_SHARDS))
def test_ledger_matches_a_model_of_ten_thousand_random_sequences(shard: int) -> None:
    """The deep run is split into shards, each with its own random seed, so that
    ``make test-deep`` spreads them over the xdist workers; together they run at least
    10,000 sequences (``DEEP_SHARDS`` x the deep profile's ``max_examples``)."""
    ran = _run("deep")
    assert ran >= settings.get_profile("deep").max_examples
    print(f"shard {shard}: {ran} sequences")
