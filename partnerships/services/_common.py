"""Helpers shared by the partnership services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from accounts.models import ResponsibleBody, User
from core.errors import ApplicationError
from partnerships.error_codes import PartnershipError


def check(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """``full_clean`` as an ``ApplicationError`` naming the first field at fault."""
    try:
        instance.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ApplicationError(
            messages[0], code=PartnershipError.INVALID, field=None if field == "__all__" else field
        ) from exc


def require_la(tenant: ResponsibleBody) -> None:
    if tenant.kind != ResponsibleBody.Kind.LOCAL_AUTHORITY:
        raise ApplicationError(
            "Only a local authority convenes a partnership; a trust joins one it is invited to.",
            code=PartnershipError.NOT_A_LOCAL_AUTHORITY,
        )


def actor_label(actor: User | None) -> str:
    return actor.email if actor is not None else "system"


def whole_number(value: Any, *, field: str, label: str, maximum: int = 1_000_000) -> int:
    """A count people enter: a whole number from 0 to ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApplicationError(
            f"Enter {label} as a whole number.", code=PartnershipError.NOT_A_WHOLE_NUMBER, field=field
        )
    if value < 0:
        raise ApplicationError(f"{label.capitalize()} cannot be negative.", code=PartnershipError.NEGATIVE, field=field)
    if value > maximum:
        raise ApplicationError(
            f"{label.capitalize()} must be {maximum:,} or fewer.", code=PartnershipError.TOO_LARGE, field=field
        )
    return value
