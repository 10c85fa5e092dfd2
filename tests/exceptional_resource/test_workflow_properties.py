"""A workflow-level property test (issue 14, item 5): random sequences of the *case*
services, with the money invariants checked after every step.

The machine submits cases, asks for and gives information, decides (approve, partly
approve, decline; by either of two officers, so some reconsiderations are refused as the
same officer), asks for reconsideration, varies and ends awards early, marks reviews due,
records them and decides them (renew, change, end), ends the school's arrangement, runs
payment runs, recovers money from the school, and closes and reopens the funding period.
A step the services refuse (a business rule, ``ApplicationError``) must change nothing
that the invariants can see. After every step:

- each award's amount equals its net commitment in the ledger (commitments and variations
  less releases, in any pool), plus what its early end released if it has ended;
- the ledger's committed balance (every pool's ``commitments`` account) equals the unpaid
  (scheduled) instalments of every award;
- no declined, withdrawn or closed case has an unpaid instalment;
- no pool's headroom is below zero (no sequence draws on the urgent reserve, the one rule
  that may take it there);
- every ledger transaction balances and has two legs or more.

Each sequence runs in a savepoint rolled back afterwards. ``make test`` runs the
``cases_ci`` profile (a few tens of seconds); ``make test-deep`` the ``cases_deep`` one
(``-m deep``, ``DEEP_SHARDS`` shards; ``CASES_DEEP_EXAMPLES`` lowers the per-shard count on
a busy machine). The clock is frozen on 7 December 2026, inside the 2026-27 period."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any, ClassVar

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Sum
from hypothesis import event, settings
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
from core.errors import ApplicationError
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case, Outcome
from exceptional_resource.services import awards, cases, reviews
from exceptional_resource.services.recoveries import award_recover, award_recoverable_pence
from exceptional_resource.tasks import end_awards_for_arrangement
from groupings.services import arrangements as groupings_arrangements
from groupings.services import policy as groupings_policy
from pooling.models import Instalment, Leg, Pool
from pooling.selectors import pool_headroom
from pooling.services.ledger import pool_open
from pooling.services.payments import payment_run_confirm, pool_close, pool_reopen
from tests import hypothesis_profiles
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.factories import member, own_academy
from tests.pooling.conftest import fund

pytestmark = pytest.mark.django_db  # the test freezes its own clock (TODAY)

TODAY = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
CRITERIA = ["The intended outcomes are specific, measurable and have a review date."]
MONTH_ENDS = [date(2026, 12, 31), date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]
DAYS = [date(2026, 11, 30), date(2026, 12, 31), date(2027, 1, 15), date(2027, 2, 28), date(2027, 3, 31)]
AMOUNTS = st.sampled_from([1_00, 2_500_00, 9_000_00, 12_000_00, 20_000_00, 30_000_00])
OUTCOMES: Counter[str] = Counter()
SEQUENCES = Counter[str]()
UNBALANCED = """
    SELECT t.id FROM pooling_transaction t LEFT JOIN pooling_leg l ON l.transaction_id = t.id
    GROUP BY t.id HAVING coalesce(sum(l.amount_pence), 0) <> 0 OR count(l.id) < 2
"""


def _tried(name: str, call: Any) -> Any:
    """Run one service call; a refusal is an outcome of its own, and changes nothing."""
    try:
        with transaction.atomic():
            result = call()
    except (ApplicationError, PermissionDenied) as exc:
        what = f"{name}: refused {getattr(exc, 'code', 'permission')}"
        result = None
    else:
        what = f"{name}: done"
    OUTCOMES[what] += 1
    event(what)
    return result


class CaseMachine(RuleBasedStateMachine):
    scene: ClassVar[Scene]
    admin: ClassVar[Any]

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.savepoint()
        self.cases: list[int] = []

    def teardown(self) -> None:
        transaction.set_rollback(False)
        transaction.savepoint_rollback(self._savepoint)
        SEQUENCES["run"] += 1
        if SEQUENCES["run"] % 25 == 0 and os.environ.get("PROPERTY_PROGRESS_FILE"):
            # xdist workers' output is not shown until the end: a long run reports here.
            with open(os.environ["PROPERTY_PROGRESS_FILE"], "a") as progress:
                worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
                print(f"{worker} [case properties] {SEQUENCES['run']} sequences green so far", file=progress)

    # --- helpers -------------------------------------------------------------------------

    @property
    def s(self) -> Scene:
        return self.scene

    def _case(self, data: st.DataObject) -> int:
        return int(data.draw(st.sampled_from(self.cases)))

    def _awards(self) -> list[int]:
        with tenant_context(self.s.body):
            return list(Award.objects.filter(case_id__in=self.cases).order_by("pk").values_list("pk", flat=True))

    def _open_pool(self) -> Pool:
        with tenant_context(self.s.body):
            return Pool.objects.filter(status="open").order_by("starts_on").first()  # type: ignore[return-value]

    def _officer(self, data: st.DataObject) -> Any:
        return data.draw(st.sampled_from([self.s.officer, self.s.senior])).user

    # --- rules ---------------------------------------------------------------------------

    @initialize()
    def two_cases_one_with_an_award(self) -> None:
        """Every sequence starts with money at stake: one case submitted, one approved."""
        for _ in range(2):
            self.submit_a_case()
        _tried(
            "decide approved",
            lambda: cases.case_decide(
                actor=self.s.officer.user,
                tenant=self.s.body,
                case_id=self.cases[-1],
                outcome="approved",
                criteria_met=CRITERIA,
                reasons="Meets the criteria",
                amount_pence=9_000_00,
                pool_id=self.s.pool.pk,
                frequency="monthly",
                starts_on=date(2026, 12, 1),
                ends_on=date(2027, 3, 31),
                review_on=date(2027, 3, 1),
            ),
        )

    @rule()
    def submit_a_case(self) -> None:
        case = draft_case(self.s)
        self.cases.append(case.pk)
        _tried("submit", lambda: cases.case_submit(actor=self.s.head.user, tenant=self.s.body, case_id=case.pk))

    @precondition(lambda self: self.cases)
    @rule(data=st.data())
    def request_information(self, data: st.DataObject) -> None:
        case_id, officer = self._case(data), self._officer(data)
        _tried(
            "request information",
            lambda: cases.case_request_information(
                actor=officer, tenant=self.s.body, case_id=case_id, question="Plan?"
            ),
        )

    @precondition(lambda self: self.cases)
    @rule(data=st.data())
    def provide_information(self, data: st.DataObject) -> None:
        case_id = self._case(data)
        _tried(
            "provide information",
            lambda: cases.case_provide_information(
                actor=self.s.head.user, tenant=self.s.body, case_id=case_id, answer="Attached."
            ),
        )

    @precondition(lambda self: self.cases)
    @rule(
        data=st.data(),
        outcome=st.sampled_from(["approved", "partly_approved", "declined"]),
        amount=AMOUNTS,
        ends_on=st.sampled_from([date(2027, 3, 31), date(2027, 6, 30)]),
        end_on=st.sampled_from([None, *DAYS]),
    )
    def decide(self, data: st.DataObject, outcome: str, amount: int, ends_on: date, end_on: date | None) -> None:
        case_id, officer, pool = self._case(data), self._officer(data), self._open_pool()
        terms: dict[str, Any] = {}
        if outcome != "declined":
            terms = {
                "amount_pence": amount,
                "pool_id": pool.pk,
                "frequency": data.draw(st.sampled_from(["monthly", "termly"])),
                "starts_on": date(2026, 12, 1),
                "ends_on": ends_on,
                "review_on": date(2027, 3, 1),
            }
        _tried(
            f"decide {outcome}",
            lambda: cases.case_decide(
                actor=officer,
                tenant=self.s.body,
                case_id=case_id,
                outcome=outcome,
                criteria_met=CRITERIA,
                reasons="As the criteria say",
                end_on=end_on,
                **terms,
            ),
        )

    @precondition(lambda self: self.cases)
    @rule(data=st.data())
    def reconsider(self, data: st.DataObject) -> None:
        case_id = self._case(data)
        _tried(
            "reconsider",
            lambda: cases.case_request_reconsideration(
                actor=self.s.head.user, tenant=self.s.body, case_id=case_id, grounds="More is needed"
            ),
        )

    @precondition(lambda self: self.cases)
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        case_id = self._case(data)
        _tried("withdraw", lambda: cases.case_withdraw(actor=self.s.head.user, tenant=self.s.body, case_id=case_id))

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), amount=AMOUNTS)
    def vary(self, data: st.DataObject, amount: int) -> None:
        found = self._awards()
        if not found:
            return
        award_id, officer = data.draw(st.sampled_from(found)), self._officer(data)
        _tried(
            "vary",
            lambda: awards.award_vary(
                actor=officer, tenant=self.s.body, award_id=award_id, new_amount_pence=amount, reason="Changed need"
            ),
        )

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), end_on=st.sampled_from(DAYS))
    def end_early(self, data: st.DataObject, end_on: date) -> None:
        found = self._awards()
        if not found:
            return
        award_id, officer = data.draw(st.sampled_from(found)), self._officer(data)
        _tried(
            "end early",
            lambda: awards.award_end_early(
                actor=officer, tenant=self.s.body, award_id=award_id, end_on=end_on, reason="Pupil left"
            ),
        )

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), decision=st.sampled_from(["renew", "change", "end"]), amount=AMOUNTS)
    def review(self, data: st.DataObject, decision: str, amount: int) -> None:
        _tried("reviews due", lambda: awards.awards_mark_reviews_due(tenant=self.s.body, today=date(2027, 3, 1)))
        case_id = self._case(data)
        with tenant_context(self.s.body):
            outcome_ids = list(Outcome.objects.filter(case_id=case_id).values_list("pk", flat=True))
        result = data.draw(st.sampled_from(["achieved", "partly", "not_yet"]))
        _tried(
            "review recorded",
            lambda: awards.review_record(
                actor=self.s.head.user,
                tenant=self.s.body,
                case_id=case_id,
                results={pk: (result, "Progress noted") for pk in outcome_ids},
            ),
        )
        terms: dict[str, Any] = {"amount_pence": amount, "review_on": date(2027, 5, 1)}
        if decision == "renew":
            terms |= {
                "criteria_met": CRITERIA,
                "pool_id": self._open_pool().pk,
                "frequency": "monthly",
                "starts_on": date(2027, 3, 1),
                "ends_on": date(2027, 6, 30),
            }
        elif decision == "end":
            terms = {"end_on": data.draw(st.sampled_from(DAYS))}
        officer = self._officer(data)
        _tried(
            f"review {decision}",
            lambda: reviews.review_decide(
                actor=officer, tenant=self.s.body, case_id=case_id, decision=decision, reasons="Reviewed", **terms
            ),
        )

    @rule(end_on=st.sampled_from(DAYS))
    def arrangement_ended(self, end_on: date) -> None:
        _tried(
            "arrangement ended",
            lambda: end_awards_for_arrangement(
                tenant_id=self.s.body.pk, school_id=self.s.school.pk, end_date=end_on.isoformat()
            ),
        )

    @rule(due_up_to=st.sampled_from([*MONTH_ENDS, date(2027, 6, 30)]))
    def payment_run(self, due_up_to: date) -> None:
        pool = self._open_pool()
        due = min(due_up_to, pool.ends_on)
        pay_on = max(due, pool.starts_on)
        _tried(
            "payment run",
            lambda: payment_run_confirm(
                actor=self.s.finance.user, tenant=self.s.body, pool=pool, due_up_to=due, pay_on=pay_on
            ),
        )

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), share=st.sampled_from([1, 2, 3]))
    def recovery(self, data: st.DataObject, share: int) -> None:
        found = self._awards()
        if not found:
            return
        award_id = data.draw(st.sampled_from(found))
        with tenant_context(self.s.body):
            recoverable = award_recoverable_pence(Award.objects.get(pk=award_id))
        amount = max(recoverable // share, 1)
        _tried(
            "recovery",
            lambda: award_recover(
                actor=self.s.finance.user, tenant=self.s.body, award_id=award_id, amount_pence=amount, reason="Unspent"
            ),
        )

    @rule()
    def close_the_period(self) -> None:
        with tenant_context(self.s.body):
            pool = Pool.objects.get(label="2026-27")
        _tried(
            "close",
            lambda: pool_close(actor=self.s.finance.user, tenant=self.s.body, pool=pool, next_label="2027-28"),
        )

    @rule()
    def reopen_the_period(self) -> None:
        with tenant_context(self.s.body):
            pool = Pool.objects.get(label="2026-27")
        _tried(
            "reopen",
            lambda: pool_reopen(actor=self.admin.user, tenant=self.s.body, pool=pool, reason="A correction"),
        )

    # --- the invariants --------------------------------------------------------------------

    @invariant()
    def money_is_right(self) -> None:
        body = self.s.body
        with tenant_context(body):
            award_rows = list(Award.objects.values_list("pk", "amount_pence", "status"))
            refs = [str(pk) for pk, _, _ in award_rows]
            net = dict(
                Leg.objects.filter(account__kind="awards", transaction__source_type="award")
                .values_list("transaction__source_id")
                .annotate(total=Sum("amount_pence"))
                .order_by()
            )
            released_of = dict(
                Instalment.objects.filter(
                    status="released", schedule__source_type="award", schedule__source_id__in=refs
                )
                .values("schedule__source_id")
                .annotate(total=Sum("amount_pence"))
                .values_list("schedule__source_id", "total")
            )
            for pk, amount, status in award_rows:
                released = released_of.get(str(pk), 0) if status == Award.Status.ENDED else 0
                assert amount == net.get(str(pk), 0) + released, f"award {pk}: {amount}, {net}, {released}"
            committed = -int(Leg.objects.filter(account__kind="commitments").aggregate(t=Sum("amount_pence"))["t"] or 0)
            unpaid = int(
                Instalment.objects.filter(status="scheduled", schedule__source_type="award").aggregate(
                    t=Sum("amount_pence")
                )["t"]
                or 0
            )
            assert committed == unpaid, f"committed {committed} vs unpaid instalments {unpaid}"
            settled = Case.objects.filter(status__in=["declined", "withdrawn", "closed"]).values_list("pk", flat=True)
            settled_awards = [str(a) for a in Award.objects.filter(case_id__in=settled).values_list("pk", flat=True)]
            assert not Instalment.objects.filter(
                status="scheduled", schedule__source_type="award", schedule__source_id__in=settled_awards
            ).exists()
            for pool in Pool.objects.all():
                headroom = pool_headroom(tenant=body, pool=pool)
                assert headroom.available_on_expected_pence >= 0, f"{pool.label}: {headroom}"
            with connection.cursor() as cursor:
                cursor.execute(UNBALANCED)
                assert cursor.fetchall() == []


def _machine() -> type[CaseMachine]:
    admin = member(Role.BODY_ADMIN, mfa=True)
    body = admin.responsible_body
    groupings_policy.policy_ensure_default(actor=admin.user, tenant=body, effective_from=date(2026, 4, 1))
    school = own_academy(body, name="Meadow Academy")
    arrangement = groupings_arrangements.arrangement_propose(
        actor=admin.user,
        tenant=body,
        school_id=school.pk,
        basis="own_academy",
        counterparty="Trust",
        start_date=date(2026, 4, 1),
    )
    groupings_arrangements.arrangement_activate(actor=admin.user, tenant=body, arrangement_id=arrangement.pk)
    finance = member(Role.FINANCE_OFFICER, body, mfa=True)
    pool = pool_open(actor=finance.user, tenant=body, label="2026-27")
    fund(finance, pool, 40_000_00)
    scene = Scene(
        body=body,
        school=school,
        pool=pool,
        head=member(Role.HEAD, body, school=school),
        officer=member(Role.DECISION_OFFICER, body, mfa=True, decision_limit_pence=25_000_00),
        senior=member(Role.DECISION_OFFICER, body, mfa=True, decision_limit_pence=100_000_00),
        finance=finance,
    )
    return type("CaseMachineForBody", (CaseMachine,), {"scene": scene, "admin": admin})


def _run(profile: str) -> int:
    OUTCOMES.clear()
    SEQUENCES.clear()
    with time_machine.travel(TODAY, tick=True):
        run_state_machine_as_test(_machine(), settings=settings.get_profile(profile))
    print(sorted(OUTCOMES.items()))
    return SEQUENCES["run"]


def test_case_workflows_keep_the_money_right() -> None:
    ran = _run("cases_ci")
    assert ran >= settings.get_profile("cases_ci").max_examples
    done = {k for k, n in OUTCOMES.items() if k.endswith(": done") and n}
    assert {"submit: done", "decide approved: done", "payment run: done"} <= done, sorted(OUTCOMES.items())


@pytest.mark.deep
@pytest.mark.parametrize("shard", range(hypothesis_profiles.DEEP_SHARDS))
def test_case_workflows_keep_the_money_right_deep(shard: int) -> None:
    ran = _run("cases_deep")
    assert ran >= settings.get_profile("cases_deep").max_examples
    print(f"shard {shard}: {ran} sequences")
    if os.environ.get("PROPERTY_PROGRESS_FILE"):
        with open(os.environ["PROPERTY_PROGRESS_FILE"], "a") as progress:
            print(f"[case properties] shard {shard}: {ran} sequences green", file=progress)
