"""The one business-error type and the one "not found". Services raise ``ApplicationError``
with a ``code`` from their app's error-code enum; the API exception handler maps it to
400/409 with that stable code; pages show its message on the form. ``NotFound`` is the one
way any layer says a row is missing or belongs to another body: it is an ``Http404``, so
pages answer 404, and the API handler answers 404 with ``{"code": "not_found", ...}``."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.http import Http404


class ErrorCode(StrEnum):
    """Base of every app's error-code enum (``CaseError``, ``PoolingError``...): the member's
    value is the stable string API clients see in ``code``."""


class ApplicationError(Exception):
    """A business rule refused the request. ``code`` is stable for API clients."""

    status_code = 400
    # Set by a service that wrote a record of the refusal (an audit event, a note on the
    # case) after the refused work rolled back: the API keeps that record, not the work.
    recorded = False

    def __init__(self, message: str, *, code: ErrorCode, field: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code: str = str(code)
        self.field = field
        self.extra = extra or {}


class ConflictError(ApplicationError):
    """The request clashes with the current state (a duplicate, a race lost, a closed period)."""

    status_code = 409


class NotFound(Http404):
    """No such row for this body (missing, or another body's: the same answer). Pages answer
    404; the API answers 404 with ``code`` ``not_found``. Not an ``ApplicationError``, so a
    view showing service errors on its form never turns a missing row into a form error."""

    status_code = 404
    code = "not_found"

    def __init__(self, message: str = "Not found.", *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
