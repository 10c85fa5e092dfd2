"""Everything one responsible body holds, generated row by row, deterministically.

For each body: a grouping policy, its people (finance and decision officers, an auditor, a
partnership lead, a head and a SENDCO per school), an arrangement per eligible school, and
for each of three funding periods a pool with its accounts, IMF allocations, expected
contributions with the urgent reserve, receipts, cases across every state with their
pupils, requested resource, outcomes and timeline, decisions within the pool's headroom,
awards with instalment schedules, monthly payment runs, the ledger transactions of all of
it, and the body's audit chain. Amounts are integer pence.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from allauth.mfa.models import Authenticator

from accounts.models import Membership, ResponsibleBody, User
from core.audit import GENESIS_HASH, content_hash
from core.audit_verbs import AuditVerb
from core.models import AuditEvent
from core.money import apply_rate, split_pence
from devtools.synthetic import shared
from devtools.synthetic.register import BodySpec, SchoolSpec
from devtools.synthetic.timeline import DECIDED_HOUR, case_timeline
from exceptional_resource.models import Award, Case, CaseEvent, Decision, Outcome, Pupil, ResourceLine
from groupings.models import Arrangement, GroupingPolicy
from groupings.policy_defaults import AREAS_OF_NEED, DECISION_CRITERIA
from pooling.models import (
    Account,
    AccountKind,
    Contribution,
    ImfAllocation,
    Instalment,
    InstalmentSchedule,
    Leg,
    PaymentRun,
    PaymentRunLine,
    Pool,
    Receipt,
    Transaction,
)
from pooling.periods import Period, grant_year, period_of

NEEDS = ["ASD", "SEMH", "SLCN", "MLD", "SPLD", "SLD", "PD", "HI", "VI", "OTH"]
NEED_WEIGHTS = [30, 22, 18, 10, 8, 3, 3, 2, 2, 2]
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PAYMENT_BATCH = 50
UNUSABLE_PASSWORD = "!synthetic"  # noqa: S105  (no one signs in with it; the bench makes sessions)

# State of a case decided in a past period, and in the current one (weights in %).
PAST_STATES = {"ended": 40, "closed": 22, "declined": 24, "withdrawn": 8, "renewed": 6}
CURRENT_STATES = {
    "draft": 8, "submitted": 10, "information_requested": 5, "reconsideration_requested": 2,
    "approved": 3, "partly_approved": 2, "declined": 14, "withdrawn": 4,
    "active": 40, "review_due": 8, "ended": 4,
}  # fmt: skip
AWARDED = {"approved", "partly_approved", "active", "review_due", "renewed", "ended", "closed"}
DECIDED = AWARDED | {"declined", "reconsideration_requested"}

# The verb the decision service records for each outcome (``case_approve`` writes "case.approve").
DECISION_VERBS = {
    "approved": AuditVerb.CASE_APPROVE,
    "partly_approved": AuditVerb.CASE_PARTLY_APPROVE,
    "declined": AuditVerb.CASE_DECLINE,
}


def reference(prefix: str, n: int) -> str:
    """A unique, random-looking reference for the n-th row (a bijection on 40 bits)."""
    value = (n * 0x9E3779B1 + 0x5DEECE6) % (1 << 40)
    chars = [_ALPHABET[(value >> (5 * i)) & 31] for i in range(8)]
    return prefix + "".join(chars)


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def _month_starts(first: date, last: date) -> list[date]:
    months, day = [], date(first.year, first.month, 1)
    while day <= last:
        months.append(day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return months


def _month_end(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1) - timedelta(days=1)


@dataclass
class Rows:
    """Generated rows per model, and how many of each so far."""

    by_model: dict[type, list[tuple[Any, ...]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, model: type, row: tuple[Any, ...]) -> None:
        self.by_model.setdefault(model, []).append(row)
        self.counts[model.__name__] = self.counts.get(model.__name__, 0) + 1

    def pending(self, model: type) -> int:
        return len(self.by_model.get(model, ()))


@dataclass
class Context:
    rows: Rows
    new_id: Callable[[type], int]
    school_ids: dict[int, int]
    as_of: date
    periods: list[Period]
    pupil_counter: list[int]


class BodyPlan:
    """Generates one body's rows. ``cases`` is the number of cases over the three periods."""

    def __init__(self, ctx: Context, spec: BodySpec, cases: int, rng: random.Random) -> None:
        self.ctx, self.spec, self.cases, self.rng = ctx, spec, cases, rng
        self.rows = ctx.rows
        self.body_id = ctx.new_id(ResponsibleBody)
        self.audit_prev = GENESIS_HASH
        self.slug = spec.slug
        self.start = ctx.periods[0].starts_on

    # --- helpers ---------------------------------------------------------------------

    def audit(self, *, actor: tuple[int, str] | None, verb: AuditVerb, obj: str, obj_id: int, label: str, at: datetime,
              after: dict[str, Any] | None = None) -> None:  # fmt: skip
        event = AuditEvent(
            id=self.ctx.new_id(AuditEvent),
            responsible_body_id=self.body_id,
            actor_id=actor[0] if actor else None,
            actor_label=actor[1] if actor else "system",
            verb=verb,
            object_type=obj,
            object_id=str(obj_id),
            object_label=label[:300],
            before=None,
            after=after,
            request_id="",
            ip_address=None,
            created_at=at,
            prev_hash=self.audit_prev,
        )
        event.hash = content_hash(event)
        self.audit_prev = event.hash
        self.rows.add(AuditEvent, (
            event.id, self.body_id, event.actor_id, event.actor_label, verb, obj, event.object_id,
            event.object_label, None, json.dumps(after) if after is not None else None, "", at,
            event.prev_hash, event.hash,
        ))  # fmt: skip

    def post(self, *, pool: dict[str, Any], kind: str, on: date, description: str, key: str, source: tuple[str, int],
             legs: list[tuple[str, int, int | None]]) -> None:  # fmt: skip
        txn_id = self.ctx.new_id(Transaction)
        self.rows.add(Transaction, (
            txn_id, self.body_id, pool["id"], kind, on, description[:300], f"{self.body_id}:{key}", source[0],
            str(source[1]), "synthetic", _at(on),
        ))  # fmt: skip
        for account_kind, amount, school_id in legs:
            self.rows.add(Leg, (self.ctx.new_id(Leg), self.body_id, txn_id, pool["accounts"][account_kind], amount,
                                school_id))  # fmt: skip

    def user(self, role: str, label: str, n: int = 0) -> tuple[int, str]:
        user_id = self.ctx.new_id(User)
        email = f"{role.replace('_', '-')}{n or ''}@{self.slug}.synthetic.invalid"
        self.rows.add(User, (user_id, UNUSABLE_PASSWORD, False, email, label, False, True, _at(self.start)))
        return user_id, email

    def member(self, user_id: int, role: str, *, school_id: int | None = None, limit: int | None = None,
               valid_to: date | None = None) -> None:  # fmt: skip
        self.rows.add(Membership, (self.ctx.new_id(Membership), self.body_id, user_id, role, school_id, limit,
                                   self.start, valid_to, _at(self.start)))  # fmt: skip

    # --- the body --------------------------------------------------------------------

    def generate(self) -> None:
        spec, rng, ctx = self.spec, self.rng, self.ctx
        self.rows.add(ResponsibleBody, (
            self.body_id, spec.kind, spec.legal_name, spec.slug, spec.companies_house_number, spec.la_code,
            spec.gias_group_uid, "Accountable Officer", "Chief Executive" if spec.kind == "academy_trust"
            else "Director of Children's Services", _at(self.start),
        ))  # fmt: skip
        finance = self.user("finance_officer", "Finance Officer")
        officer = self.user("decision_officer", "Decision Officer")
        admin = self.user("body_admin", "Body Administrator")
        auditor = self.user("auditor", "Auditor")
        lead = self.user("partnership_lead", "Partnership Lead")
        self.member(finance[0], "finance_officer")
        self.member(officer[0], "decision_officer", limit=2_500_000)
        self.member(admin[0], "body_admin")
        self.member(auditor[0], "auditor", valid_to=ctx.as_of + timedelta(days=365))
        self.member(lead[0], "partnership_lead")
        for user_id, _ in (finance, officer, admin):
            secret = hashlib.sha256(f"{self.slug}:{user_id}".encode()).hexdigest()[:32].upper()
            self.rows.add(Authenticator, (ctx.new_id(Authenticator), user_id, "totp", json.dumps({"secret": secret}),
                                          _at(self.start)))  # fmt: skip
        self.officer = officer
        share_bp = rng.choice([1000, 1500, 2000, 2500])
        policy_id = ctx.new_id(GroupingPolicy)
        self.policy_id = policy_id
        self.rows.add(GroupingPolicy, (
            policy_id, self.body_id, 1, self.start, share_bp, False, [p.label for p in ctx.periods],
            json.dumps(AREAS_OF_NEED), DECISION_CRITERIA, 10, json.dumps({"decision_officer": 2_500_000}), 500,
            "Synthetic policy", admin[1], _at(self.start),
        ))  # fmt: skip
        self.audit(actor=admin, verb=AuditVerb.POLICY_CREATED, obj="groupings.groupingpolicy", obj_id=policy_id,
                   label="Policy v1", at=_at(self.start), after={"pooled_share_bp": share_bp})  # fmt: skip
        schools = [s for s in spec.schools if s.eligible and s.urn in ctx.school_ids]
        self.arrangements: dict[int, int] = {}
        basis = "own_academy" if spec.kind == "academy_trust" else "maintained_via_la"
        for n, school in enumerate(schools):
            school_id = ctx.school_ids[school.urn]
            arrangement_id = ctx.new_id(Arrangement)
            self.arrangements[school.urn] = arrangement_id
            self.rows.add(Arrangement, (
                arrangement_id, self.body_id, school_id, basis, "active", school.name[:200], self.start, None,
                policy_id, admin[1], _at(self.start), _at(self.start),
            ))  # fmt: skip
            head = self.user("head", f"Head of {school.name}"[:200], n + 1)
            sendco = self.user("sendco", f"SENDCO of {school.name}"[:200], n + 1)
            self.member(head[0], "head", school_id=school_id)
            self.member(sendco[0], "sendco", school_id=school_id)
            self.audit(actor=admin, verb=AuditVerb.ARRANGEMENT_APPROVED, obj="groupings.arrangement",
                       obj_id=arrangement_id, label=school.name, at=_at(self.start))  # fmt: skip
        weights = [max(1, s.ehc_plans * 3 + s.sen_support) for s in schools]
        self.shared = shared.register(self, schools, admin) if schools else []
        for index, period in enumerate(ctx.periods):
            if not schools:
                break
            self.period(index, period, schools, weights, share_bp, finance)

    def period(self, index: int, period: Period, schools: list[SchoolSpec], weights: list[int], share_bp: int,
               finance: tuple[int, str]) -> None:  # fmt: skip
        ctx, rng, rows = self.ctx, self.rng, self.rows
        current = index == len(ctx.periods) - 1
        pool_id = ctx.new_id(Pool)
        rows.add(Pool, (pool_id, self.body_id, period.label, period.starts_on, period.ends_on, "open",
                        _at(period.starts_on)))  # fmt: skip
        accounts = {}
        for kind in AccountKind:
            accounts[kind.value] = ctx.new_id(Account)
            rows.add(Account, (accounts[kind.value], self.body_id, pool_id, kind.value, "", "", ""))
        pool = {"id": pool_id, "accounts": accounts}
        self.audit(actor=finance, verb=AuditVerb.POOL_OPENED, obj="pooling.pool", obj_id=pool_id,
                   label=f"Pool {period.label}", at=_at(period.starts_on))  # fmt: skip
        expected_total = reserve_total = 0
        last_receipt = min(ctx.as_of, period.ends_on)
        for school in schools:
            school_id = ctx.school_ids[school.urn]
            base = 1_400_000 if school.phase == "Primary" else 4_800_000
            sen_ratio = (school.ehc_plans * 3 + school.sen_support) / max(school.pupils, 1) / 0.2
            amount = int(base * (0.5 + 0.5 * min(sen_ratio, 3.0)) * (1.03**index) * rng.uniform(0.85, 1.15))
            amount = amount // 100 * 100  # whole pounds, as DfE publishes them
            allocation_id = ctx.new_id(ImfAllocation)
            rows.add(ImfAllocation, (allocation_id, self.body_id, period.label, school_id, amount, "DfE allocation",
                                     _at(period.starts_on)))  # fmt: skip
            expected = apply_rate(amount, basis_points=share_bp)
            reserve = apply_rate(expected, basis_points=500)
            contribution_id = ctx.new_id(Contribution)
            rows.add(Contribution, (
                contribution_id, self.body_id, pool_id, self.arrangements[school.urn], school_id, allocation_id,
                self.policy_id, share_bp, period.days, period.days, expected, _at(period.starts_on),
            ))  # fmt: skip
            if expected == 0:
                continue
            expected_total += expected
            reserve_total += reserve
            self.post(pool=pool, kind="contribution_expected", on=period.starts_on,
                      description=f"Contribution expected from {school.name}"[:300],
                      key=f"contribution:{contribution_id}:0:0>{expected}", source=("contribution", contribution_id),
                      legs=[("contributions_receivable", expected, school_id),
                            ("contributions", -expected, school_id)])  # fmt: skip
            if reserve:
                self.post(pool=pool, kind="reserve_set_aside", on=period.starts_on,
                          description=f"Urgent reserve from {school.name}"[:300],
                          key=f"contribution_reserve:{contribution_id}:0:0>{reserve}",
                          source=("contribution_reserve", contribution_id),
                          legs=[("contributions", reserve, school_id), ("reserve", -reserve, school_id)])  # fmt: skip
            # Trusts top-slice their academies' share monthly; LAs deduct it from the monthly
            # budget-share advances their schemes for financing schools pay maintained schools.
            day = 15 if self.spec.kind == "academy_trust" else 5
            due_days = [date(m.year, m.month, day) for m in _month_starts(period.starts_on, period.ends_on)]
            parts = list(zip(due_days, split_pence(expected, [1] * len(due_days)), strict=True))
            for received_on, part in parts:
                if part == 0 or received_on > last_receipt:
                    continue
                receipt_id = ctx.new_id(Receipt)
                method = "top_slice" if self.spec.kind == "academy_trust" else "transfer"
                rows.add(Receipt, (receipt_id, self.body_id, contribution_id, part, received_on, method,
                                   f"REM{receipt_id}", finance[1], _at(received_on)))  # fmt: skip
                self.post(pool=pool, kind="receipt", on=received_on, description=f"Received from {school.name}"[:300],
                          key=f"receipt:{receipt_id}", source=("receipt", receipt_id),
                          legs=[("pool_bank", part, school_id),
                                ("contributions_receivable", -part, school_id)])  # fmt: skip
        budget = expected_total - reserve_total
        set_aside = budget * shared.SHARED_SHARE_BP // 10_000 if self.shared else 0
        awards, left = self.cases_for(period, pool, current, schools, weights, budget - set_aside)
        funded = shared.fund_and_allocate(self, self.shared, period, pool, schools, weights, left + set_aside,
                                          finance)  # fmt: skip
        self.payments(period, pool, [("award", *award) for award in awards] + funded)

    def cases_for(self, period: Period, pool: dict[str, Any], current: bool, schools: list[SchoolSpec],
                  weights: list[int], budget: int) -> tuple[list[Any], int]:  # fmt: skip
        """The period's cases; returns the awards to schedule and the budget they left."""
        ctx, rng, rows = self.ctx, self.rng, self.rows
        n_cases = self.cases // len(ctx.periods) + (1 if rng.random() < (self.cases % len(ctx.periods)) / 3 else 0)
        last_day = min(ctx.as_of, period.ends_on)
        window = max((last_day - period.starts_on).days - (30 if not current else 0), 1)
        states = CURRENT_STATES if current else PAST_STATES
        state_names, state_weights = list(states), list(states.values())
        picked = rng.choices(range(len(schools)), weights=weights, k=n_cases)
        submitted_days = sorted(rng.randrange(window) for _ in range(n_cases))
        awards: list[tuple[int, int, int, date, date, str, str]] = []  # award, school, amount, start, end, freq, status
        for school_index, offset in zip(picked, submitted_days, strict=True):
            school = schools[school_index]
            school_id = ctx.school_ids[school.urn]
            state = rng.choices(state_names, weights=state_weights)[0]
            if current and state == "ended":
                state = "active"
            created = period.starts_on + timedelta(days=offset)
            submitted = created + timedelta(days=rng.randint(0, 7)) if state != "draft" else None
            decided_on = (submitted or created) + timedelta(days=rng.randint(3, 14))
            if state in DECIDED and decided_on > last_day:
                decided_on = last_day
            amount = variation = 0
            if state in AWARDED:
                amount = int(rng.lognormvariate(11.9, 0.6)) // 100 * 100 + 10_000
                varied = rng.random() < 0.25
                variation = amount // 1000 * 100 if varied else 0
                if amount + variation > budget:
                    state, amount, variation = "declined", 0, 0
                else:
                    budget -= amount + variation
            ctx.pupil_counter[0] += 1
            serial = ctx.pupil_counter[0]
            pupil_id = ctx.new_id(Pupil)
            secondary = school.phase == "Secondary"
            year = rng.choice(
                ["Y7", "Y8", "Y9", "Y10", "Y11"] if secondary else ["R", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6"]
            )
            sen = "ehc_plan" if rng.random() < 0.35 else "sen_support"
            need = rng.choices(NEEDS, weights=NEED_WEIGHTS)[0]
            rows.add(Pupil, (pupil_id, self.body_id, reference("P-", serial), school_id, year, sen, need, "",
                             _at(created)))  # fmt: skip
            case_id = ctx.new_id(Case)
            sendco = f"sendco@{school.urn}"
            rows.add(Case, (
                case_id, self.body_id, reference("ER-", serial), school_id, pupil_id, state,
                f"Needs support for {need} beyond ordinarily available provision.", rng.randint(0, 6) * 100_000,
                rng.randint(0, 6) * 50_000, True, "Parents met the SENDCO.", True, "Pupil views recorded.",
                "urgent" if rng.random() < 0.05 else "routine", self.policy_id, submitted,
                submitted + timedelta(days=14) if submitted else None, sendco, _at(created),
                _at(decided_on if state in DECIDED else (submitted or created)),
            ))  # fmt: skip
            start = date(decided_on.year, decided_on.month, 1) + timedelta(days=32)
            start = date(start.year, start.month, 1)
            if start > period.ends_on:
                start = date(period.ends_on.year, period.ends_on.month, 1)
            end = min(_month_end(date(start.year, start.month, 1) + timedelta(days=31 * rng.randint(2, 11))),
                      period.ends_on)  # fmt: skip
            quantity = 1 + amount // 2_000_000 if amount else 10
            unit = 2_000_000 if amount >= 2_000_000 else max(amount, 100_000)
            line = (ctx.new_id(ResourceLine), self.body_id, case_id, "staffing_hours", "Additional adult support")
            rows.add(ResourceLine, (*line, quantity, unit, start, end))
            result = rng.choice(["achieved", "partly", "not_yet"]) if state in {"ended", "closed"} else ""
            rows.add(Outcome, (ctx.new_id(Outcome), self.body_id, case_id, "Takes part in lessons with support",
                               "Attendance and engagement logs", end, result, ""))  # fmt: skip
            outcome: str | None = None
            if state in DECIDED:
                outcome = "declined" if not amount else "partly_approved" if state == "partly_approved" else "approved"
                decision_id = ctx.new_id(Decision)
                rows.add(Decision, (
                    decision_id, self.body_id, case_id, self.officer[0], self.officer[1], outcome,
                    DECISION_CRITERIA[:3] if outcome != "declined" else [],
                    "Meets the published criteria." if amount else "The pool cannot fund this request.", amount,
                    pool["id"] if amount else None, "monthly" if amount else "", start if amount else None,
                    end if amount else None, "", end if amount else None, self.policy_id, False, False,
                    _at(decided_on, DECIDED_HOUR),
                ))  # fmt: skip
                self.audit(actor=self.officer, verb=DECISION_VERBS[outcome], obj="exceptional_resource.case",
                           obj_id=case_id, label=reference("ER-", serial), at=_at(decided_on, DECIDED_HOUR),
                           after={"status": outcome, "amount_pence": amount})  # fmt: skip
                if amount:
                    award_id = ctx.new_id(Award)
                    ended = state in {"ended", "closed"} or (not current and state == "renewed")
                    status = "ended" if ended else "active"
                    rows.add(Award, (award_id, self.body_id, case_id, decision_id, school_id, pool["id"],
                                     amount + variation, status, end if ended else None,
                                     _at(decided_on, DECIDED_HOUR)))  # fmt: skip
                    self.post(pool=pool, kind="commitment", on=decided_on,
                              description=f"Award award {award_id} committed",
                              key=f"award-commit:award:{award_id}", source=("award", award_id),
                              legs=[("awards", amount, school_id), ("commitments", -amount, school_id)])  # fmt: skip
                    if variation:
                        varied_on = min(decided_on + timedelta(days=rng.randint(20, 60)), last_day)
                        self.post(
                            pool=pool,
                            kind="variation",
                            on=varied_on,
                            description=f"Award {award_id} varied",
                            key=f"award-vary:award:{award_id}:1",
                            source=("award", award_id),
                            legs=[("awards", variation, school_id), ("commitments", -variation, school_id)],
                        )
                    awards.append((award_id, school_id, amount + variation, start, end, "monthly", status))
            for verb, before, after, at, pool_id in case_timeline(
                state=state, outcome=outcome, created=created, submitted=submitted, decided_on=decided_on,
                moved_on=min(end, last_day), pool_id=pool["id"] if amount else None,
            ):  # fmt: skip
                rows.add(CaseEvent, (ctx.new_id(CaseEvent), self.body_id, case_id, verb, before, after, "",
                                     "synthetic", at, pool_id))  # fmt: skip
        return awards, budget

    def payments(self, period: Period, pool: dict[str, Any],
                 commitments: list[tuple[str, int, int, int, date, date, str, str]]) -> None:  # fmt: skip
        """Schedules for the period's commitments (awards, shared-resource funding), paid monthly."""
        ctx, rows = self.ctx, self.rows
        due: dict[date, list[tuple[int, int, int, int]]] = {}  # month -> (instalment, school, amount, schedule)
        for source_type, source_id, school_id, amount, start, end, frequency, _status in commitments:
            schedule_id = ctx.new_id(InstalmentSchedule)
            rows.add(InstalmentSchedule, (schedule_id, self.body_id, pool["id"], school_id, source_type,
                                          str(source_id), frequency, start, end, amount, _at(start)))  # fmt: skip
            months = _month_starts(start, end)
            for month, part in zip(months, split_pence(amount, [1] * len(months)), strict=True):
                instalment_id = ctx.new_id(Instalment)
                due.setdefault(month, []).append((instalment_id, school_id, part, schedule_id))
        paid_run: dict[int, int] = {}
        for month in sorted(due):
            pay_on = month + timedelta(days=19)
            if pay_on > ctx.as_of:
                continue
            run_id = ctx.new_id(PaymentRun)
            per_school: dict[int, int] = {}
            for instalment_id, school_id, part, *_ in due[month]:
                if part:
                    per_school[school_id] = per_school.get(school_id, 0) + part
                paid_run[instalment_id] = run_id
            total = sum(per_school.values())
            rows.add(PaymentRun, (run_id, self.body_id, pool["id"], _month_end(month), pay_on, "paid", total,
                                  "synthetic", "synthetic", _at(pay_on, 10), _at(pay_on, 9), "synthetic",
                                  _at(pay_on, 11), pay_on, "synthetic", _at(pay_on, 12)))  # fmt: skip
            for school_id, amount in sorted(per_school.items()):
                rows.add(PaymentRunLine, (ctx.new_id(PaymentRunLine), self.body_id, run_id, school_id, amount))
            paying = sorted(per_school.items())
            # The app posts one transaction per stage of a run. Its balance check runs once
            # per leg over all the transaction's legs, so its cost grows with the square of
            # the schools paid (1,000 legs ~1 s at commit); the generator posts each stage in
            # batches of PAYMENT_BATCH schools to stay linear. See docs/performance.md.
            for first in range(0, len(paying), PAYMENT_BATCH):
                batch = paying[first : first + PAYMENT_BATCH]
                suffix = f":{first // PAYMENT_BATCH}" if first else ""
                self.post(
                    pool=pool,
                    kind="payable",
                    on=pay_on,
                    description=f"Payment run {run_id}: payable",
                    key=f"payment-run:{run_id}:payable{suffix}",
                    source=("payment_run", run_id),
                    legs=[leg for s, a in batch for leg in (("commitments", a, s), ("payable_to_schools", -a, s))],
                )
                self.post(
                    pool=pool,
                    kind="payment",
                    on=pay_on,
                    description=f"Payment run {run_id}: paid",
                    key=f"payment-run:{run_id}:payment{suffix}",
                    source=("payment_run", run_id),
                    legs=[leg for s, a in batch for leg in (("payable_to_schools", a, s), ("payments_made", -a, s))],
                )
            self.audit(actor=None, verb=AuditVerb.PAYMENT_RUN_CONFIRMED, obj="pooling.paymentrun", obj_id=run_id,
                       label=f"Payment run {pay_on}", at=_at(pay_on, 10), after={"total_pence": total})  # fmt: skip
        for month in sorted(due):
            for instalment_id, _school_id, part, schedule_id in due[month]:
                paid_by = paid_run.get(instalment_id)
                rows.add(Instalment, (instalment_id, self.body_id, schedule_id, month, part,
                                      "paid" if paid_by else "scheduled", paid_by))  # fmt: skip


def periods_before(as_of: date, count: int = 3) -> list[Period]:
    current = period_of(as_of)
    return [
        grant_year(f"{y}-{(y + 1) % 100:02d}") for y in range(current.start_year - count + 1, current.start_year + 1)
    ]
