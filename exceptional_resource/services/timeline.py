"""A case's timeline (``CaseEvent``): the one way the services write an entry."""

from __future__ import annotations

from accounts.models import User
from exceptional_resource.models import Case, CaseEvent
from exceptional_resource.notifications import after_case_event


def case_event_add(
    *,
    case: Case,
    actor: User | None,
    verb: str,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
    pool_id: int | None = None,
) -> CaseEvent:
    """An entry on ``case``'s timeline, and the emails it causes to the people concerned
    (queued after commit). ``pool_id``: the pool whose award or decision the entry is about
    (``CaseEvent.pool``); an auditor who reaches the case only through grants on other pools
    does not read it. None: the entry is about the case itself."""
    event = CaseEvent.objects.create(
        responsible_body_id=case.responsible_body_id,
        case=case,
        verb=verb,
        note=note[:2000],
        from_status=from_status,
        to_status=to_status,
        actor_label=actor.email if actor else "system",
        pool_id=pool_id,
    )
    after_case_event(event)
    return event
