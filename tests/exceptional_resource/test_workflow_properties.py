"""A workflow-level property test (issue 14, item 5): random sequences of the *case*
services, with the money invariants checked after every step.

The machine submits cases, asks for and gives information, decides (approve, partly
approve, decline; by either of two officers, so some reconsiderations are refused as the
same officer), asks for reconsideration, varies and ends awards early, marks reviews due,
records them and decides them (renew, change, end), closes cases, ends the school's
arrangement, runs payment runs (confirmed; some then sent and paid by the bank, and some of
their lines returned by it), recovers money from the school, and closes and reopens the
funding period.
A step the services refuse (a business rule, ``ApplicationError``) must change nothing
that the invariants can see. After every step:

- each award's amount equals its net commitment in the ledger (commitments and variations
  less releases, in any pool), plus what its early end released if it has ended;
- the ledger's committed balance (every pool's ``commitments`` account) equals the unpaid
  (scheduled) instalments of every award;
- no declined, withdrawn or closed case has an unpaid instalment, except one the bank
  returned (``payment_run_line_return``) that the award owes for a time it ran (due on or
  before the day it ended): the school is still owed it and the next run pays it
  (``docs/money.md``); the status changes themselves are refused while anything is unpaid;
- no pool's headroom is below zero (no sequence draws on the urgent reserve, the one rule
  that may take it there);
- every ledger transaction balances and has two legs or more.

What a sequence costs is what its steps cost. The body, its people, the pool and the
starting money (two cases submitted, one approved at £9,000) are built once per run; each
sequence runs in a savepoint taken after them and rolled back afterwards, and the
invariants are one SQL statement (headroom through the selectors' own
``headroom_from_balances``). Measured on 7 December 2026, 20 steps a sequence: about
0.14 s of CPU (Python and PostgreSQL together), against 0.36 s for 12 steps before.

``make test`` runs the ``cases_ci`` profile (40 sequences, tens of seconds); ``make
test-deep`` the ``cases_deep`` one (``-m deep``, ``DEEP_SHARDS`` shards of
``CASES_DEEP_EXAMPLES`` sequences, 2,500 unless set). On a shared machine run two shards
of 5,000, niced (the run and its figures are in ``docs/money.md``)::

    PROPERTY_PROGRESS_FILE=/tmp/cases-deep.log CASES_DEEP_EXAMPLES=5000 HYPOTHESIS_PROFILE=deep \
      nice -n 10 .venv/bin/pytest -p no:cacheprovider -n 2 -m deep \
      "tests/exceptional_resource/test_workflow_properties.py::test_case_workflows_keep_the_money_right_deep[0]" \
      "tests/exceptional_resource/test_workflow_properties.py::test_case_workflows_keep_the_money_right_deep[1]"

The clock is frozen on 7 December 2026, inside the 2026-27 period."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any, ClassVar

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
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
from pooling.models import AccountKind, PaymentRun, PaymentRunLine, Pool
from pooling.selectors import headroom_from_balances
from pooling.services.ledger import pool_open
from pooling.services.payment_returns import payment_run_line_return
from pooling.services.payment_runs import payment_run_record_paid, payment_run_send
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
REQUESTED = 9_000_00  # what every case asks for (``draft_case``)
AMOUNTS = st.sampled_from([1_00, 2_500_00, 9_000_00, 12_000_00, 20_000_00, 30_000_00])
OUTCOMES: Counter[str] = Counter()
SEQUENCES = Counter[str]()
AWARD = Award._meta.db_table
CASE = Case._meta.db_table
LINE = PaymentRunLine._meta.db_table
# Every invariant in one round trip (the invariant runs after every step of every sequence,
# so its cost is most of a sequence's): each piece is one of the checks the docstring lists.
MONEY_CHECKS = f"""
    WITH award_net AS (
        SELECT t.source_id, sum(l.amount_pence) AS net
          FROM pooling_leg l JOIN pooling_account a ON a.id = l.account_id
          JOIN pooling_transaction t ON t.id = l.transaction_id
         WHERE a.kind = 'awards' AND t.source_type = 'award'
         GROUP BY t.source_id
    ), award_instalments AS (
        SELECT s.source_id, i.id, i.due_on, i.status, i.amount_pence
          FROM pooling_instalment i JOIN pooling_instalmentschedule s ON s.id = i.schedule_id
         WHERE s.source_type = 'award'
    ), released AS (
        SELECT source_id, sum(amount_pence) AS total FROM award_instalments
         WHERE status = 'released' GROUP BY source_id
    )
    SELECT
      (SELECT coalesce(json_agg(json_build_array(aw.id, aw.amount_pence, aw.status,
                                                 coalesce(n.net, 0), coalesce(r.total, 0))), '[]')
         FROM {AWARD} aw
         LEFT JOIN award_net n ON n.source_id = aw.id::text
         LEFT JOIN released r ON r.source_id = aw.id::text
        WHERE aw.amount_pence <> coalesce(n.net, 0)
                                 + CASE WHEN aw.status = 'ended' THEN coalesce(r.total, 0) ELSE 0 END),
      (SELECT -coalesce(sum(l.amount_pence), 0)
         FROM pooling_leg l JOIN pooling_account a ON a.id = l.account_id WHERE a.kind = 'commitments'),
      (SELECT coalesce(sum(amount_pence), 0) FROM award_instalments WHERE status = 'scheduled'),
      (SELECT coalesce(json_agg(c.id), '[]')
         FROM award_instalments i JOIN {AWARD} aw ON i.source_id = aw.id::text
         JOIN {CASE} c ON c.id = aw.case_id
        WHERE i.status = 'scheduled' AND c.status IN ('declined', 'withdrawn', 'closed')
          AND NOT (aw.status = 'ended' AND i.due_on <= aw.ended_on AND EXISTS (
                SELECT 1 FROM {LINE} rl WHERE rl.returned_on IS NOT NULL AND i.id = ANY(rl.returned_instalment_ids)))),
      (SELECT coalesce(json_agg(json_build_array(p.label, a.kind,
                  (SELECT coalesce(sum(l.amount_pence), 0) FROM pooling_leg l WHERE l.account_id = a.id))), '[]')
         FROM pooling_account a JOIN pooling_pool p ON p.id = a.pool_id),
      (SELECT coalesce(json_agg(u.id), '[]') FROM (
          SELECT t.id FROM pooling_transaction t LEFT JOIN pooling_leg l ON l.transaction_id = t.id
           GROUP BY t.id HAVING coalesce(sum(l.amount_pence), 0) <> 0 OR count(l.id) < 2) u)
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
    first_cases: ClassVar[list[int]]  # built once per run by ``_machine``: see ``_start_with_money``

    def __init__(self) -> None:
        super().__init__()
        # An atomic block, not a bare savepoint: Django then drops the on-commit callbacks
        # (the outbox's) registered in the sequence when it rolls back. With a bare
        # savepoint they piled up for the whole run and every later savepoint walked them,
        # so a sequence cost more the more had run (0.14 s of Python at 350, 0.38 s at 1,700).
        self._sequence = transaction.atomic()
        self._sequence.__enter__()
        self.cases: list[int] = list(self.first_cases)

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._sequence.__exit__(None, None, None)
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

    def _case_to_decide(self, data: st.DataObject) -> int:
        """Mostly a case awaiting a decision, if there is one (drawn from every case, most
        decisions would be refused as out of turn, and a CI run of 20 sequences could
        decide nothing); sometimes any case, so deciding out of turn is tried too."""
        with tenant_context(self.s.body):
            waiting = list(
                Case.objects.filter(pk__in=self.cases, status__in=["submitted", "reconsideration_requested"])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        if waiting and data.draw(st.integers(0, 3)):
            return int(data.draw(st.sampled_from(waiting)))
        return self._case(data)

    def _awards(self) -> list[int]:
        with tenant_context(self.s.body):
            return list(Award.objects.filter(case_id__in=self.cases).order_by("pk").values_list("pk", flat=True))

    def _open_pool(self) -> Pool:
        with tenant_context(self.s.body):
            return Pool.objects.filter(status="open").order_by("starts_on").first()  # type: ignore[return-value]

    def _officer(self, data: st.DataObject) -> Any:
        return data.draw(st.sampled_from([self.s.officer, self.s.senior])).user

    # --- rules ---------------------------------------------------------------------------

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
        case_id, officer, pool = self._case_to_decide(data), self._officer(data), self._open_pool()
        terms: dict[str, Any] = {}
        if outcome == "approved" and data.draw(st.booleans()):
            amount = REQUESTED  # approving in full is approving what the school asked for
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

    @precondition(lambda self: self.cases)
    @rule(data=st.data())
    def close_a_case(self, data: st.DataObject) -> None:
        case_id, officer = self._case(data), self._officer(data)
        _tried("close case", lambda: cases.case_close(actor=officer, tenant=self.s.body, case_id=case_id))

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

    @rule(data=st.data(), pays=st.booleans())
    def the_bank(self, data: st.DataObject, pays: bool) -> None:
        """The bank pays a confirmed run (sent, then paid today), or returns a paid line.
        One rule for both, so the machine's other rules are drawn as often as before."""
        if pays:
            self._bank_pays_a_run(data)
        else:
            self._bank_returns_a_line(data)

    def _bank_pays_a_run(self, data: st.DataObject) -> None:
        with tenant_context(self.s.body):
            confirmed = list(PaymentRun.objects.filter(status="confirmed").order_by("pk").values_list("pk", flat=True))
        if not confirmed:
            return
        run_id = data.draw(st.sampled_from(confirmed))

        def pay() -> PaymentRun:
            payment_run_send(actor=self.s.finance.user, tenant=self.s.body, payment_run_id=run_id)
            return payment_run_record_paid(
                actor=self.s.finance.user, tenant=self.s.body, payment_run_id=run_id, paid_on=TODAY.date()
            )

        _tried("bank pays a run", pay)

    def _bank_returns_a_line(self, data: st.DataObject) -> None:
        with tenant_context(self.s.body):
            lines = list(
                PaymentRunLine.objects.filter(payment_run__status="paid", returned_on__isnull=True, amount_pence__gt=0)
                .order_by("pk")
                .values_list("payment_run_id", "pk")
            )
        if not lines:
            return
        run_id, line_id = data.draw(st.sampled_from(lines))
        _tried(
            "bank return",
            lambda: payment_run_line_return(
                actor=self.s.finance.user,
                tenant=self.s.body,
                payment_run_id=run_id,
                line_id=line_id,
                returned_on=TODAY.date(),
                reason="Account closed",
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
        with tenant_context(self.s.body), connection.cursor() as cursor:
            cursor.execute(MONEY_CHECKS)
            wrong_awards, committed, unpaid, settled_unpaid, balances, unbalanced = cursor.fetchone()
        # Each award's amount is its net commitment (commitments and variations less releases),
        # plus what its early end released if it has ended.
        assert wrong_awards == [], f"award (id, amount, status, net, released): {wrong_awards}"
        assert committed == unpaid, f"committed {committed} vs unpaid instalments {unpaid}"
        assert settled_unpaid == [], f"declined/withdrawn/closed cases with unpaid instalments: {settled_unpaid}"
        by_pool: dict[str, dict[str, int]] = {}
        for label, kind, total in balances:
            by_pool.setdefault(label, {k.value: 0 for k in AccountKind})[kind] += int(total)
        for label, pool_balances in by_pool.items():
            headroom = headroom_from_balances(pool_balances)  # what pool_headroom computes
            assert headroom.available_on_expected_pence >= 0, f"{label}: {headroom}"
        assert unbalanced == [], f"unbalanced transactions {unbalanced}"


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
    first_cases = _start_with_money(scene)
    return type("CaseMachineForBody", (CaseMachine,), {"scene": scene, "admin": admin, "first_cases": first_cases})


def _start_with_money(scene: Scene) -> list[int]:
    """Every sequence starts with money at stake: one case submitted, one approved at
    £9,000. The same for every sequence, so it is built once (before the first sequence's
    savepoint) rather than in an ``@initialize`` rule of each sequence: the start costs as
    much as a third of a short sequence."""
    first = []
    for _ in range(2):
        case = draft_case(scene)
        cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
        first.append(case.pk)
    decision = cases.case_decide(
        actor=scene.officer.user,
        tenant=scene.body,
        case_id=first[-1],
        outcome="approved",
        criteria_met=CRITERIA,
        reasons="Meets the criteria",
        amount_pence=REQUESTED,
        pool_id=scene.pool.pk,
        frequency="monthly",
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 3, 31),
        review_on=date(2027, 3, 1),
    )
    assert decision.award is not None
    assert decision.award.amount_pence == REQUESTED
    return first


def _run(profile: str) -> int:
    OUTCOMES.clear()
    SEQUENCES.clear()
    with time_machine.travel(TODAY, tick=True):
        machine = _machine()
        # The services run inside the body's tenant context, as the pages and the API call
        # them (``BodyMixin``, ``TenantAPIView``): their own nested context then costs no
        # savepoint and no round trips, and neither do the machine's reads.
        with tenant_context(machine.scene.body):
            run_state_machine_as_test(machine, settings=settings.get_profile(profile))
            # Every sequence was rolled back: only the starting money is left.
            assert sorted(Case.objects.values_list("pk", flat=True)) == sorted(machine.first_cases)
    print(sorted(OUTCOMES.items()))
    return SEQUENCES["run"]


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Any) -> None:
    """Bank files of the runs sent are stored (STORAGES "default"): not in the real media."""
    settings.MEDIA_ROOT = tmp_path / "private"


def test_case_workflows_keep_the_money_right() -> None:
    ran = _run("cases_ci")
    assert ran >= settings.get_profile("cases_ci").max_examples
    done = {k for k, n in OUTCOMES.items() if k.endswith(": done") and n}
    # The sequences did move money, not only get refused: every one starts from an approval
    # (``_start_with_money``); in the run, cases were submitted and decided and a run paid.
    assert {"submit: done", "payment run: done"} <= done, sorted(OUTCOMES.items())
    assert any(k.startswith("decide ") for k in done), sorted(OUTCOMES.items())


@pytest.mark.deep
@pytest.mark.parametrize("shard", range(hypothesis_profiles.DEEP_SHARDS))
def test_case_workflows_keep_the_money_right_deep(shard: int) -> None:
    ran = _run("cases_deep")
    assert ran >= settings.get_profile("cases_deep").max_examples
    print(f"shard {shard}: {ran} sequences")
    if os.environ.get("PROPERTY_PROGRESS_FILE"):
        with open(os.environ["PROPERTY_PROGRESS_FILE"], "a") as progress:
            print(f"[case properties] shard {shard}: {ran} sequences green", file=progress)
