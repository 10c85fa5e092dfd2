"""The rules that keep a decision, and the dates a case carries, from contradicting
themselves. One place, called by every service that takes these values, so the decision
page, the case form and the API refuse the same combinations with the same words.

- The outcome follows from the amount: *approved* funds exactly what the school asked for,
  *partly approved* funds something but less than that, and nothing funds more.
- A review date is after today and after the award (or the resource) starts.
- A resource line asked for does not end in the past.
- A change to an award's total (its vary, a review's change) changes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from accounts.policy import BodyAccess
from core.errors import ApplicationError, ConflictError
from core.money import format_pence
from exceptional_resource.error_codes import CaseError
from exceptional_resource.models import Decision
from groupings.models import GroupingPolicy
from pooling.models import Pool

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


def amount_changes_check(*, current_pence: int, new_pence: int, field: str) -> None:
    """Refuse varying an award to the total it already has: nothing would change, yet the page
    would say the award had been changed. (A review's "change" at the same total is allowed:
    it keeps the award and sets the next review.)"""
    if new_pence == current_pence:
        raise ApplicationError(
            f"The award is already {format_pence(current_pence)}: enter a different total to change it.",
            code=CaseError.AMOUNT_UNCHANGED,
            field=field,
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


# Officers whose delegated limit is at least this may draw on the urgent-case reserve,
# unless the policy's ``delegated_limits_pence["reserve_draw_min_limit"]`` says otherwise.
RESERVE_DRAW_MIN_LIMIT = 5_000_000


@dataclass(frozen=True)
class AwardTerms:
    pool: Pool
    starts_on: date
    ends_on: date
    review_on: date


def award_terms_check(
    *,
    access: BodyAccess,
    policy: GroupingPolicy,
    amount_pence: int,
    pool_id: int | None,
    frequency: str,
    starts_on: date | None,
    ends_on: date | None,
    review_on: date | None,
    use_reserve: bool = False,
) -> AwardTerms:
    """The one check of an award's terms (approving a case, renewing one after review),
    refusing the first rule broken on the field it names; the page's form and the API's
    serializer only parse. Returns the checked terms with the open pool the award draws on."""
    if amount_pence <= 0:
        raise ApplicationError("Enter the amount awarded.", code=CaseError.AMOUNT_REQUIRED, field="amount_pence")
    limit = access.decision_limit_pence()
    if amount_pence > limit:
        raise ConflictError(
            "This is above your delegated limit: an officer with a higher limit must decide it.",
            code=CaseError.OVER_DELEGATED_LIMIT,
            extra={"limit_pence": limit, "amount_pence": amount_pence},
        )
    reserve_floor = int(policy.delegated_limits_pence.get("reserve_draw_min_limit", RESERVE_DRAW_MIN_LIMIT))
    if use_reserve and limit < reserve_floor:
        raise ConflictError(
            "Only officers with a higher delegated limit may draw on the urgent reserve.",
            code=CaseError.RESERVE_NOT_ALLOWED,
        )
    if frequency not in Decision.Frequency.values:
        raise ApplicationError(
            "Choose monthly or termly payments.", code=CaseError.INVALID_FREQUENCY, field="frequency"
        )
    if starts_on is None:
        raise ApplicationError("Enter the first day of the award.", code=CaseError.INVALID_DATES, field="starts_on")
    if ends_on is None:
        raise ApplicationError("Enter the last day of the award.", code=CaseError.INVALID_DATES, field="ends_on")
    if ends_on < starts_on:
        raise ApplicationError(
            "The last day must be on or after the first day.", code=CaseError.INVALID_DATES, field="ends_on"
        )
    if review_on is None:
        raise ApplicationError("Enter the review date.", code=CaseError.REVIEW_REQUIRED, field="review_on")
    review_date_check(review_on=review_on, today=timezone.localdate(), starts_on=starts_on)
    pool = Pool.objects.filter(pk=pool_id, status="open").first() if pool_id else None
    if pool is None:
        raise ApplicationError("Choose an open funding period.", code=CaseError.INVALID_POOL, field="pool_id")
    return AwardTerms(pool=pool, starts_on=starts_on, ends_on=ends_on, review_on=review_on)
