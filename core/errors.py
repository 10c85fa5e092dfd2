"""The one business-error type. Services raise it; the API exception handler maps it to
400/409 with its stable ``code``; pages show its message on the form."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A business rule refused the request. ``code`` is stable for API clients."""

    status_code = 400
    # Set by a service that wrote a record of the refusal (an audit event, a note on the
    # case) after the refused work rolled back: the API keeps that record, not the work.
    recorded = False

    def __init__(self, message: str, *, code: str, field: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.extra = extra or {}


class ConflictError(ApplicationError):
    """The request clashes with the current state (a duplicate, a race lost, a closed period)."""

    status_code = 409
