"""What the pooling pages' lists share: links that differ per row only by an id (numbered
pages are ``core.web.paginate_list``)."""

from __future__ import annotations

from collections.abc import Callable

from accounts.models import ResponsibleBody
from core import web


def url_for_each(name: str, body: ResponsibleBody, key: str) -> Callable[[int], str]:
    """The URL of ``pooling:<name>`` for any id of ``key``, reversed once: a table of fifty
    rows otherwise resolves the same pattern fifty times over."""
    return web.url_for_each(f"pooling:{name}", key, body_slug=body.slug)
