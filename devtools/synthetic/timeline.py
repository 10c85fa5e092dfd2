"""A generated case's timeline: the values of its ``CaseEvent`` rows but their ids."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

# The hour a generated decision is made at (its award, audit row and timeline entry).
DECIDED_HOUR = 14


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def case_timeline(
    *,
    state: str,
    outcome: str | None,
    created: date,
    submitted: date | None,
    decided_on: date,
    moved_on: date,
    pool_id: int | None,
) -> list[tuple[str, str, str, datetime, int | None]]:
    """(verb, from status, to status, when, pool) for a case now in ``state``; ``outcome``:
    its decision's (made on ``decided_on``; None: not decided); ``moved_on``: the day it moved
    on from its decision to ``state``, if it did; ``pool_id``: its award's pool (None: none).

    The decision and every entry after it are about the award's pool (``CaseEvent.pool``),
    written with or after the award as the services write them: the rule exceptional_resource
    migration 0013 backfills by (the pool of the case's latest award made by the time of the
    entry), so an auditor granted the pool reads them and an auditor of another pool does not."""
    events: list[tuple[str, str, str, datetime, int | None]] = [("created", "", "draft", _at(created, 12), None)]
    if submitted:
        events.append(("submitted", "draft", "submitted", _at(submitted, 12), None))
    if state == "information_requested":
        events.append(("information_requested", "submitted", state, _at(decided_on, 12), None))
    elif state == "withdrawn":
        events.append(("withdrawn", "submitted" if submitted else "draft", state, _at(decided_on, 12), None))
    elif outcome:
        events.append((outcome, "submitted", outcome, _at(decided_on, DECIDED_HOUR), pool_id))
        if state not in {"approved", "partly_approved", "declined"}:
            events.append((state, outcome, state, _at(moved_on, DECIDED_HOUR), pool_id))
    return events
