"""The decision clock of one case: working days taken so far, with the spans it stood
still while the school was asked for information (``exceptional_resource.clock`` counts
the working days)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from exceptional_resource.clock import elapsed_working_days
from exceptional_resource.models import Case, CaseStatus

S = CaseStatus


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
