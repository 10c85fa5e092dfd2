"""The page plumbing every partnership page shares: the role check (a partnership lead
or body administrator; everyone else gets the same 404), loading the URL's objects
inside the tenant (another body's id is a 404), and one pattern for forms that post to
their own URL and, when invalid, re-render the page they sit on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.models import ResponsibleBody
from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError
from core.forms import show_service_error
from partnerships import selectors
from partnerships.models import Partnership

T = TypeVar("T")


def url(name: str, body: ResponsibleBody, **kwargs: Any) -> str:
    return reverse(f"partnerships:{name}", kwargs={"body_slug": body.slug, **kwargs})


class Page(BodyMixin, TemplateView):
    """A partnership page. ``load`` puts the URL's objects on ``self``; ``page_context``
    adds what the template needs (forms may be passed in, bound and invalid)."""

    required_action = Action.VIEW_PARTNERSHIP

    def load(self) -> None:
        pass

    def page_context(self, **forms: Any) -> dict[str, Any]:
        return forms

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.page_context(**{k: v for k, v in kwargs.items() if k != "view"}))
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load()
        return self.render_to_response(self.get_context_data())


class PartnershipPage(Page):
    partnership: Partnership

    def load(self) -> None:
        self.partnership = selectors.partnership_get(tenant=self.body, partnership_id=self.kwargs["partnership_id"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["partnership"] = self.partnership
        return context


class FormAction:
    """Mixed into a page class: POST only; a valid form calls ``perform`` (a service) and
    redirects; an invalid one (or an ``ApplicationError``) re-renders the page with it."""

    http_method_names: Sequence[str] = ["post"]
    form_class: type[forms.Form]
    context_key = "form"

    def form_kwargs(self) -> dict[str, Any]:
        return {}

    def perform(self, data: dict[str, Any]) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load()  # type: ignore[attr-defined]
        form = self.form_class(request.POST, request.FILES, **self.form_kwargs())
        if form.is_valid():
            try:
                return HttpResponseRedirect(self.perform(form.cleaned_data))
            except ApplicationError as exc:
                show_service_error(form, exc)
        return self.render_to_response(self.get_context_data(**{self.context_key: form}))  # type: ignore[attr-defined]


class ButtonAction:
    """A POST-only button (publish, seed, refresh): calls ``perform`` and redirects."""

    http_method_names: Sequence[str] = ["post"]

    def perform(self) -> str:
        raise NotImplementedError

    def back_url(self) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load()  # type: ignore[attr-defined]
        try:
            return HttpResponseRedirect(self.perform())
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(self.back_url())
