"""The grouping policy (its versions and a new version) and the public grouping page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import (
    HttpResponse,
    HttpResponseRedirect,
)
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from accounts.policy import Action
from accounts.selectors import body_by_slug
from accounts.web import BodyMixin
from core.errors import ApplicationError
from core.forms import show_service_error
from groupings import selectors
from groupings.forms import (
    PolicyForm,
)
from groupings.policy_defaults import PEER_REVIEW_HEADINGS
from groupings.services.policy import policy_version_create
from groupings.views.common import page_url


class PolicyView(BodyMixin, TemplateView):
    template_name = "groupings/policy.html"
    required_action = Action.VIEW_GROUPING

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            current=selectors.policy_in_force(tenant=self.body),
            versions=list(selectors.policy_versions(tenant=self.body)),
            can_manage=self.access.can(Action.MANAGE_GROUPING),
        )
        return context


class PolicyNewView(BodyMixin, FormView):
    template_name = "groupings/policy_new.html"
    form_class = PolicyForm
    required_action = Action.MANAGE_GROUPING
    mfa_action = Action.MANAGE_GROUPING

    def get_initial(self) -> dict[str, Any]:
        current = selectors.policy_in_force(tenant=self.body)
        if current is None:
            return {"peer_review_headings": "\n".join(PEER_REVIEW_HEADINGS)}
        return {
            "pooled_share_percent": f"{current.pooled_share_bp / 100:.2f}",
            "urgent_reserve_percent": f"{current.urgent_reserve_bp / 100:.2f}",
            "allow_share_override": current.allow_share_override,
            "segregation_of_duties": current.segregation_of_duties,
            "sendco_may_organise_sessions": current.sendco_may_organise_sessions,
            "peer_review_headings": "\n".join(current.peer_review_headings),
            "decision_target_working_days": current.decision_target_working_days,
            "decision_criteria": "\n".join(current.decision_criteria),
            "case_file_retention_years": current.case_file_retention_years,
            "financial_retention_years": current.financial_retention_years,
        }

    def form_valid(self, form: PolicyForm) -> HttpResponse:
        current = selectors.policy_in_force(tenant=self.body)
        try:
            policy = policy_version_create(
                actor=self.actor,
                tenant=self.body,
                areas_of_need=current.areas_of_need if current else None,
                delegated_limits_pence=current.delegated_limits_pence if current else None,
                **form.cleaned_data,
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Version {policy.version} of the policy applies from {policy.effective_from:%-d %B %Y}."
        )
        return HttpResponseRedirect(page_url("policy", self.body))


class PublicGroupingView(TemplateView):
    """Who is in the grouping and how decisions are made: public, no sign-in, no private data."""

    template_name = "groupings/public.html"
    cross_tenant_public = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        body = body_by_slug(slug=kwargs["body_slug"])
        members = selectors.grouping_members_on(tenant=body)
        from core.tenancy import tenant_context

        with tenant_context(body):
            policy = selectors.policy_in_force(tenant=body)
        context.update(body=body, members=members, policy=policy, today=timezone.localdate())
        return context
