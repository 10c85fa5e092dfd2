"""Reads for the cases app's lists and queues: the decision queue, the reviews due now and
coming up, cases by last change, one case alone, a school's pupils (issue 18: the views call
these instead of chaining onto a queryset)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, NamedTuple

from django.contrib.postgres.fields import ArrayField
from django.db.models import BigIntegerField, CharField, DateTimeField, F, Field, QuerySet
from django.db.models.expressions import RawSQL

from accounts.models import ResponsibleBody
from core.tenancy import tenant_context
from exceptional_resource import pupil_data
from exceptional_resource.models import Case, CaseEvent, CaseStatus, Pupil, ResourceLine
from exceptional_resource.selectors.cases import (
    AWAITING_DECISION,
    SchoolScope,
    case_list,
    pupil_list,
    reviews_due,
)
from exceptional_resource.selectors.clock import CLOCK_VERBS, Clock, clock_from

_CASE = Case._meta.db_table


def _of_the_case(sql: str, params: tuple[Any, ...], output_field: Field[Any, Any]) -> RawSQL:
    """A subquery of a case's row (``"_CASE".id`` is the row's id), written by hand: built
    with the ORM's ``Subquery`` and ``ArraySubquery`` the queue's three cost it more Python
    than its page of rows (issue 22). PostgreSQL works them out for the rows selected
    alone: the page's, whose ids a subquery of the list finds (``core.web.paginate_rows``;
    the ids' subquery does not select them)."""
    return RawSQL(sql, params, output_field=output_field)  # noqa: S611 - the models' own table names


def _requested_pence() -> RawSQL:
    """What a case asks for: the sum of its resource lines (by their index by case)."""
    lines = ResourceLine._meta.db_table
    return _of_the_case(
        f'SELECT sum(l.quantity * l.unit_cost_pence) FROM {lines} l WHERE l.case_id = "{_CASE}".id',
        (),
        BigIntegerField(),
    )


def _clock_events(column: str, output_field: Field[Any, Any]) -> RawSQL:
    """``column`` of a case's clock events (``CLOCK_VERBS``), oldest first, as an array."""
    events = CaseEvent._meta.db_table
    return _of_the_case(
        f"ARRAY(SELECT e.{column} FROM {events} e "
        f'WHERE e.case_id = "{_CASE}".id AND e.verb = ANY(%s) ORDER BY e.created_at, e.id)',
        (list(CLOCK_VERBS),),
        ArrayField(output_field),
    )


# What a row of the case list or the decision queue shows (reference, urgency, status, the
# school's name, the pupil's label, the decision clock): only these columns are read and
# turned into model instances. A case, its school (30 columns), its pupil and its policy
# (arrays and JSON the clock does not use) read in full cost the queue of the largest body a
# quarter of its CPU (issue 22). ``pupil__school_id`` and ``pupil__name_encrypted`` are for
# ``pupil_names``; a template reading any other column would cost a query per row, which
# the pages' query-budget tests would catch.
ROW_COLUMNS = (
    "id", "reference", "urgency", "status", "submitted_on", "decision_due_on", "updated_at",
    "school_id", "pupil_id", "policy_id", "school__name",
    "pupil__reference", "pupil__school_id", "pupil__name_encrypted",
    "policy__decision_target_working_days",
)  # fmt: skip


def _rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.only(*ROW_COLUMNS)


# What a row of the decision queue shows, read as values: no model instance is made for a
# case, its school or its policy (issue 22). The clock's events come as two arrays of the
# row (``clock_verbs``, ``clock_times``) instead of a second query for the page's events.
QUEUE_VALUES = (
    "id", "reference", "urgency", "status", "submitted_on", "decision_due_on", "school__name",
    "policy__decision_target_working_days", "requested_pence", "clock_verbs", "clock_times",
)  # fmt: skip


class _ClockEvent(NamedTuple):
    verb: str
    created_at: datetime


def row_clock(row: dict[str, Any], *, today: date | None = None) -> Clock:
    """The decision clock of a row of :func:`decision_queue` read as ``QUEUE_VALUES``
    (``clock_of``'s figures)."""
    verbs = row["clock_verbs"]  # most cases were never asked for information: no events
    return clock_from(
        submitted_on=row["submitted_on"],
        status=row["status"],
        target=row["policy__decision_target_working_days"],
        due_on=row["decision_due_on"],
        events=[_ClockEvent(*event) for event in zip(verbs, row["clock_times"], strict=True)] if verbs else (),
        today=today,
    )


def decision_queue(*, tenant: ResponsibleBody) -> QuerySet[Case]:
    """Cases awaiting a decision, with what each asks for (``requested_pence``) and its
    clock's events (:func:`row_clock`), the earliest decision due first (those without a due
    date last), then the longest waiting. A page of it reads ``QUEUE_VALUES``
    (``core.web.paginate_rows``): its school and policy are joined for the page's rows alone."""
    with tenant_context(tenant):
        cases: QuerySet[Case] = Case.objects.for_tenant(tenant)
        return (
            cases.filter(status__in=AWAITING_DECISION)
            .annotate(
                requested_pence=_requested_pence(),
                clock_verbs=_clock_events("verb", CharField()),
                clock_times=_clock_events("created_at", DateTimeField()),
            )
            .order_by(F("decision_due_on").asc(nulls_last=True), "submitted_on", "id")
        )


def reviews_due_now(*, tenant: ResponsibleBody, school_ids: SchoolScope, within_days: int) -> QuerySet[Case]:
    """Of :func:`reviews_due`, the cases whose review is due now."""
    with tenant_context(tenant):
        return reviews_due(tenant=tenant, school_ids=school_ids, within_days=within_days).filter(
            status=CaseStatus.REVIEW_DUE
        )


def reviews_coming_up(*, tenant: ResponsibleBody, school_ids: SchoolScope, within_days: int) -> QuerySet[Case]:
    """Of :func:`reviews_due`, the cases with an outcome review coming up (not yet due)."""
    with tenant_context(tenant):
        return reviews_due(tenant=tenant, school_ids=school_ids, within_days=within_days).exclude(
            status=CaseStatus.REVIEW_DUE
        )


def case_list_by_last_change(*, tenant: ResponsibleBody, school_ids: SchoolScope) -> QuerySet[Case]:
    """The cases of :func:`case_list`, the most recently changed first."""
    with tenant_context(tenant):
        return _rows(case_list(tenant=tenant, school_ids=school_ids).order_by("-updated_at", "-id"))


def case_find(*, tenant: ResponsibleBody, case_id: int, school_ids: SchoolScope) -> Case | None:
    """One case alone (no rows prefetched beyond :func:`case_list`'s), or None."""
    with tenant_context(tenant):
        return case_list(tenant=tenant, school_ids=school_ids).filter(pk=case_id).first()


def pupil_list_of(*, tenant: ResponsibleBody, school_ids: SchoolScope, school_id: int | None = None) -> QuerySet[Pupil]:
    """The pupils of :func:`pupil_list`, of one school when ``school_id`` is given."""
    with tenant_context(tenant):
        qs = pupil_list(tenant=tenant, school_ids=school_ids)
        return qs if school_id is None else qs.filter(school_id=school_id)


def pupil_names(*, pupils: Iterable[Pupil], school_ids: set[int] | None) -> dict[int, str]:
    """The names schools typed for their pupils, for a reader who is head or SENDCO at
    ``school_ids`` (their own schools): those schools' pupils only, and only those given a
    name. ``None`` or an empty set gives no names: a name is for the pupil's own school alone."""
    if not school_ids:
        return {}
    return {
        p.pk: pupil_data.decrypt(p.name_encrypted) for p in pupils if p.school_id in school_ids and p.name_encrypted
    }


def previous_case(*, tenant: ResponsibleBody, case: Case) -> Case | None:
    """The pupil's latest case at the same school that was sent to the pool (a draft never
    was): what the school told the pool last time."""
    with tenant_context(tenant):
        return (
            Case.objects.filter(pupil_id=case.pupil_id, school_id=case.school_id, submitted_on__isnull=False)
            .exclude(pk=case.pk)
            .prefetch_related("provision")
            .order_by("-submitted_on", "-pk")
            .first()
        )
