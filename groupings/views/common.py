"""What the groupings pages share."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from accounts.models import ResponsibleBody


def page_url(name: str, body: ResponsibleBody, **kwargs: Any) -> str:
    """The URL of a groupings page of ``body``."""
    return reverse(f"groupings:{name}", kwargs={"body_slug": body.slug, **kwargs})
