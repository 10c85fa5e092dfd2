"""The rules that keep a decision, and the dates a case carries, from contradicting
themselves. One place, called by every service that takes these values, so the decision
page, the case form and the API refuse the same combinations with the same words.

- The outcome follows from the amount: *approved* funds exactly what the school asked for,
  *partly approved* funds something but less than that, and nothing funds more.
- A review date is after today and after the award (or the resource) starts.
- A resource line asked for does not end in the past.
"""

from __future__ import annotations

from datetime import date

from core.errors import ApplicationError
from core.money import format_pence
from exceptional_resource.error_codes import CaseError

APPROVED = "approved"
PARTLY_APPROVED = "partly_approved"


def outcome_for_amount(*, amount_pence: int, requested_pence: int) -> str | None:
    """The only outcome an amount is consistent with, or None when no approval fits it."""
    if amount_pence <= 0 or amount_pence > requested_pence:
        return None
    return APPROVED if amount_pence == requested_pence else PARTLY_APPROVED


def decision_amount_check(*, outcome: str, amount_pence: int, requested_pence: int) -> None:
    """Refuse an approval whose amount says something else than its outcome."""
    if outcome not in (APPROVED, PARTLY_APPROVED):
        return
    asked = format_pence(requested_pence)
    if amount_pence > requested_pence:
        raise ApplicationError(
            f"The amount awarded cannot be more than the {asked} the school asked for.",
            code=CaseError.AMOUNT_ABOVE_REQUEST,
            field="amount_pence",
            extra={"requested_pence": requested_pence},
        )
    if outcome == APPROVED and amount_pence != requested_pence:
        raise ApplicationError(
            f"Approve funds all of the {asked} asked for. To award less, choose partly approve.",
            code=CaseError.OUTCOME_AMOUNT_MISMATCH,
            field="amount_pence",
            extra={"requested_pence": requested_pence},
        )
    if outcome == PARTLY_APPROVED and amount_pence >= requested_pence:
        raise ApplicationError(
            f"Partly approve funds less than the {asked} asked for. To fund all of it, choose approve.",
            code=CaseError.OUTCOME_AMOUNT_MISMATCH,
            field="amount_pence",
            extra={"requested_pence": requested_pence},
        )


def review_date_check(*, review_on: date, today: date, starts_on: date | None = None, field: str = "review_on") -> None:
    """A review date is after today and after the day the award or resource starts."""
    if review_on <= today:
        raise ApplicationError(
            f"The review date must be after today ({today:%-d %B %Y}).",
            code=CaseError.REVIEW_NOT_AFTER_TODAY,
            field=field,
        )
    if starts_on is not None and review_on <= starts_on:
        raise ApplicationError(
            f"The review date must be after the first day of the award ({starts_on:%-d %B %Y}).",
            code=CaseError.REVIEW_NOT_AFTER_START,
            field=field,
        )


def resource_end_check(*, ends_on: date, today: date, field: str = "ends_on") -> None:
    """A resource asked for now cannot have ended already."""
    if ends_on < today:
        raise ApplicationError(
            f"The end date cannot be in the past (today is {today:%-d %B %Y}).",
            code=CaseError.DATE_IN_PAST,
            field=field,
        )
