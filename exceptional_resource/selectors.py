"""Reads for exceptional resource. Every selector takes ``tenant=`` and the schools the
reader is limited to (``school_ids``: ``None`` for body-wide roles, a set for a head or
SENDCO); a row outside either is the same 404 as a missing one. Lists have a fixed number
of queries whatever their length."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import ResponsibleBody
from accounts.tenancy import tenant_context
from exceptional_resource.models import Award, Case, CaseEvent, CaseStatus, Decision, Outcome, Pupil
from pooling.models import Instalment, InstalmentSchedule

SchoolScope = set[int] | None


def _scoped(qs: QuerySet, school_ids: SchoolScope) -> QuerySet:
    return qs if school_ids is None else qs.filter(school_id__in=school_ids)


def pupil_list(*, tenant: ResponsibleBody, school_ids: SchoolScope) -> QuerySet[Pupil]:
    with tenant_context(tenant):
        return _scoped(Pupil.objects.for_tenant(tenant), school_ids).select_related("school").order_by("reference")


def pupil_get(*, tenant: ResponsibleBody, pupil_id: int, school_ids: SchoolScope) -> Pupil:
    pupil = pupil_list(tenant=tenant, school_ids=school_ids).filter(pk=pupil_id).first()
    if pupil is None:
        raise Http404("No such pupil.")
    return pupil


def case_list(
    *, tenant: ResponsibleBody, school_ids: SchoolScope, status: str = "", school_id: int | None = None
) -> QuerySet[Case]:
    """Cases newest first, with their pupil, school and policy (for the clock)."""
    with tenant_context(tenant):
        qs = _scoped(Case.objects.for_tenant(tenant), school_ids)
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


def case_get(*, tenant: ResponsibleBody, case_id: int, school_ids: SchoolScope) -> Case:
    """One case with everything its detail shows."""
    with tenant_context(tenant):
        case = (
            _scoped(Case.objects.for_tenant(tenant), school_ids)
            .select_related("pupil", "school", "policy")
            .prefetch_related(
                "provision",
                "resource_lines",
                "outcomes",
                Prefetch("events", queryset=CaseEvent.objects.order_by("created_at", "id")),
                Prefetch("decisions", queryset=Decision.objects.order_by("-decided_at", "-id")),
                Prefetch("awards", queryset=Award.objects.order_by("-created_at", "-id")),
            )
            .filter(pk=case_id)
            .first()
        )
    if case is None:
        raise Http404("No such case.")
    return case


def award_list(*, tenant: ResponsibleBody, school_ids: SchoolScope, status: str = "") -> QuerySet[Award]:
    with tenant_context(tenant):
        qs = _scoped(Award.objects.for_tenant(tenant), school_ids)
        if status:
            qs = qs.filter(status=status)
        return qs.select_related("case", "school", "pool", "decision").order_by("-created_at", "-id")


def award_get(*, tenant: ResponsibleBody, award_id: int, school_ids: SchoolScope) -> Award:
    award = award_list(tenant=tenant, school_ids=school_ids).filter(pk=award_id).first()
    if award is None:
        raise Http404("No such award.")
    return award


def award_instalments(*, tenant: ResponsibleBody, award_ids: list[int]) -> dict[int, list[Instalment]]:
    """Each award's instalments (paid, due and released) in due order: one query."""
    found: dict[int, list[Instalment]] = {pk: [] for pk in award_ids}
    with tenant_context(tenant):
        schedules = InstalmentSchedule.objects.filter(
            source_type="award", source_id__in=[str(pk) for pk in award_ids]
        ).values_list("pk", "source_id")
        by_schedule = {pk: int(source_id) for pk, source_id in schedules}
        for instalment in Instalment.objects.filter(schedule_id__in=by_schedule).order_by("due_on", "id"):
            found[by_schedule[instalment.schedule_id]].append(instalment)
    return found


def reviews_due(*, tenant: ResponsibleBody, school_ids: SchoolScope, within_days: int = 30) -> QuerySet[Case]:
    """Cases whose review is due now, or whose active award has an outcome review date
    within ``within_days``; earliest review first."""
    today = timezone.localdate()
    horizon: date = today + timedelta(days=within_days)
    with tenant_context(tenant):
        soon = Outcome.objects.filter(case__status=CaseStatus.ACTIVE, review_on__lte=horizon).values("case_id")
        qs = _scoped(Case.objects.for_tenant(tenant), school_ids).filter(
            Q(status=CaseStatus.REVIEW_DUE) | Q(pk__in=soon)
        )
        from django.db.models import Min

        return (
            qs.annotate(next_review_on=Min("outcomes__review_on"))
            .select_related("pupil", "school")
            .order_by("next_review_on", "id")
        )
