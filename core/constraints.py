"""Which database constraint refused a write, read from the database error itself.

A unique or exclusion race is recognised by the constraint's name as PostgreSQL reports it
(psycopg's ``Diagnostics.constraint_name`` on the error Django wraps), never by searching the
error's text: the text is translated, truncated and may quote the values that were refused."""

from __future__ import annotations

from django.db import IntegrityError


def violated_constraint(exc: IntegrityError) -> str | None:
    """The name of the constraint (or unique index) ``exc`` violated, or None."""
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return name if isinstance(name, str) else None


def violates(exc: IntegrityError, *names: str) -> bool:
    """True when ``exc`` is a violation of one of the constraints ``names``."""
    return violated_constraint(exc) in names
