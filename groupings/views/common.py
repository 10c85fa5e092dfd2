"""What the groupings pages share."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from accounts.models import ResponsibleBody
from core.errors import ApplicationError


def page_url(name: str, body: ResponsibleBody, **kwargs: Any) -> str:
    """The URL of a groupings page of ``body``."""
    return reverse(f"groupings:{name}", kwargs={"body_slug": body.slug, **kwargs})


def show_error(form: Any, exc: ApplicationError) -> None:
    """A service's refusal on the form field it names (or the whole form)."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
