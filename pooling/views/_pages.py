"""What the pooling pages share: the pool a page is about, links (and links that differ per
row only by an id; numbered pages are ``core.web.paginate_list``), and how the services'
argument names map to the forms' fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

from accounts.models import ResponsibleBody
from accounts.policy import Action
from accounts.web import BodyMixin
from core import web
from pooling.models import Pool
from pooling.selectors.ledger import pool_get

# Service fields → form fields, where they are named differently.
SERVICE_FIELDS = {"amount_pence": "amount", "period_label": None}


def page_url(name: str, body: ResponsibleBody, **kwargs: Any) -> str:
    """The URL of ``pooling:<name>`` in ``body``."""
    return reverse(f"pooling:{name}", kwargs={"body_slug": body.slug, **kwargs})


def url_for_each(name: str, body: ResponsibleBody, key: str) -> Callable[[int], str]:
    """The URL of ``pooling:<name>`` for any id of ``key``, reversed once: a table of fifty
    rows otherwise resolves the same pattern fifty times over."""
    return web.url_for_each(f"pooling:{name}", key, body_slug=body.slug)


class PoolMixin(BodyMixin):
    """Pages about one of the body's pools (``pool_id`` in the URL)."""

    required_action = Action.VIEW_POOL
    kwargs: dict[str, Any]
    _pool: Pool | None = None

    @property
    def pool(self) -> Pool:
        if self._pool is None:
            self._pool = pool_get(tenant=self.body, pool_id=self.kwargs["pool_id"])
        return self._pool

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(pool=self.pool, can_move_money=self.access.can(Action.MOVE_MONEY))
        return context
