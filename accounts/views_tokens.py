"""A person's own API tokens: list, make (the key shown once), revoke."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from accounts import selectors, services, stepup
from accounts.forms import ApiTokenForm, token_may
from accounts.web import request_user
from core.errors import ApplicationError
from core.forms import show_service_error


class ApiTokenListView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/api_tokens.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rows"] = [
            (token, token_may(token)) for token in selectors.api_token_list(user=request_user(self.request))
        ]
        context["now"] = timezone.now()
        return context


@method_decorator(never_cache, name="dispatch")
class ApiTokenCreateView(LoginRequiredMixin, FormView):
    """The key is in this response only (never stored, never in a redirect or the session)."""

    template_name = "accounts/api_token_new.html"
    form_class = ApiTokenForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["available"] = selectors.token_actions_for_user(user=request_user(self.request))
        return kwargs

    def form_valid(self, form: ApiTokenForm) -> HttpResponse:
        data = form.cleaned_data
        if data["access"] != "read_only":
            # A token that can change things is as sensitive as the changes: a fresh proof
            # of the second factor first (the step-up page re-posts this form with it).
            asking = stepup.page_step_up(self.request, template_context={"base_template": "base.html"})
            if asking is not None:
                return asking
        try:
            token, key = services.api_token_issue(
                user=request_user(self.request),
                name=data["name"],
                read_only=data["access"] == "read_only",
                actions=data["actions"],
                expires_in_days=data["expires_in_days"],
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
            return self.form_invalid(form)
        return self.response_class(
            request=self.request,
            template="accounts/api_token_created.html",
            context={"token": token, "key": key, "may": token_may(token)},
        )


class ApiTokenRevokeView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/api_token_revoke.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["token"] = selectors.api_token_get(user=request_user(self.request), token_id=kwargs["apitoken_id"])
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            token = services.api_token_revoke(user=request_user(request), token_id=kwargs["apitoken_id"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"“{token.name}” is revoked. Requests with it are refused from now on.")
        return HttpResponseRedirect(reverse("api-tokens"))
