"""What the pooling pages' lists share: links that differ per row only by an id (numbered
pages are ``core.web.paginate_list``)."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

from accounts.models import ResponsibleBody

_MARKER = 918273645546372819


def url_for_each(name: str, body: ResponsibleBody, key: str) -> Callable[[int], str]:
    """The URL of ``pooling:<name>`` for any id of ``key``, reversed once: a table of fifty
    rows otherwise resolves the same pattern fifty times over."""
    prefix, suffix = reverse(f"pooling:{name}", kwargs={"body_slug": body.slug, key: _MARKER}).split(str(_MARKER))
    return lambda pk: f"{prefix}{pk}{suffix}"
