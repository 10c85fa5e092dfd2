"""The decision clock of one case: working days taken so far, with the spans it stood
still while the school was asked for information (``exceptional_resource.clock`` counts
the working days)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from django.utils import timezone

from exceptional_resource.clock import elapsed_working_days
from exceptional_resource.models import Case, CaseStatus

S = CaseStatus
CLOCK_VERBS = ("request_information", "provide_information")


def case_pauses(case: Case) -> list[tuple[date, date | None]]:
    """The spans the decision clock stood still: from each request for information to its answer."""
    spans: list[tuple[date, date | None]] = []
    for event in case.events.filter(verb__in=["request_information", "provide_information"]).order_by(
        "created_at", "id"
    ):
        day = timezone.localtime(event.created_at).date()
        if event.verb == "request_information":
            spans.append((day, None))
        elif spans and spans[-1][1] is None:
            spans[-1] = (spans[-1][0], day)
    return spans


def case_clock(*, case: Case, today: date | None = None) -> dict[str, Any]:
    """Working days taken so far (pauses excluded), the target and whether it is overdue."""
    if case.submitted_on is None or case.policy_id is None:
        return {"running": False}
    day = today or timezone.localdate()
    elapsed = elapsed_working_days(submitted_on=case.submitted_on, today=day, paused=case_pauses(case))
    target = case.policy.decision_target_working_days if case.policy else 0
    return {
        "running": case.status in {S.SUBMITTED, S.RECONSIDERATION_REQUESTED},
        "paused": case.status == S.INFORMATION_REQUESTED,
        "elapsed_working_days": elapsed,
        "target_working_days": target,
        "overdue": elapsed > target,
    }


class ClockEvent(Protocol):
    """A ``CaseEvent`` that pauses or restarts the clock, or its two columns read as values."""

    @property
    def verb(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...


def pause_spans(events: Iterable[ClockEvent]) -> list[tuple[date, date | None]]:
    """The clock's paused spans (information requested → provided; the last may be open)."""
    spans: list[tuple[date, date | None]] = []
    for event in events:
        day = timezone.localtime(event.created_at).date()
        if event.verb == "request_information":
            spans.append((day, None))
        elif event.verb == "provide_information" and spans and spans[-1][1] is None:
            spans[-1] = (spans[-1][0], day)
    return spans


@dataclass(frozen=True)
class Clock:
    """The decision clock of one case, in working days."""

    started: bool
    running: bool = False
    paused: bool = False
    elapsed: int = 0
    target: int = 0
    due_on: date | None = None

    @property
    def overdue(self) -> bool:
        return self.started and self.elapsed > self.target


def clock_of(case: Case, *, today: date | None = None) -> Clock:
    """The same figures as :func:`case_clock`, from the events ``case_list`` prefetched
    (``pause_events``), so a list costs no query per row."""
    if case.submitted_on is None or case.policy is None:
        return Clock(started=False)
    events = getattr(case, "pause_events", None)
    if events is None:
        events = [e for e in case.events.all() if e.verb in CLOCK_VERBS]
    return clock_from(
        submitted_on=case.submitted_on,
        status=case.status,
        target=case.policy.decision_target_working_days,
        due_on=case.decision_due_on,
        events=events,
        today=today,
    )


def clock_from(
    *,
    submitted_on: date | None,
    status: str,
    target: int | None,
    due_on: date | None,
    events: Iterable[ClockEvent],
    today: date | None = None,
) -> Clock:
    """:func:`clock_of` from a case's columns read as values: ``target`` is its policy's
    target in working days (None: the case has no policy yet), ``events`` its clock events
    (``CLOCK_VERBS``) oldest first."""
    if submitted_on is None or target is None:
        return Clock(started=False)
    day = today or timezone.localdate()
    return Clock(
        started=True,
        running=status in {S.SUBMITTED, S.RECONSIDERATION_REQUESTED},
        paused=status == S.INFORMATION_REQUESTED,
        elapsed=elapsed_working_days(submitted_on=submitted_on, today=day, paused=pause_spans(events)),
        target=target,
        due_on=due_on,
    )
