"""Reads for exceptional resource. Every selector takes ``tenant=`` and the schools the
reader is limited to (``school_ids``: ``None`` for body-wide roles, a set for a head or
SENDCO); a row outside either is the same 404 as a missing one. Lists have a fixed number
of queries whatever their length."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import reduce
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import ResponsibleBody
from core.errors import NotFound
from core.tenancy import tenant_context
from exceptional_resource.models import (
    Award,
    Case,
    CaseComment,
    CaseEvent,
    CaseStatus,
    Decision,
    Outcome,
    ProvisionRow,
    Pupil,
    ResourceLine,
)
from pooling.models import Instalment, InstalmentSchedule, PaymentRun, Pool
from pooling.selectors import Headroom, pool_headroom, pools_headroom
from pooling.selectors.paid import (
    DUE,
    IN_RUN,
    SCHEDULED,
    SENT,
    instalment_is_paid,
    instalment_label,
    instalment_state,
    paid_sql,
    returned_by_bank,
)
from shared_resources.selectors import provision_in_place

if TYPE_CHECKING:
    from exceptional_resource.selectors.auditor_scope import CaseScope

SchoolScope = set[int] | None


def _scoped(qs: QuerySet, school_ids: SchoolScope) -> QuerySet:
    return qs if school_ids is None else qs.filter(school_id__in=school_ids)


def pupil_list(*, tenant: ResponsibleBody, school_ids: SchoolScope) -> QuerySet[Pupil]:
    with tenant_context(tenant):
        return _scoped(Pupil.objects.for_tenant(tenant), school_ids).select_related("school").order_by("reference")


def pupil_get(*, tenant: ResponsibleBody, pupil_id: int, school_ids: SchoolScope) -> Pupil:
    pupil = pupil_list(tenant=tenant, school_ids=school_ids).filter(pk=pupil_id).first()
    if pupil is None:
        raise NotFound("No such pupil.")
    return pupil


def case_rows(*, tenant: ResponsibleBody, school_ids: SchoolScope) -> QuerySet[Case]:
    """The cases the reader may see, nothing joined, prefetched or ordered: for a list that
    reads its rows as values."""
    with tenant_context(tenant):
        return _scoped(Case.objects.for_tenant(tenant), school_ids)


def case_list(
    *, tenant: ResponsibleBody, school_ids: SchoolScope, status: str = "", school_id: int | None = None
) -> QuerySet[Case]:
    """Cases newest first, with their pupil, school and policy (for the clock)."""
    with tenant_context(tenant):
        qs = case_rows(tenant=tenant, school_ids=school_ids)
        if status:
            qs = qs.filter(status=status)
        if school_id is not None:
            qs = qs.filter(school_id=school_id)
        pauses = CaseEvent.objects.filter(verb__in=["request_information", "provide_information"]).order_by(
            "created_at", "id"
        )
        return (
            qs.select_related("pupil", "school", "policy")
            .prefetch_related(Prefetch("events", queryset=pauses, to_attr="pause_events"))
            .order_by("-created_at", "-id")
        )


def case_relations(*, decisions: bool = True, awards: bool = True) -> list[str | Prefetch[Any]]:
    """What ``case_get`` reads with a case: its rows of each kind (``decisions`` or
    ``awards`` False: not those)."""
    found: list[str | Prefetch[Any]] = [
        "provision",
        "resource_lines",
        "outcomes",
        Prefetch("events", queryset=CaseEvent.objects.order_by("created_at", "id")),
    ]
    if decisions:
        newest_first = Decision.objects.select_related("policy", "supersedes", "acts_on_award")
        found.append(Prefetch("decisions", queryset=newest_first.order_by("-decided_at", "-id")))
    if awards:
        newest = Award.objects.select_related("school", "pool", "decision").order_by("-created_at", "-id")
        found.append(Prefetch("awards", queryset=newest))
    return found


def case_get(*, tenant: ResponsibleBody, case_id: int, school_ids: SchoolScope) -> Case:
    """One case with everything its detail shows."""
    with tenant_context(tenant):
        case = (
            _scoped(Case.objects.for_tenant(tenant), school_ids)
            .select_related("pupil", "school", "policy")
            .prefetch_related(*case_relations())
            .filter(pk=case_id)
            .first()
        )
    if case is None:
        raise NotFound("No such case.")
    return case


def case_decisions(case: Case) -> list[Decision]:
    """The case's decisions ``case_get`` read, newest first; none, without a query, for a
    case read knowing it has none (``has_decisions``: ``selectors.case_page``)."""
    return [] if getattr(case, "has_decisions", True) is False else list(case.decisions.all())


def case_awards(case: Case) -> list[Award]:
    """The case's awards ``case_get`` read, newest first; none, without a query, for a case
    read knowing it has none (``has_awards``: ``selectors.case_page``)."""
    return [] if getattr(case, "has_awards", True) is False else list(case.awards.all())


def award_list(
    *, tenant: ResponsibleBody, school_ids: SchoolScope, status: str = "", scope: CaseScope | None = None
) -> QuerySet[Award]:
    """``scope``: the reader's reach (``selectors.auditor_scope``), e.g. an auditor's granted pools."""
    with tenant_context(tenant):
        qs = _scoped(Award.objects.for_tenant(tenant), school_ids)
        qs = scope.awards(qs) if scope is not None else qs
        if status:
            qs = qs.filter(status=status)
        return qs.select_related("case", "school", "pool", "decision").order_by("-created_at", "-id")


def award_get(
    *, tenant: ResponsibleBody, award_id: int, school_ids: SchoolScope, scope: CaseScope | None = None
) -> Award:
    award = award_list(tenant=tenant, school_ids=school_ids, scope=scope).filter(pk=award_id).first()
    if award is None:
        raise NotFound("No such award.")
    return award


def award_instalments(*, tenant: ResponsibleBody, award_ids: list[int]) -> dict[int, list[Instalment]]:
    """Each award's instalments (paid, due and released) in due order: one query."""
    found: dict[int, list[Instalment]] = {pk: [] for pk in award_ids}
    with tenant_context(tenant):
        for instalment in (
            Instalment.objects.filter(
                # the body's own schedules, by (body, source type, source id): the index
                schedule__responsible_body=tenant,
                schedule__source_type="award",
                schedule__source_id__in=[str(pk) for pk in award_ids],
            )
            .annotate(award_ref=F("schedule__source_id"))
            .select_related("payment_run")
            .order_by("due_on", "id")
        ):
            found[int(instalment.award_ref)].append(instalment)
    return found


def reviews_due_cases(
    *, tenant: ResponsibleBody, school_ids: SchoolScope, within_days: int = 30, now: bool = True, soon: bool = True
) -> QuerySet[Case]:
    """Cases whose review is due now (``now``), or whose active award has an outcome review
    date within ``within_days`` (``soon``): the cases alone, in no order. A case coming up
    is active, so never due now as well."""
    today = timezone.localdate()
    horizon: date = today + timedelta(days=within_days)
    with tenant_context(tenant):
        coming = Outcome.objects.filter(case__status=CaseStatus.ACTIVE, review_on__lte=horizon).values("case_id")
        parts = [Q(status=CaseStatus.REVIEW_DUE)] if now else []
        parts += [Q(pk__in=coming)] if soon else []
        return _scoped(Case.objects.for_tenant(tenant), school_ids).filter(reduce(operator.or_, parts))


def reviews_due(*, tenant: ResponsibleBody, school_ids: SchoolScope, within_days: int = 30) -> QuerySet[Case]:
    """:func:`reviews_due_cases`, earliest review first (``next_review_on``), with their
    pupil, school, policy and clock events."""
    from django.db.models import Min

    with tenant_context(tenant):
        pauses = CaseEvent.objects.filter(verb__in=["request_information", "provide_information"]).order_by(
            "created_at", "id"
        )
        return (
            reviews_due_cases(tenant=tenant, school_ids=school_ids, within_days=within_days)
            .annotate(next_review_on=Min("outcomes__review_on"))
            .select_related("pupil", "school", "policy")
            .prefetch_related(Prefetch("events", queryset=pauses, to_attr="pause_events"))
            .order_by("next_review_on", "id")
        )


# --- For the case pages -----------------------------------------------------------------------

AWAITING_DECISION = (CaseStatus.SUBMITTED, CaseStatus.INFORMATION_REQUESTED, CaseStatus.RECONSIDERATION_REQUESTED)


@dataclass
class AwardRow:
    """An award with its instalments: what is committed and when it is paid. *Paid* is
    ``pooling.selectors.paid``'s meaning: paid by a run that has been paid."""

    award: Award
    instalments: list[Instalment]
    day: date = field(default_factory=timezone.localdate)
    returned: dict[int, date] = field(default_factory=dict)  # due again: the day the bank returned it

    @property
    def paid_pence(self) -> int:
        return sum(i.amount_pence for i in self.instalments if instalment_is_paid(i, self.day))

    @property
    def to_come(self) -> list[Instalment]:
        return [i for i in self.instalments if instalment_state(i, self.day) in (IN_RUN, SENT, DUE, SCHEDULED)]

    @property
    def lines(self) -> list[tuple[Instalment, str]]:
        """Each instalment with what it is today, in words."""
        return [(i, instalment_label(i, self.day, self.returned.get(i.pk))) for i in self.instalments]

    @property
    def to_come_pence(self) -> int:
        return sum(i.amount_pence for i in self.to_come)


def award_rows(*, tenant: ResponsibleBody, school_ids: SchoolScope, case: Case | None = None) -> list[AwardRow]:
    """Awards with their instalments: three queries whatever the number of awards."""
    with tenant_context(tenant):
        awards = award_list(tenant=tenant, school_ids=school_ids)
        if case is not None:
            awards = awards.filter(case=case)
        found = list(awards)
    return award_rows_of(tenant=tenant, awards=found)


def case_award_rows(*, tenant: ResponsibleBody, case: Case, scope: CaseScope | None = None) -> list[AwardRow]:
    """The awards of a case read by ``case_get`` (which prefetched them, newest first, as
    ``award_list`` orders them) with their instalments: no query for the awards again.
    ``scope`` leaves out the awards out of the reader's reach (an ungranted pool's)."""
    awards = case_awards(case)
    return award_rows_of(tenant=tenant, awards=awards if scope is None else scope.award_items(awards))


def award_rows_of(*, tenant: ResponsibleBody, awards: list[Award]) -> list[AwardRow]:
    """These awards (say one page of ``award_list``) with their instalments, those the bank
    returned saying so: three queries."""
    instalments = award_instalments(tenant=tenant, award_ids=[a.pk for a in awards]) if awards else {}
    day = timezone.localdate()
    with tenant_context(tenant):
        returned = returned_by_bank([i for found in instalments.values() for i in found], day)
    return [AwardRow(award, instalments.get(award.pk, []), day, returned) for award in awards]


@dataclass(frozen=True)
class AwardTotals:
    """Over every award the reader can see, not one page of them."""

    to_come_pence: int  # instalments not yet paid on active awards (scheduled, due or in a run)
    paid_pence: int  # instalments paid on any award, by runs paid by the day


def award_totals(
    *, tenant: ResponsibleBody, school_ids: SchoolScope, day: date | None = None, scope: CaseScope | None = None
) -> AwardTotals:
    """What is still to be paid and what has been paid on the awards the reader can see:
    one aggregate query, the same sums ``AwardRow`` makes for a single award. It joins the
    reader's awards to their schedules (an award's schedule names it by ``source_id``, as
    text) and their instalments in one pass. *Paid* is ``pooling.selectors.paid``'s: by a
    run paid on or before ``day`` (today)."""
    day = day or timezone.localdate()
    if school_ids is not None and not school_ids:
        return AwardTotals(to_come_pence=0, paid_pence=0)  # no school in scope: nothing to sum
    with tenant_context(tenant):
        awards = award_list(tenant=tenant, school_ids=school_ids, scope=scope)
        visible = awards.order_by().values("pk", "status")
        awards_sql, params = visible.query.sql_with_params()
        schedule, instalment = InstalmentSchedule._meta.db_table, Instalment._meta.db_table
        run = PaymentRun._meta.db_table
        is_paid, paid_params = paid_sql(day)
        with connection.cursor() as cursor:
            # The awards' ids as text first (a materialised CTE), so that each finds its
            # schedule by the (body, source type, source id) index: joined on ``a.id::text``
            # the planner walked every schedule of the body once per award (issue 22).
            cursor.execute(
                f"""
                WITH a AS MATERIALIZED (SELECT v.id::text AS ref, v.status FROM ({awards_sql}) AS v (id, status))
                SELECT coalesce(sum(i.amount_pence) FILTER (WHERE {is_paid}), 0),
                       coalesce(sum(i.amount_pence) FILTER (
                           WHERE a.status = %s AND i.status IN (%s, %s) AND NOT {is_paid}
                       ), 0)
                  FROM a
                  JOIN {schedule} s ON s.responsible_body_id = %s AND s.source_type = 'award'
                                   AND s.source_id = a.ref
                  JOIN {instalment} i ON i.schedule_id = s.id
                  LEFT JOIN {run} r ON r.id = i.payment_run_id
                """,
                [
                    *params,
                    *paid_params,
                    Award.Status.ACTIVE,
                    Instalment.Status.SCHEDULED,
                    Instalment.Status.PAID,
                    *paid_params,
                    tenant.pk,
                ],
            )
            paid, to_come = cursor.fetchone()
    return AwardTotals(to_come_pence=int(to_come), paid_pence=int(paid))


def open_pools_headroom(*, tenant: ResponsibleBody) -> list[tuple[Pool, Headroom]]:
    """Each open pool with its headroom (the pools' balances in one query, however many are
    open). Of the pool, its id and label are read: all its readers use."""
    with tenant_context(tenant):
        pools = list(Pool.objects.for_tenant(tenant).filter(status="open").order_by("-starts_on").only("id", "label"))
    headroom = pools_headroom(tenant=tenant, pool_ids=[pool.pk for pool in pools])
    return [(pool, headroom[pool.pk]) for pool in pools]


@dataclass(frozen=True)
class HeadroomPreview:
    """What the deciding officer sees before deciding: the pool's headroom now and after
    awarding ``amount_pence``, and whether that is within their delegated limit. The one
    computation the decision page and the headroom API both show."""

    pool: Pool
    headroom: Headroom
    amount_pence: int
    requested_total_pence: int
    officer_limit_pence: int

    @property
    def available_pence(self) -> int:
        return self.headroom.available_on_expected_pence

    @property
    def available_after_pence(self) -> int:
        return self.available_pence - self.amount_pence

    @property
    def can_fund(self) -> bool:
        return self.amount_pence <= self.available_pence

    @property
    def shortfall_pence(self) -> int:
        return max(self.amount_pence - self.available_pence, 0)

    @property
    def within_limit(self) -> bool:
        return self.amount_pence <= self.officer_limit_pence


def case_headroom_preview(
    *,
    tenant: ResponsibleBody,
    case: Case,
    officer_limit_pence: int,
    pool_id: int | None = None,
    amount_pence: int | None = None,
    pools: list[tuple[Pool, Headroom]] | None = None,
) -> HeadroomPreview | None:
    """The preview for ``pool_id`` (the newest open pool when not given) and ``amount_pence``
    (the case's total request when not given); None when there is no such open pool.
    ``pools`` is ``open_pools_headroom``'s answer when the caller already has it."""
    if pools is None:
        with tenant_context(tenant):
            open_pools = Pool.objects.for_tenant(tenant).filter(status="open").order_by("-starts_on")
            pool = open_pools.filter(pk=pool_id).first() if pool_id else open_pools.first()
        chosen = (pool, pool_headroom(tenant=tenant, pool=pool)) if pool is not None else None
    else:
        chosen = next((ph for ph in pools if ph[0].pk == pool_id), None) if pool_id else next(iter(pools), None)
    if chosen is None:
        return None
    requested = sum(line.total_pence for line in case.resource_lines.all())
    return HeadroomPreview(
        pool=chosen[0],
        headroom=chosen[1],
        amount_pence=requested if amount_pence is None else amount_pence,
        requested_total_pence=requested,
        officer_limit_pence=officer_limit_pence,
    )


def case_detail_parts(*, case: Case) -> dict[str, Any]:
    """What the case pages list, from the rows ``case_get`` prefetched."""
    provision = sorted(case.provision.all(), key=lambda r: r.pk)
    lines = sorted(case.resource_lines.all(), key=lambda r: (r.starts_on, r.pk))
    outcomes = sorted(case.outcomes.all(), key=lambda o: (o.review_on, o.pk))
    events = list(case.events.all())
    questions = [e for e in events if e.verb == "request_information"]
    return {
        "provision": provision,
        "provision_total_pence": sum(r.cost_pence for r in provision),
        "lines": lines,
        "requested_total_pence": sum(line.total_pence for line in lines),
        "outcomes": outcomes,
        "events": events,
        "decisions": sorted(case_decisions(case), key=lambda d: (d.decided_at, d.pk)),
        "latest_question": questions[-1] if questions else None,
        # Shared resources allocated to this case: provision in place whose cost the case
        # does not ask for again (one query).
        "shared_in_place": provision_in_place(tenant=case.responsible_body_id, case_id=case.pk),
    }


def case_comments(*, tenant: ResponsibleBody, case: Case) -> QuerySet[CaseComment]:
    """A case's comments, oldest first (the case was found within the reader's scope)."""
    with tenant_context(tenant):
        return CaseComment.objects.for_tenant(tenant).filter(case=case).order_by("created_at", "id")


def award_labels(award_ids: list[str]) -> dict[str, str]:
    """Each award named as its school knows it, by its case reference: one query. Called
    inside the tenant's context (the ledger's remittance advice asks for it)."""
    ids = [int(i) for i in award_ids if i.isdigit()]
    return {
        str(pk): f"Case {reference}"
        for pk, reference in Award.objects.filter(pk__in=ids).values_list("pk", "case__reference")
    }


def case_provision_rows(*, case: Case) -> list[ProvisionRow]:
    return list(ProvisionRow.objects.filter(case=case).order_by("pk"))


def case_resource_lines(*, case: Case) -> list[ResourceLine]:
    return list(ResourceLine.objects.filter(case=case).order_by("starts_on", "pk"))


def case_outcomes(*, case: Case) -> list[Outcome]:
    return list(Outcome.objects.filter(case=case).order_by("review_on", "pk"))


def case_active_award(*, case: Case) -> Award | None:
    """The case's current award (the newest active one), if any."""
    return Award.objects.filter(case=case, status=Award.Status.ACTIVE).order_by("-created_at").first()


def running_award_of(*, case: Case) -> Award | None:
    """The case's running (active) award, the newest if an old case has more than one: what
    a decision on the case supersedes (``services.award_effects``)."""
    return Award.objects.filter(case=case, status=Award.Status.ACTIVE).order_by("-pk").first()
