"""The financial-governance pack: for one pool (funding period) up to a chosen date, the
pool statement by month, the position of each school, cases by area of need and phase
against the decision-time target, the commitments schedule, outcomes, equity, and a
reconciliation that proves the pack's totals equal the ledger's and that the subledgers
(instalments paid, payment runs, awards) agree with it. If they do not, the run fails
(``ReportFailed``) naming each difference; nothing is stored.

It lives in ``exceptional_resource`` because it reads the ledger (``pooling``) and the cases
together; ``pooling`` never imports this app. Figures are gathered in one database
snapshot (``REPEATABLE READ``) and rendered by ``governance_output`` (PDF with SVG charts,
XLSX). No pupil appears: cases are counted, never listed, and every count under 5 in the
sections about cases (by school, by need and phase, outcomes, equity) is suppressed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median
from typing import Any

from django import forms
from django.apps import apps
from django.db import connection, transaction
from django.db.models import Case as When_
from django.db.models import CharField, F, Prefetch, Q, Sum, When
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone

from accounts.models import ResponsibleBody
from assurance.recoveries import RecoveryRow, recovery_rows, recovery_total
from core.money import format_pence
from core.tenancy import tenant_context
from core.text import ascii_digits
from exceptional_resource.models import Award, CaseEvent, Decision, Outcome
from exceptional_resource.selectors import CLOCK_VERBS, clock_of
from groupings.models import GroupingPolicy, School
from groupings.policy_defaults import AREAS_OF_NEED
from pooling.models import AccountKind, Instalment, Leg, PaymentRun, PaymentRunLine, Pool, TransactionKind
from pooling.selectors import headroom_from_balances, pool_balances
from reports.jobs import ReportFailed, ReportJob
from reports.registry import ReportParametersForm, ReportType, register_report_type

REPORT_KEY = "governance_pack"
SUPPRESS_UNDER = 5
SUPPRESSED = "<5"


def suppress(count: int) -> int | str:
    """A count of people or cases as shown: under 5 becomes "<5" (0 included)."""
    return count if count >= SUPPRESS_UNDER else SUPPRESSED


def months_between(start: date, end: date) -> list[date]:
    months, day = [], date(start.year, start.month, 1)
    while day <= end:
        months.append(day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return months


@dataclass
class MonthRow:
    month: date
    brought_forward: int = 0
    expected: int = 0
    received: int = 0
    commitments: int = 0
    releases: int = 0
    recoveries: int = 0
    payments: int = 0
    reserve: int = 0
    cash_brought_forward: int = 0
    fund_balance: int = 0
    available: int = 0
    cash_balance: int = 0


@dataclass
class SchoolRow:
    school_id: int | None
    name: str
    urn: int | None
    phase: str
    expected: int = 0
    received: int = 0
    awards: int = 0
    paid: int = 0
    cases: int = 0
    approved: int = 0
    outcomes_achieved: int = 0
    outcomes_partly: int = 0
    outcomes_not_yet: int = 0
    sen_support: int | None = None
    ehc_plan: int | None = None

    @property
    def net(self) -> int:
        """Awards received less contributions made: positive means the school drew more
        from the pool than it put in."""
        return self.awards - self.received


@dataclass
class NeedPhaseRow:
    area: str
    phase: str
    decided: int = 0
    approved: int = 0
    awards: int = 0
    decision_days: list[int] = field(default_factory=list)
    within_target: int = 0
    award_amounts: list[int] = field(default_factory=list)

    @property
    def approval_rate(self) -> str:
        if self.decided < SUPPRESS_UNDER:
            return SUPPRESSED
        return f"{100 * self.approved / self.decided:.0f}%"

    @property
    def median_days(self) -> str:
        if len(self.decision_days) < SUPPRESS_UNDER:
            return SUPPRESSED if self.decision_days else "–"
        return f"{median(self.decision_days):g}"


@dataclass
class Check:
    """One line of the reconciliation: a figure of the pack (or of a subledger: instalments,
    payment runs, awards) against the figure it must equal. ``says`` words the two sides in
    the failure message; ``detail`` names the rows involved when they differ."""

    name: str
    pack_pence: int
    ledger_pence: int
    says: tuple[str, str] = ("the pack shows", "the ledger shows")
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.pack_pence == self.ledger_pence

    @property
    def difference(self) -> int:
        return self.pack_pence - self.ledger_pence


@dataclass
class Pack:
    body_name: str
    pool_label: str
    pool_starts_on: date
    pool_ends_on: date
    period_end: date
    generated_at: Any
    target_days: int
    months: list[MonthRow]
    totals: MonthRow
    schools: list[SchoolRow]
    need_phase: list[NeedPhaseRow]
    schedule: list[tuple[date, int]]
    schedule_later: int
    committed_outstanding: int
    outcomes_due: int
    outcomes_completed: int
    outcomes_by_result: dict[str, int]
    census_year: int | None
    checks: list[Check] = field(default_factory=list)
    recoveries: list[RecoveryRow] = field(default_factory=list)

    @property
    def opening_fund(self) -> int:
        return self.months[0].brought_forward if self.months else 0

    @property
    def closing_fund(self) -> int:
        return self.months[-1].fund_balance if self.months else 0

    @property
    def available(self) -> int:
        return self.months[-1].available if self.months else 0

    @property
    def cash_balance(self) -> int:
        return self.months[-1].cash_balance if self.months else 0

    @property
    def schedule_total(self) -> int:
        return sum(amount for _, amount in self.schedule) + self.schedule_later

    @property
    def reconciled(self) -> bool:
        return all(c.ok for c in self.checks)


# --- Gathering ----------------------------------------------------------------------------


@contextmanager
def snapshot(tenant: ResponsibleBody) -> Iterator[None]:
    """One consistent view of the data: a REPEATABLE READ, READ ONLY transaction when we
    start one (in a worker); inside a caller's transaction, that transaction's view."""
    if connection.in_atomic_block:
        with tenant_context(tenant):
            yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        with tenant_context(tenant):
            yield


def _area_of(code: str, areas: list[dict[str, Any]]) -> str:
    for area in areas:
        if any(n.get("code") == code for n in area.get("needs", [])):
            return str(area["area"])
    return "Other"


def ledger_rows(pool: Pool, period_end: date) -> list[dict[str, Any]]:
    positive = Sum(When_(When(amount_pence__gt=0, then=F("amount_pence")), default=0))
    negative = Sum(When_(When(amount_pence__lt=0, then=F("amount_pence")), default=0))
    return list(
        Leg.objects.filter(account__pool=pool, transaction__posted_on__lte=period_end)
        .annotate(month=TruncMonth("transaction__posted_on"))
        .values(
            "month",
            "account__kind",
            "transaction__kind",
            "school_id",
            "transaction__source_type",
            "transaction__source_id",
        )
        .annotate(pos=positive, neg=negative)
        .order_by()
    )


def statement(pool: Pool, period_end: date, rows: list[dict[str, Any]]) -> tuple[list[MonthRow], MonthRow]:
    by_month = {m: MonthRow(month=m) for m in months_between(pool.starts_on, period_end)}
    for r in rows:
        m = by_month.setdefault(r["month"], MonthRow(month=r["month"]))
        pos, neg = int(r["pos"]), int(r["neg"])
        net, kind = pos + neg, r["account__kind"]
        if kind == "carry_forward":
            m.brought_forward -= net
        elif kind in ("contributions", "reserve"):
            m.expected -= net
            if kind == "reserve":
                m.reserve -= net
        elif kind == "recoveries":
            m.recoveries -= net
        elif kind == "awards":
            m.commitments += pos
            m.releases -= neg
        elif kind in ("pool_bank", "payments_made"):
            if r["transaction__kind"] == "carry_forward":
                m.cash_brought_forward += net
            elif kind == "pool_bank":
                m.received += net
            else:
                m.payments -= net
    months = sorted(by_month.values(), key=lambda m: m.month)
    fund = reserve = cash = 0
    totals = MonthRow(month=period_end)
    for m in months:
        fund += m.brought_forward + m.expected + m.recoveries - m.commitments + m.releases
        reserve += m.reserve
        cash += m.cash_brought_forward + m.received - m.payments
        m.fund_balance, m.available, m.cash_balance = fund, fund - reserve, cash
        for name in (
            "brought_forward",
            "expected",
            "received",
            "commitments",
            "releases",
            "recoveries",
            "payments",
            "reserve",
            "cash_brought_forward",
        ):
            setattr(totals, name, getattr(totals, name) + getattr(m, name))
    totals.fund_balance, totals.available, totals.cash_balance = fund, fund - reserve, cash
    return months, totals


def school_rows(rows: list[dict[str, Any]]) -> dict[int | None, SchoolRow]:
    schools: dict[int | None, SchoolRow] = {}

    def row(school_id: int | None) -> SchoolRow:
        if school_id not in schools:
            schools[school_id] = SchoolRow(school_id=school_id, name="", urn=None, phase="")
        return schools[school_id]

    for r in rows:
        kind, net = r["account__kind"], int(r["pos"]) + int(r["neg"])
        if r["transaction__kind"] == "carry_forward":
            continue
        if kind in ("contributions", "reserve") and net:
            row(r["school_id"]).expected -= net
        elif kind == "pool_bank" and net:
            row(r["school_id"]).received += net
        elif kind == "awards" and net:
            row(r["school_id"]).awards += net
        elif kind == "payments_made" and net:
            row(r["school_id"]).paid -= net
    return schools


def award_amounts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Net committed per ledger source (``award:<id>``, or another source type)."""
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        if r["account__kind"] == "awards":
            key = f"{r['transaction__source_type']}:{r['transaction__source_id']}"
            totals[key] += int(r["pos"]) + int(r["neg"])
    return totals


def _policy_on(day: date) -> GroupingPolicy | None:
    return GroupingPolicy.objects.filter(effective_from__lte=day).order_by("-effective_from").first()


def _census_year(period_end: date) -> int:
    return period_end.year if period_end.month >= 9 else period_end.year - 1


def _add_census(schools: dict[int | None, SchoolRow], period_end: date) -> int | None:
    """SEN-support and EHC-plan pupils from the latest school census at or before the
    period's academic year, when ``import_sen_census`` has loaded it."""
    try:
        census_model = apps.get_model("groupings", "SchoolCensus")
    except LookupError:
        return None
    urns = {row.urn: row for row in schools.values() if row.urn is not None}
    latest: int | None = None
    figures = census_model.objects.filter(urn__in=urns, academic_year__lte=_census_year(period_end)).order_by(
        "urn", "-academic_year"
    )
    seen: set[int] = set()
    for census in figures:
        if census.urn in seen:
            continue
        seen.add(census.urn)
        urns[census.urn].sen_support = census.sen_support_pupils
        urns[census.urn].ehc_plan = census.ehc_plan_pupils
        latest = max(latest or 0, census.academic_year)
    return latest


def gather(*, tenant: ResponsibleBody, pool: Pool, period_end: date) -> Pack:
    """Every figure of the pack, from one snapshot. Call inside ``snapshot(tenant)``."""
    rows = ledger_rows(pool, period_end)
    months, totals = statement(pool, period_end, rows)
    schools = school_rows(rows)
    policy = _policy_on(period_end)
    areas = (policy.areas_of_need if policy else None) or AREAS_OF_NEED
    target = policy.decision_target_working_days if policy else 10

    # Cases decided in the period on this pool (declines name no pool).
    start = pool.starts_on
    decisions = Decision.objects.filter(
        Q(pool=pool) | Q(pool__isnull=True), decided_at__date__gte=start, decided_at__date__lte=period_end
    )
    latest: dict[int, Decision] = {}
    first: dict[int, Decision] = {}
    pauses = CaseEvent.objects.filter(verb__in=CLOCK_VERBS).order_by("created_at", "id")
    for d in (
        decisions.select_related("case__pupil", "case__school", "case__policy")
        .prefetch_related(Prefetch("case__events", queryset=pauses, to_attr="pause_events"))
        .order_by("decided_at", "pk")
    ):
        first.setdefault(d.case_id, d)
        latest[d.case_id] = d
    need_phase: dict[tuple[str, str], NeedPhaseRow] = {}

    def np_row(area: str, phase: str) -> NeedPhaseRow:
        return need_phase.setdefault((area, phase), NeedPhaseRow(area=area, phase=phase))

    for case_id, decision in latest.items():
        case = decision.case
        row = np_row(_area_of(case.pupil.primary_need, areas), case.school.phase or "Not recorded")
        row.decided += 1
        approved = decision.outcome in (Decision.Outcome.APPROVED, Decision.Outcome.PARTLY_APPROVED)
        row.approved += approved
        # The decision clock at the first decision (pauses for information excluded), from
        # the prefetched events: no query per case.
        clock = clock_of(case, today=timezone.localtime(first[case_id].decided_at).date())
        if clock.started:
            row.decision_days.append(clock.elapsed)
            row.within_target += clock.elapsed <= (clock.target or target)
        school = schools.setdefault(case.school_id, SchoolRow(school_id=case.school_id, name="", urn=None, phase=""))
        school.cases += 1
        school.approved += approved

    # Money by need and phase: each award's net commitment in the ledger.
    amounts = award_amounts(rows)
    award_keys = [k.removeprefix("award:") for k in amounts if k.startswith("award:")]
    award_ids = [int(k) for k in award_keys if ascii_digits(k)]
    linked = {a.pk: a for a in Award.objects.filter(pk__in=award_ids).select_related("case__pupil", "school")}
    for key, amount in sorted(amounts.items()):
        source, _, source_id = key.partition(":")
        award = linked.get(int(source_id)) if source == "award" and ascii_digits(source_id) else None
        if award is None:
            row = np_row("Not linked to a case", "–")
        else:
            row = np_row(_area_of(award.case.pupil.primary_need, areas), award.school.phase or "Not recorded")
            if amount > 0:
                row.award_amounts.append(amount)
        row.awards += amount

    # Outcomes of the pool's awards reviewed by the period end.
    outcomes = Outcome.objects.filter(case__awards__pool=pool, review_on__lte=period_end).distinct()
    by_result = {r.value: 0 for r in Outcome.Result}
    due = completed = 0
    for outcome in outcomes.select_related("case"):
        due += 1
        if outcome.result:
            completed += 1
            by_result[outcome.result] += 1
            reviewed = schools.get(outcome.case.school_id)
            if reviewed is not None:
                if outcome.result == Outcome.Result.ACHIEVED:
                    reviewed.outcomes_achieved += 1
                elif outcome.result == Outcome.Result.PARTLY:
                    reviewed.outcomes_partly += 1
                else:
                    reviewed.outcomes_not_yet += 1

    # Commitments schedule: instalments still to be paid, by month after the period end.
    coming = months_between(period_end, date(period_end.year + 1, period_end.month, 1))[1:13]
    schedule_by_month: dict[date, int] = dict.fromkeys(coming, 0)
    later = 0
    for row_ in (
        Instalment.objects.filter(schedule__pool=pool, status=Instalment.Status.SCHEDULED, due_on__gt=period_end)
        .annotate(month=TruncMonth("due_on"))
        .values("month")
        .annotate(total=Sum("amount_pence"))
        .order_by("month")
    ):
        if row_["month"] in schedule_by_month:
            schedule_by_month[row_["month"]] += int(row_["total"])
        else:
            later += int(row_["total"])

    for registered in School.objects.filter(pk__in=[k for k in schools if k is not None]):
        target_row = schools[registered.pk]
        target_row.name, target_row.urn, target_row.phase = registered.name, registered.urn, registered.phase
    if None in schools:
        schools[None].name = "Not attributed to a school"
    census_year = _add_census(schools, period_end)
    balances = pool_balances(tenant=tenant, pool=pool, as_at=period_end)
    headroom = headroom_from_balances(balances)
    pack = Pack(
        body_name=tenant.legal_name,
        pool_label=pool.label,
        pool_starts_on=pool.starts_on,
        pool_ends_on=pool.ends_on,
        period_end=period_end,
        generated_at=timezone.now(),
        target_days=target,
        months=months,
        totals=totals,
        schools=sorted(schools.values(), key=lambda s: (s.school_id is None, s.name)),
        need_phase=sorted(need_phase.values(), key=lambda r: (r.area, r.phase)),
        schedule=sorted(schedule_by_month.items()),
        schedule_later=later,
        committed_outstanding=headroom.committed_outstanding_pence,
        outcomes_due=due,
        outcomes_completed=completed,
        outcomes_by_result=by_result,
        census_year=census_year,
    )
    pack.recoveries = recovery_rows(pool=pool, period_end=period_end)
    pack.checks = [
        Check(
            "Recoveries (award by award)",
            recovery_total(pack.recoveries),
            headroom.recoveries_pence,
            says=("the recoveries listed come to", "the ledger's recoveries account holds"),
        ),
        *reconcile(pack, balances),
        *payment_checks(pool=pool, period_end=period_end, balances=balances),
        *award_checks(pool=pool),
    ]
    return pack


def reconcile(pack: Pack, balances: dict[str, int]) -> list[Check]:
    """The pack's totals against the ledger's balances (``pooling.selectors``)."""
    ledger = headroom_from_balances(balances)
    t = pack.totals
    return [
        Check("Contributions expected (statement)", t.expected, ledger.expected_pence),
        Check("Brought forward (statement)", t.brought_forward, ledger.carried_forward_pence),
        Check("Recoveries (statement)", t.recoveries, ledger.recoveries_pence),
        Check("Awards net of releases (statement)", t.commitments - t.releases, balances["awards"]),
        Check("Reserve held (statement)", t.reserve, ledger.reserve_pence),
        Check("Available (statement)", pack.available, ledger.available_on_expected_pence),
        Check("Cash in the pool (statement)", pack.cash_balance, ledger.cash_pence),
        Check("Contributions expected (by school)", sum(s.expected for s in pack.schools), ledger.expected_pence),
        Check("Awards (by school)", sum(s.awards for s in pack.schools), balances["awards"]),
        Check("Paid to schools (by school)", sum(s.paid for s in pack.schools), t.payments),
        Check("Awards (by area of need and phase)", sum(r.awards for r in pack.need_phase), balances["awards"]),
    ]


# --- The subledgers against the ledger ------------------------------------------------------
#
# Each figure below is checked against the ledger by a handful of aggregate queries, whatever
# the number of schools, runs or awards. Only a difference adds a line per run or award, so a
# pack that reconciles shows one line per check.


@dataclass
class RunFigures:
    """A payment run of the pool paying on or before the period end, and what it adds up to
    in the subledgers and the ledger."""

    run_id: int
    pay_on: date
    status: str
    total: int
    lines: int = 0
    instalments: int = 0
    posted: int = 0
    transactions: list[int] = field(default_factory=list)

    @property
    def confirmed(self) -> bool:
        return self.status == PaymentRun.Status.CONFIRMED

    @property
    def pays(self) -> int:
        """A confirmed run pays its total; a draft or cancelled one pays nothing."""
        return self.total if self.confirmed else 0

    @property
    def label(self) -> str:
        state = "" if self.confirmed else f", {self.status}"
        return f"Payment run {self.run_id} (paying on {self.pay_on:%-d %B %Y}{state})"


def _ids(ids: list[int]) -> str:
    return ", ".join(str(i) for i in sorted(ids))


def _paid_by_run(row: dict[str, Any]) -> str | None:
    """The run (id as text) whose payment a transaction's payments-made legs are: its
    ``payment`` posting from source ``payment_run`` (one per batch) or a reversal of one."""
    if row["transaction__kind"] == TransactionKind.PAYMENT and row["transaction__source_type"] == "payment_run":
        return str(row["transaction__source_id"])
    if (
        row["transaction__reverses__kind"] == TransactionKind.PAYMENT
        and row["transaction__reverses__source_type"] == "payment_run"
    ):
        return str(row["transaction__reverses__source_id"])
    return None


def payment_checks(*, pool: Pool, period_end: date, balances: dict[str, int]) -> list[Check]:
    """Instalments paid and payment runs against the ledger's payments made, as at the
    period end. A run is in the period when it pays on or before the period end (its
    ``payment`` postings are dated ``pay_on``; its instalments are marked paid when it is
    confirmed). Instalments are counted by their run's pool, not their schedule's: closing
    a period moves a part-paid schedule to the next pool, while what was paid stays with
    the pool whose run paid it."""
    runs = {
        r["pk"]: RunFigures(run_id=r["pk"], pay_on=r["pay_on"], status=r["status"], total=int(r["total_pence"]))
        for r in PaymentRun.objects.filter(pool=pool, pay_on__lte=period_end).values(
            "pk", "pay_on", "status", "total_pence"
        )
    }
    in_period = Q(payment_run__pool=pool, payment_run__pay_on__lte=period_end)
    for r in (
        PaymentRunLine.objects.filter(in_period).values("payment_run_id").annotate(total=Sum("amount_pence")).order_by()
    ):
        runs[r["payment_run_id"]].lines = int(r["total"])
    for r in (
        Instalment.objects.filter(in_period, status=Instalment.Status.PAID)
        .values("payment_run_id")
        .annotate(total=Sum("amount_pence"))
        .order_by()
    ):
        runs[r["payment_run_id"]].instalments = int(r["total"])
    # Every posting on the pool's payments-made account by the period end, one row per
    # transaction (a run's batches, reversals, anything else): what the balance is made of.
    unattributed: list[int] = []
    for r in (
        Leg.objects.filter(
            account__pool=pool, account__kind=AccountKind.PAYMENTS_MADE, transaction__posted_on__lte=period_end
        )
        .values(
            "transaction_id",
            "transaction__kind",
            "transaction__source_type",
            "transaction__source_id",
            "transaction__reverses__kind",
            "transaction__reverses__source_type",
            "transaction__reverses__source_id",
        )
        .annotate(total=Sum("amount_pence"))
        .order_by("transaction_id")
    ):
        run_ref = _paid_by_run(r)
        run = runs.get(int(run_ref)) if run_ref is not None and ascii_digits(run_ref) else None
        if run is None:
            unattributed.append(r["transaction_id"])
            continue
        run.posted -= int(r["total"])
        run.transactions.append(r["transaction_id"])

    ordered = sorted(runs.values(), key=lambda run: run.run_id)
    involved = []
    if differing := [run.run_id for run in ordered if run.instalments != run.posted]:
        involved.append(f"payment runs whose paid instalments differ from their payment postings: {_ids(differing)}")
    if unattributed:
        involved.append(
            "postings on payments made that are not the payment of a run of this pool paying by the period end: "
            f"transactions {_ids(unattributed)}"
        )
    confirmed = [run for run in ordered if run.confirmed]
    checks = [
        Check(
            "Paid instalments (payments made)",
            sum(run.instalments for run in ordered),
            headroom_from_balances(balances).paid_pence,
            says=("the instalments marked paid sum to", "the ledger's payments made show"),
            detail="; ".join(involved),
        ),
        Check(
            f"Payment runs: totals against their lines ({len(confirmed)} confirmed)",
            sum(run.total for run in confirmed),
            sum(run.lines for run in confirmed),
            says=("the confirmed runs' totals sum to", "their lines sum to"),
        ),
        Check(
            "Payment runs: totals against paid instalments",
            sum(run.pays for run in ordered),
            sum(run.instalments for run in ordered),
            says=("the confirmed runs' totals sum to", "the instalments they paid sum to"),
        ),
        Check(
            "Payment runs: totals against payment postings",
            sum(run.pays for run in ordered),
            sum(run.posted for run in ordered),
            says=("the confirmed runs' totals sum to", "their payment postings credit payments made with"),
        ),
    ]
    for run in ordered:
        pays = "its total is" if run.confirmed else f"being {run.status}, it pays"
        if run.confirmed and run.total != run.lines:
            checks.append(
                Check(f"{run.label}, total against its lines", run.total, run.lines, says=(pays, "its lines sum to"))
            )
        if run.pays != run.instalments:
            checks.append(
                Check(
                    f"{run.label}, total against its paid instalments",
                    run.pays,
                    run.instalments,
                    says=(pays, "the instalments it paid sum to"),
                )
            )
        if run.pays != run.posted:
            checks.append(
                Check(
                    f"{run.label}, total against its payment postings",
                    run.pays,
                    run.posted,
                    says=(pays, "its payment postings credit payments made with"),
                    detail=f"transactions {_ids(run.transactions)}" if run.transactions else "no payment posted",
                )
            )
    return checks


def award_checks(*, pool: Pool) -> list[Check]:
    """Each award of the pool against its commitment in the ledger, as they stand now (an
    award's amount is not dated). The ledger's net commitment is the sum of its ``awards``
    legs in any of the body's pools (a change after the period closes posts to the pool its
    schedule moved to), from transactions of source ``award`` and this award's id
    (commitment, variations up and down, releases) and reversals of them. Varying an award
    posts the change and sets its amount to the new total; ending it early releases its
    unpaid instalments due after the end (status ``released``) and exactly their sum from
    the commitment, and leaves its amount as it was. So an active award's amount is its net
    commitment, and an ended one's is its net commitment plus its released instalments."""
    of_pool = Award.objects.filter(pool=pool)
    awards = list(of_pool.values_list("pk", "amount_pence", "status").order_by("pk"))
    refs = of_pool.annotate(ref=Cast("pk", output_field=CharField())).values("ref")
    net: dict[str, int] = defaultdict(int)
    for r in (
        Leg.objects.filter(account__kind=AccountKind.AWARDS)
        .filter(
            Q(transaction__source_type="award", transaction__source_id__in=refs)
            | Q(transaction__reverses__source_type="award", transaction__reverses__source_id__in=refs)
        )
        .annotate(
            award_ref=When_(
                When(transaction__reverses__source_type="award", then=F("transaction__reverses__source_id")),
                default=F("transaction__source_id"),
            )
        )
        .values("award_ref")
        .annotate(total=Sum("amount_pence"))
        .order_by()
    ):
        net[r["award_ref"]] += int(r["total"])
    released = {
        r["schedule__source_id"]: int(r["total"])
        for r in Instalment.objects.filter(
            status=Instalment.Status.RELEASED, schedule__source_type="award", schedule__source_id__in=refs
        )
        .values("schedule__source_id")
        .annotate(total=Sum("amount_pence"))
        .order_by()
    }
    amounts = commitments = 0
    differing: list[Check] = []
    for award_id, amount, status in awards:
        committed = net.get(str(award_id), 0)
        ended_early = released.get(str(award_id), 0) if status == Award.Status.ENDED else 0
        amounts += amount
        commitments += committed + ended_early
        if amount != committed + ended_early:
            ledger_says = "its net commitment in the ledger is"
            if status == Award.Status.ENDED:
                ledger_says = (
                    f"its net commitment in the ledger ({format_pence(committed)}) plus the instalments released "
                    f"when it ended ({format_pence(ended_early)}) come to"
                )
            differing.append(
                Check(f"Award {award_id}", amount, committed + ended_early, says=("its amount is", ledger_says))
            )
    summary = Check(
        f"Awards: amounts against net commitments ({len(awards)} awards)",
        amounts,
        commitments,
        says=(
            "the awards' amounts sum to",
            "their net commitments in the ledger, plus the instalments released when they ended early, come to",
        ),
    )
    return [summary, *differing]


# The run's error message is stored up to 4,000 characters: name this many differences.
FAILURES_NAMED = 20


def reconciliation_failure(checks: list[Check]) -> str:
    failed = [c for c in checks if not c.ok]
    details = "; ".join(
        f"{c.name}: {c.says[0]} {format_pence(c.pack_pence)} but {c.says[1]} {format_pence(c.ledger_pence)}"
        + (f" ({c.detail})" if c.detail else "")
        for c in failed[:FAILURES_NAMED]
    )
    if len(failed) > FAILURES_NAMED:
        details += f"; and {len(failed) - FAILURES_NAMED} more differences"
    return f"The governance pack does not reconcile to the ledger, so it was not produced. {details}."


# --- The report type ------------------------------------------------------------------------


class GovernancePackForm(ReportParametersForm):
    period_end = forms.DateField(
        label="Figures up to and including",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave blank for today, or the end of the period if it has ended.",
        error_messages={"invalid": "Enter a real date, for example 30/11/2026"},
    )

    def __init__(self, *args: Any, tenant: ResponsibleBody, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        # Built here, not on the class: the queryset needs the body (and a tenant context).
        pool = forms.ModelChoiceField(
            queryset=Pool.objects.for_tenant(tenant).order_by("-starts_on"),
            label="Funding period",
            empty_label=None,
            error_messages={"required": "Choose a funding period", "invalid_choice": "Choose a funding period"},
        )
        pool.label_from_instance = lambda p: p.label  # type: ignore[method-assign, assignment]
        self.fields = {"pool": pool, **self.fields}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pool = data.get("pool")
        if pool is None:
            return data
        end = data.get("period_end") or min(timezone.localdate(), pool.ends_on)
        if end < pool.starts_on or end > pool.ends_on:
            self.add_error(
                "period_end",
                f"The date must be within the funding period, {pool.starts_on:%-d %B %Y} to {pool.ends_on:%-d %B %Y}",
            )
        elif end > timezone.localdate():
            self.add_error("period_end", "The date must be today or in the past")
        data["period_end"] = end
        return data

    def describe(self) -> str:
        return f"{self.cleaned_data['pool'].label} to {self.cleaned_data['period_end']:%-d %B %Y}"


def build_governance_pack(job: ReportJob) -> None:
    from assurance import governance_output

    job.progress(5, "Reading the ledger and cases")
    with snapshot(job.tenant):
        pool = Pool.objects.filter(pk=job.parameters["pool"]).first()
        if pool is None:
            raise ReportFailed("The funding period no longer exists.")
        pack = gather(tenant=job.tenant, pool=pool, period_end=date.fromisoformat(job.parameters["period_end"]))
    job.progress(40, "Reconciling to the ledger")
    if not pack.reconciled:
        raise ReportFailed(reconciliation_failure(pack.checks))
    stem = f"governance-pack-{pack.pool_label}-to-{pack.period_end:%Y-%m-%d}"
    job.progress(50, "Writing the PDF")
    job.add_file(f"{stem}.pdf", "application/pdf", governance_output.pack_pdf(pack))
    job.progress(85, "Writing the spreadsheet")
    job.add_file(
        f"{stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        governance_output.pack_xlsx(pack),
    )
    job.progress(95, "Storing the files")


def monthly_parameters(tenant: ResponsibleBody, today: date) -> list[dict[str, Any]]:
    """On the first of a month: the pack for the pool that held the month just ended."""
    last_month_end = date(today.year, today.month, 1) - timedelta(days=1)
    pool = Pool.objects.for_tenant(tenant).filter(starts_on__lte=last_month_end, ends_on__gte=last_month_end).first()
    if pool is None:
        return []
    return [{"pool": pool.pk, "period_end": last_month_end.isoformat()}]


def register_governance_pack() -> None:
    register_report_type(
        ReportType(
            key=REPORT_KEY,
            label="Financial-governance pack",
            description=(
                "For trustees and accounting officers: the pool statement by month, each school's position, "
                "cases by need and phase, commitments, outcomes, equity and a reconciliation to the ledger "
                "(PDF and spreadsheet)."
            ),
            builder=build_governance_pack,
            form_class=GovernancePackForm,
            monthly=monthly_parameters,
            step_up=True,
        )
    )
