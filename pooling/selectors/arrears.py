"""What "arrears" means, in one place. A member's contribution is **due** by its due date:
``CONTRIBUTION_TERMS_DAYS`` days after the later of the period's start and the day the
school joined the grouping (its arrangement's start). What is not yet received is *due*
until that date, and **in arrears** only after it. Every page, report and API that says
"arrears" reads it through these functions (``ContributionRow``, ``contribution_totals``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pooling.models import Contribution

CONTRIBUTION_TERMS_DAYS = 30

RECEIVED = "received"
DUE = "due"
ARREARS = "arrears"
OVERPAID = "overpaid"

STANDING_LABELS = {RECEIVED: "Received", DUE: "Due", ARREARS: "In arrears", OVERPAID: "Received more than expected"}


def due_on(*, period_starts_on: date, joined_on: date) -> date:
    """The day a contribution is due, for a period starting on ``period_starts_on`` and a
    school that joined the grouping on ``joined_on``."""
    return max(period_starts_on, joined_on) + timedelta(days=CONTRIBUTION_TERMS_DAYS)


def contribution_due_on(contribution: Contribution) -> date:
    """The day a contribution is due (load ``pool`` and ``arrangement`` with it)."""
    return due_on(period_starts_on=contribution.pool.starts_on, joined_on=contribution.arrangement.start_date)


def is_past_due(due_on: date, day: date) -> bool:
    """In arrears on ``day``: the due date has passed (on the due date itself it is due)."""
    return day > due_on


def standing(*, outstanding_pence: int, due_on: date, day: date) -> str:
    if outstanding_pence < 0:
        return OVERPAID
    if outstanding_pence == 0:
        return RECEIVED
    return ARREARS if is_past_due(due_on, day) else DUE


def arrears_pence(*, outstanding_pence: int, due_on: date, day: date) -> int:
    """What is in arrears on ``day``: what is outstanding, once the due date has passed."""
    return outstanding_pence if is_past_due(due_on, day) and outstanding_pence > 0 else 0
