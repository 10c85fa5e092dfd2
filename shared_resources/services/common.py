"""Checks every shared-resources service makes: who may act, and well-formed values."""

from __future__ import annotations

from datetime import date
from typing import Any

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from core.errors import ApplicationError
from shared_resources.error_codes import SharedResourceError as E


def require(actor: User, tenant: ResponsibleBody, action: Action, obj: Any = None) -> BodyAccess:
    """The actor's access, if they may ``action`` (``obj`` scopes heads and SENDCOs to their
    school), with MFA where the action needs it; otherwise a ``not_allowed`` error."""
    access = BodyAccess.load(actor, tenant)
    if not access.can(action, obj) or access.needs_mfa_for(action):
        raise ApplicationError("You are not allowed to do this.", code=E.NOT_ALLOWED)
    return access


def pence(value: Any, *, field: str, required: bool = True) -> int | None:
    """An amount in whole pence, 0 or more (forms and serializers parse pounds first)."""
    if value is None:
        if required:
            raise ApplicationError("Enter an amount.", code=E.MISSING_FIELD, field=field)
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ApplicationError("Enter an amount of £0.00 or more.", code=E.INVALID_AMOUNT, field=field)
    return value


def positive(value: Any, *, field: str, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ApplicationError(f"Enter {what} as a whole number of 1 or more.", code=E.INVALID_VALUE, field=field)
    return value


def ordered(starts_on: date, ends_on: date, *, field: str = "ends_on") -> None:
    if ends_on < starts_on:
        raise ApplicationError(
            "The end date must be the same as or after the start date.", code=E.DATES_OUT_OF_ORDER, field=field
        )


def text(value: str, *, field: str, limit: int, required: bool = False, what: str = "this") -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(f"Enter {what}.", code=E.MISSING_FIELD, field=field)
    if len(value) > limit:
        raise ApplicationError(f"Enter {limit} characters or fewer.", code=E.INVALID_VALUE, field=field)
    return value
