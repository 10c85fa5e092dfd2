"""Pool dashboard and ledger browser."""

from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from pooling import selectors


class DashboardView(BodyMixin, TemplateView):
    """The pool's headroom for the chosen funding period (the latest by default)."""

    template_name = "pooling/dashboard.html"
    required_action = Action.VIEW_POOL

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        pools = list(selectors.pool_list(tenant=self.body))
        chosen = self.request.GET.get("pool", "")
        pool = next((p for p in pools if str(p.pk) == chosen), pools[0] if pools else None)
        context.update(pools=pools, pool=pool)
        if pool is not None:
            context["headroom"] = selectors.pool_headroom(tenant=self.body, pool=pool)
        return context
