"""Gathering the pack: every figure read in one ``REPEATABLE READ, READ ONLY`` snapshot
(``snapshot``), the ledger's rows for the pool (``ledger_rows``), cases by need and phase,
outcomes and equity (``gather``). The pool statement by month, each school's position and
the totals checked against the ledger are worked out from those rows by the pure functions
of ``calculate``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Case as When_
from django.db.models import F, Q, Sum, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import ResponsibleBody
from assurance.governance.calculate import area_of, award_amounts, census_year, reconcile, school_rows, statement
from assurance.governance.lookups import account_kind, on_accounts_of, transaction_field
from assurance.governance.pack import Check, NeedPhaseRow, Pack, SchoolRow, months_between
from assurance.governance.subledgers import award_checks, payment_checks
from assurance.recoveries import recovery_rows, recovery_total
from core.tenancy import tenant_context
from core.text import ascii_digits
from exceptional_resource.clock import elapsed_working_days
from exceptional_resource.models import Award, CaseEvent, Decision, Outcome
from exceptional_resource.selectors.clock import CLOCK_VERBS, pause_spans
from groupings.models import School
from groupings.policy_defaults import AREAS_OF_NEED
from groupings.services.policy import policy_on
from pooling.models import Instalment, Leg, Pool
from pooling.selectors import headroom_from_balances, pool_balances
from shared_resources.models import ResourceFunding
from shared_resources.reporting import shared_resources_section


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


def ledger_rows(pool: Pool, period_end: date) -> list[dict[str, Any]]:
    """The pool's legs by the period end, summed by month, account kind, transaction kind,
    school and source: the legs by the pool's accounts, each leg's transaction and account
    by key (``lookups``)."""
    positive = Sum(When_(When(amount_pence__gt=0, then=F("amount_pence")), default=0))
    negative = Sum(When_(When(amount_pence__lt=0, then=F("amount_pence")), default=0))
    rows = (
        Leg.objects.filter(on_accounts_of(pool))
        .annotate(posted_on=transaction_field("posted_on"))
        .filter(posted_on__lte=period_end)
        .annotate(
            month=TruncMonth("posted_on"),
            of_account=account_kind(),
            of_transaction=transaction_field("kind"),
            source=transaction_field("source_type"),
            source_ref=transaction_field("source_id"),
        )
        .values("month", "of_account", "of_transaction", "school_id", "source", "source_ref")
        .annotate(pos=positive, neg=negative)
        .order_by()
    )
    return [
        {
            "month": r["month"],
            "account__kind": r["of_account"],
            "transaction__kind": r["of_transaction"],
            "school_id": r["school_id"],
            "transaction__source_type": r["source"],
            "transaction__source_id": r["source_ref"],
            "pos": r["pos"],
            "neg": r["neg"],
        }
        for r in rows
    ]


def _add_census(schools: dict[int | None, SchoolRow], period_end: date) -> int | None:
    """SEN-support and EHC-plan pupils from the latest school census at or before the
    period's academic year, when ``import_sen_census`` has loaded it."""
    try:
        census_model = apps.get_model("groupings", "SchoolCensus")
    except LookupError:
        return None
    urns = {row.urn: row for row in schools.values() if row.urn is not None}
    latest: int | None = None
    figures = census_model.objects.filter(urn__in=urns, academic_year__lte=census_year(period_end)).order_by(
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


def _need_phase_row(need_phase: dict[tuple[str, str], NeedPhaseRow], area: str, phase: str) -> NeedPhaseRow:
    return need_phase.setdefault((area, phase), NeedPhaseRow(area=area, phase=phase))


@dataclass
class _Pause:
    """A clock event (information requested or provided), as ``pause_spans`` reads it."""

    verb: str
    created_at: datetime


@dataclass
class _Decided:
    """What the pack needs of a decided case: its latest decision's outcome, its first
    decision's time, and what its decision clock is worked out from."""

    outcome: str
    first_decided_at: datetime
    school_id: int
    phase: str
    primary_need: str
    submitted_on: date | None
    target: int | None
    pauses: list[_Pause] = field(default_factory=list)

    def elapsed(self) -> int | None:
        """Working days from submission to the first decision, pauses excluded (as
        ``clock_of`` counts them); None when the clock never started."""
        if self.submitted_on is None or self.target is None:
            return None
        day = timezone.localtime(self.first_decided_at).date()
        return elapsed_working_days(submitted_on=self.submitted_on, today=day, paused=pause_spans(self.pauses))


def _decisions(pool: Pool, period_end: date) -> dict[int, _Decided]:
    """Each case decided in the period on this pool (declines name no pool), by case: its
    latest outcome and first decision time, with the case's clock pauses. Two queries, read
    as the few columns they need (at 20,000 cases, model instances cost seconds)."""
    decisions = Decision.objects.filter(
        Q(pool=pool) | Q(pool__isnull=True), decided_at__date__gte=pool.starts_on, decided_at__date__lte=period_end
    )
    decided: dict[int, _Decided] = {}
    for d in decisions.order_by("decided_at", "pk").values_list(
        "case_id",
        "outcome",
        "decided_at",
        "case__school_id",
        "case__school__phase",
        "case__pupil__primary_need",
        "case__submitted_on",
        "case__policy__decision_target_working_days",
    ):
        case_id, outcome, decided_at, school_id, phase, need, submitted_on, target = d
        row = decided.get(case_id)
        if row is None:
            decided[case_id] = _Decided(outcome, decided_at, school_id, phase, need, submitted_on, target)
        else:
            row.outcome = outcome
    pauses = (
        CaseEvent.objects.filter(verb__in=CLOCK_VERBS, case__in=decisions.values("case_id"))
        .order_by("created_at", "id")
        .values_list("case_id", "verb", "created_at")
    )
    for case_id, verb, created_at in pauses:
        if case_id in decided:
            decided[case_id].pauses.append(_Pause(verb, created_at))
    return decided


def _add_decisions(
    *,
    need_phase: dict[tuple[str, str], NeedPhaseRow],
    schools: dict[int | None, SchoolRow],
    decided: dict[int, _Decided],
    areas: list[dict[str, Any]],
    target: int,
) -> None:
    """Count each decided case by need and phase and by school, with its decision time: the
    decision clock at the first decision (pauses for information excluded), from the
    events read with the decisions, so no query per case."""
    approved_outcomes = (Decision.Outcome.APPROVED, Decision.Outcome.PARTLY_APPROVED)
    for case in decided.values():
        row = _need_phase_row(need_phase, area_of(case.primary_need, areas), case.phase or "Not recorded")
        row.decided += 1
        approved = case.outcome in approved_outcomes
        row.approved += approved
        elapsed = case.elapsed()
        if elapsed is not None:
            row.decision_days.append(elapsed)
            row.within_target += elapsed <= (case.target or target)
        school = schools.setdefault(case.school_id, SchoolRow(school_id=case.school_id, name="", urn=None, phase=""))
        school.cases += 1
        school.approved += approved


def _add_award_amounts(
    need_phase: dict[tuple[str, str], NeedPhaseRow], rows: list[dict[str, Any]], areas: list[dict[str, Any]]
) -> None:
    """Money by need and phase: each award's net commitment in the ledger."""
    amounts = award_amounts(rows)
    award_keys = [k.removeprefix("award:") for k in amounts if k.startswith("award:")]
    award_ids = [int(k) for k in award_keys if ascii_digits(k)]
    linked = {
        pk: (need, phase)
        for pk, need, phase in Award.objects.filter(pk__in=award_ids).values_list(
            "pk", "case__pupil__primary_need", "school__phase"
        )
    }
    for key, amount in sorted(amounts.items()):
        source, _, source_id = key.partition(":")
        award = linked.get(int(source_id)) if source == "award" and ascii_digits(source_id) else None
        if source == ResourceFunding.SOURCE_TYPE:
            row = _need_phase_row(need_phase, "Shared resources", "–")
        elif award is None:
            row = _need_phase_row(need_phase, "Not linked to a case", "–")
        else:
            need, phase = award
            row = _need_phase_row(need_phase, area_of(need, areas), phase or "Not recorded")
            if amount > 0:
                row.award_amounts.append(amount)
        row.awards += amount


def _outcomes(pool: Pool, period_end: date, schools: dict[int | None, SchoolRow]) -> tuple[int, int, dict[str, int]]:
    """Outcomes of the pool's awards due for review by the period end: how many, how many
    reviewed, by result (and each school's results on its row)."""
    outcomes = Outcome.objects.filter(case__awards__pool=pool, review_on__lte=period_end).distinct()
    by_result = {r.value: 0 for r in Outcome.Result}
    due = completed = 0
    # The id keeps DISTINCT per outcome (an outcome joins once per award of its case).
    for _pk, result, school_id in outcomes.values_list("pk", "result", "case__school_id"):
        due += 1
        if result:
            completed += 1
            by_result[result] += 1
            reviewed = schools.get(school_id)
            if reviewed is not None:
                if result == Outcome.Result.ACHIEVED:
                    reviewed.outcomes_achieved += 1
                elif result == Outcome.Result.PARTLY:
                    reviewed.outcomes_partly += 1
                else:
                    reviewed.outcomes_not_yet += 1
    return due, completed, by_result


def _schedule(pool: Pool, period_end: date) -> tuple[dict[date, int], int]:
    """Instalments still to be paid, by month for the twelve months after the period end,
    and the total due later."""
    coming = months_between(period_end, date(period_end.year + 1, period_end.month, 1))[1:13]
    by_month: dict[date, int] = dict.fromkeys(coming, 0)
    later = 0
    for row in (
        Instalment.objects.filter(schedule__pool=pool, status=Instalment.Status.SCHEDULED, due_on__gt=period_end)
        .annotate(month=TruncMonth("due_on"))
        .values("month")
        .annotate(total=Sum("amount_pence"))
        .order_by("month")
    ):
        if row["month"] in by_month:
            by_month[row["month"]] += int(row["total"])
        else:
            later += int(row["total"])
    return by_month, later


def _name_schools(schools: dict[int | None, SchoolRow]) -> None:
    for registered in School.objects.filter(pk__in=[k for k in schools if k is not None]):
        row = schools[registered.pk]
        row.name, row.urn, row.phase = registered.name, registered.urn, registered.phase
    if None in schools:
        schools[None].name = "Not a school: employers and providers paid directly, and anything unattributed"


def gather(*, tenant: ResponsibleBody, pool: Pool, period_end: date) -> Pack:
    """Every figure of the pack, from one snapshot. Call inside ``snapshot(tenant)``."""
    rows = ledger_rows(pool, period_end)
    months, totals = statement(pool.starts_on, period_end, rows)
    schools = school_rows(rows)
    policy = policy_on(period_end)
    areas = (policy.areas_of_need if policy else None) or AREAS_OF_NEED
    target = policy.decision_target_working_days if policy else 10

    need_phase: dict[tuple[str, str], NeedPhaseRow] = {}
    decided = _decisions(pool, period_end)
    _add_decisions(need_phase=need_phase, schools=schools, decided=decided, areas=areas, target=target)
    del decided
    _add_award_amounts(need_phase, rows, areas)
    due, completed, by_result = _outcomes(pool, period_end, schools)
    schedule_by_month, later = _schedule(pool, period_end)
    _name_schools(schools)
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
    pack.shared = shared_resources_section(pool=pool, period_end=period_end)
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
        *(Check(c.name, c.pack_pence, c.ledger_pence, says=c.says) for c in pack.shared.checks),
    ]
    return pack
