"""Collaboration pages under ``/b/<body_slug>/collaboration/``. Views parse, call a service
or selector and render; the policy layer and the services decide who sees what."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from collaboration.forms import AdviceRequestForm, MessageForm
from collaboration.selectors.advice import (
    advice_request_list_for_adviser,
    advice_request_list_for_school,
    eligible_advisers,
)
from collaboration.services import advice as services
from core.errors import ApplicationError
from groupings.case_summaries import case_choices_for


def _url(name: str, body_slug: str, **kwargs: Any) -> str:
    return reverse(f"collaboration:{name}", kwargs={"body_slug": body_slug, **kwargs})


class HomeView(BodyMixin, TemplateView):
    """Requests the reader's school made, and requests the reader is asked to advise on."""

    template_name = "collaboration/home.html"
    required_action = Action.COLLABORATE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        can_ask = self.access.can(Action.SEEK_ADVICE)
        context["can_ask"] = can_ask
        context["asked"] = (
            list(
                advice_request_list_for_school(tenant=self.body, school_ids=self.access.school_ids(Action.SEEK_ADVICE))
            )
            if can_ask
            else []
        )
        context["to_advise"] = list(advice_request_list_for_adviser(tenant=self.body, user=self.actor))
        return context


class AdviceRequestNewView(BodyMixin, TemplateView):
    template_name = "collaboration/advice_new.html"
    required_action = Action.SEEK_ADVICE

    def form(self, data: Any = None) -> AdviceRequestForm:
        schools = sorted(self.access.school_ids(Action.SEEK_ADVICE) or set())
        cases = [(c.case_id, c.label) for s in schools for c in case_choices_for(tenant=self.body, school_id=s)]
        advisers: dict[int, str] = {}
        for s in schools:
            advisers.update(eligible_advisers(tenant=self.body, school_id=s))
        return AdviceRequestForm(data, cases=cases, advisers=sorted(advisers.items(), key=lambda kv: kv[1]))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form(request.POST)
        if form.is_valid():
            try:
                created = services.advice_request_create(actor=self.actor, tenant=self.body, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"{created.adviser_label} can now read the case summary and advise.")
                return HttpResponseRedirect(_url("advice", self.body.slug, advicerequest_id=created.pk))
        return self.render_to_response(self.get_context_data(form=form))


class AdviceDetailView(BodyMixin, TemplateView):
    """The school sees its request and the advice; the adviser, while access lasts, the
    pseudonymous summary too (each opening audited). Anyone else: 404."""

    template_name = "collaboration/advice.html"
    required_action = Action.COLLABORATE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        view = services.advice_request_open(
            actor=self.actor, tenant=self.body, advice_request_id=self.kwargs["advicerequest_id"]
        )
        context.update(
            advice=view.request,
            as_adviser=view.as_adviser,
            summary=view.summary,
            thread=list(view.request.messages.all()),
        )
        context.setdefault("message_form", MessageForm())
        return context


class _MessageAction(AdviceDetailView):
    http_method_names = ["post"]

    def perform(self, text: str) -> None:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                self.perform(form.cleaned_data["text"])
            except ApplicationError as exc:
                form.add_error("text", exc.message)
            else:
                messages.success(request, "Your message is saved.")
                return HttpResponseRedirect(_url("advice", self.body.slug, advicerequest_id=kwargs["advicerequest_id"]))
        return self.render_to_response(self.get_context_data(message_form=form))


class AdviseView(_MessageAction):
    def perform(self, text: str) -> None:
        services.advice_give(
            actor=self.actor, tenant=self.body, advice_request_id=self.kwargs["advicerequest_id"], text=text
        )


class ReplyView(_MessageAction):
    required_action = Action.SEEK_ADVICE

    def perform(self, text: str) -> None:
        services.advice_reply(
            actor=self.actor, tenant=self.body, advice_request_id=self.kwargs["advicerequest_id"], text=text
        )


class RevokeView(BodyMixin, View):
    http_method_names = ["post"]
    required_action = Action.SEEK_ADVICE

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        advice_id = kwargs["advicerequest_id"]
        try:
            services.advice_request_revoke(actor=self.actor, tenant=self.body, advice_request_id=advice_id)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "The adviser can no longer see the case summary.")
        return HttpResponseRedirect(_url("advice", self.body.slug, advicerequest_id=advice_id))


class AttachView(BodyMixin, View):
    """The school puts one piece of advice on its case's record for the decision."""

    http_method_names = ["post"]
    required_action = Action.SEEK_ADVICE

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            message = services.advice_attach_as_evidence(
                actor=self.actor, tenant=self.body, advice_message_id=kwargs["advicemessage_id"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(_url("home", self.body.slug))
        messages.success(request, "The advice is on the case's record, where the decision officer will read it.")
        return HttpResponseRedirect(_url("advice", self.body.slug, advicerequest_id=message.advice_request_id))
