"""Reads for the cases app's lists and queues: the decision queue, the reviews due now and
coming up, cases by last change, one case alone, a school's pupils (issue 18: the views call
these instead of chaining onto a queryset)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, NamedTuple, Protocol

from django.contrib.postgres.fields import ArrayField
from django.db.models import BigIntegerField, CharField, DateField, DateTimeField, F, Field, QuerySet

from accounts.models import ResponsibleBody
from core.tenancy import tenant_context
from exceptional_resource import pupil_data
from exceptional_resource.models import Case, CaseEvent, Outcome, Pupil, ResourceLine
from exceptional_resource.selectors.cases import (
    AWAITING_DECISION,
    SchoolScope,
    case_list,
    case_rows,
    pupil_list,
    reviews_due_cases,
)
from exceptional_resource.selectors.clock import CLOCK_VERBS, Clock, clock_from
from exceptional_resource.selectors.of_the_case import OfTheCase


def _requested_pence() -> OfTheCase:
    """What a case asks for: the sum of its resource lines (by their index by case)."""
    lines = ResourceLine._meta.db_table
    return OfTheCase(
        f"SELECT sum(l.quantity * l.unit_cost_pence) FROM {lines} l WHERE l.case_id = {{case}}.id",
        (),
        BigIntegerField(),
    )


def _clock_events(column: str, output_field: Field[Any, Any]) -> OfTheCase:
    """``column`` of a case's clock events (``CLOCK_VERBS``), oldest first, as an array."""
    events = CaseEvent._meta.db_table
    return OfTheCase(
        f"SELECT ARRAY(SELECT e.{column} FROM {events} e "
        "WHERE e.case_id = {case}.id AND e.verb = ANY(%s) ORDER BY e.created_at, e.id)",
        (list(CLOCK_VERBS),),
        ArrayField(output_field),
    )


# What a row of the decision queue and of the case list show, read as values: no model
# instance is made for a case, its school, pupil or policy (issue 22). The clock's events
# come as two arrays of the row (``clock_verbs``, ``clock_times``; :func:`row_clock`)
# instead of a second query for the page's events.
QUEUE_VALUES = (
    "id", "reference", "urgency", "status", "submitted_on", "decision_due_on", "school__name",
    "policy__decision_target_working_days", "requested_pence", "clock_verbs", "clock_times",
)  # fmt: skip
# The pupil's id, school and typed name are for ``pupil_names``.
CASE_LIST_VALUES = (
    "id", "reference", "urgency", "status", "submitted_on", "decision_due_on", "school__name",
    "policy__decision_target_working_days", "clock_verbs", "clock_times",
    "pupil_id", "pupil__reference", "pupil__school_id", "pupil__name_encrypted",
)  # fmt: skip


def _with_clock_events(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.annotate(
        clock_verbs=_clock_events("verb", CharField()), clock_times=_clock_events("created_at", DateTimeField())
    )


class _ClockEvent(NamedTuple):
    verb: str
    created_at: datetime


def row_clock(row: dict[str, Any], *, today: date | None = None) -> Clock:
    """The decision clock of a row read as ``QUEUE_VALUES`` or ``CASE_LIST_VALUES``
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
        return _with_clock_events(
            case_rows(tenant=tenant, school_ids=None)
            .filter(status__in=AWAITING_DECISION)
            .annotate(requested_pence=_requested_pence())
            .order_by(F("decision_due_on").asc(nulls_last=True), "submitted_on", "id")
        )


def _next_review_on() -> OfTheCase:
    """The earliest review date of a case's outcomes (the same as ``reviews_due``'s
    ``next_review_on``, without its GROUP BY of every column read)."""
    outcomes = Outcome._meta.db_table
    return OfTheCase(f"SELECT min(o.review_on) FROM {outcomes} o WHERE o.case_id = {{case}}.id", (), DateField())


# What a row of reviews due shows, read as values (``core.web.paginate_rows``).
REVIEW_VALUES = ("id", "reference", "status", "school__name", "next_review_on")


def reviews_now_and_soon(
    *, tenant: ResponsibleBody, school_ids: SchoolScope, within_days: int
) -> tuple[QuerySet[Case], QuerySet[Case]]:
    """Of ``reviews_due_cases``, the cases whose review is due now and those with an outcome
    review coming up, each earliest review first (``next_review_on``); a page of either
    reads ``REVIEW_VALUES``."""
    with tenant_context(tenant):
        now, soon = (
            reviews_due_cases(tenant=tenant, school_ids=school_ids, within_days=within_days, now=part, soon=not part)
            .annotate(next_review_on=_next_review_on())
            .order_by("next_review_on", "id")
            for part in (True, False)
        )
        return now, soon


def case_list_by_last_change(*, tenant: ResponsibleBody, school_ids: SchoolScope) -> QuerySet[Case]:
    """The cases the reader may see, the most recently changed first (by the index of a
    body's cases by last change), with their clock's events; a page of it reads
    ``CASE_LIST_VALUES`` (``core.web.paginate_rows``)."""
    with tenant_context(tenant):
        return _with_clock_events(case_rows(tenant=tenant, school_ids=school_ids).order_by("-updated_at", "-id"))


def case_find(*, tenant: ResponsibleBody, case_id: int, school_ids: SchoolScope) -> Case | None:
    """One case alone (no rows prefetched beyond :func:`case_list`'s), or None."""
    with tenant_context(tenant):
        return case_list(tenant=tenant, school_ids=school_ids).filter(pk=case_id).first()


def pupil_list_of(*, tenant: ResponsibleBody, school_ids: SchoolScope, school_id: int | None = None) -> QuerySet[Pupil]:
    """The pupils of :func:`pupil_list`, of one school when ``school_id`` is given."""
    with tenant_context(tenant):
        qs = pupil_list(tenant=tenant, school_ids=school_ids)
        return qs if school_id is None else qs.filter(school_id=school_id)


class NamedPupil(Protocol):
    """A pupil, or the columns of one read as values, as :func:`pupil_names` reads it."""

    @property
    def pk(self) -> int: ...

    @property
    def school_id(self) -> int: ...

    @property
    def name_encrypted(self) -> bytes | memoryview: ...


def pupil_names(*, pupils: Iterable[NamedPupil], school_ids: set[int] | None) -> dict[int, str]:
    """The names schools typed for their pupils, for a reader who is head or SENDCO at
    ``school_ids`` (their own schools): those schools' pupils only, and only those given a
    name. ``None`` or an empty set gives no names: a name is for the pupil's own school alone."""
    if not school_ids:
        return {}
    return {
        p.pk: pupil_data.decrypt(p.name_encrypted) for p in pupils if p.school_id in school_ids and p.name_encrypted
    }


class _PupilOfRow(NamedTuple):
    pk: int
    school_id: int
    name_encrypted: bytes | memoryview


def row_pupils(rows: Iterable[dict[str, Any]]) -> list[_PupilOfRow]:
    """The pupils of rows read as ``CASE_LIST_VALUES``, for :func:`pupil_names`."""
    return [_PupilOfRow(r["pupil_id"], r["pupil__school_id"], r["pupil__name_encrypted"]) for r in rows]


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
