"""Auditors' access per pool: a body administrator grants and revokes it; an auditor sees
the pools granted to them and each one's figures (every read audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError
from pooling import selectors
from pooling.forms.audit_grants import PoolAuditGrantForm
from pooling.selectors import audit_grants as grant_selectors
from pooling.services import audit_grants as services
from pooling.views.ledger import headroom_figures


class GrantListView(BodyMixin, TemplateView):
    template_name = "pooling/audit_grants.html"
    required_action = Action.MANAGE_MEMBERS
    mfa_action = Action.MANAGE_MEMBERS

    def form(self, data: Any = None) -> PoolAuditGrantForm:
        pools = [(p.pk, p.label) for p in selectors.pool_list(tenant=self.body)]
        return PoolAuditGrantForm(data, auditors=grant_selectors.auditor_choices(tenant=self.body), pools=pools)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        context["grants"] = list(grant_selectors.pool_audit_grant_list(tenant=self.body))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form(request.POST)
        if form.is_valid():
            try:
                services.pool_audit_grant(actor=self.actor, tenant=self.body, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "The auditor can now read that pool.")
                return HttpResponseRedirect(reverse("pooling:audit-grants", kwargs={"body_slug": self.body.slug}))
        return self.render_to_response(self.get_context_data(form=form))


class GrantRevokeView(BodyMixin, View):
    http_method_names = ["post"]
    required_action = Action.MANAGE_MEMBERS
    mfa_action = Action.MANAGE_MEMBERS

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.pool_audit_revoke(actor=self.actor, tenant=self.body, poolauditgrant_id=kwargs["poolauditgrant_id"])
        messages.success(request, "The auditor can no longer read that pool.")
        return HttpResponseRedirect(reverse("pooling:audit-grants", kwargs={"body_slug": self.body.slug}))


class AuditPoolListView(BodyMixin, TemplateView):
    template_name = "pooling/audit_pools.html"
    required_action = Action.EXPORT_AUDIT

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["pools"] = list(grant_selectors.audit_pool_list(tenant=self.body, user=self.actor))
        return context


class AuditPoolView(BodyMixin, TemplateView):
    template_name = "pooling/audit_pool.html"
    required_action = Action.EXPORT_AUDIT

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        pool = services.pool_audit_read(
            actor=self.actor, tenant=self.body, pool_id=kwargs["pool_id"], via="page", access=self.access
        )
        context["pool"] = pool
        context["figures"] = headroom_figures(selectors.pool_headroom(tenant=self.body, pool=pool))
        return context
