"""Showing a service's refusal on a page's form: the one copy every view uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.errors import ApplicationError


def show_service_error(form: Any, exc: ApplicationError, fields: Mapping[str, str | None] | None = None) -> None:
    """Put ``exc`` on the form field it names (``fields`` maps a service's argument name to
    the form's own field name, or None), or at the top of the form when the form has no such field."""
    field = (fields or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.message)
