"""An arrangement's page, its agreement document and its transitions (approve, withdraw,
notice, end), and the trust's own academies."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError, NotFound
from core.forms import show_service_error
from core.text import ascii_digits
from groupings import selectors
from groupings.forms import (
    EndDateForm,
    OwnAcademiesForm,
)
from groupings.models import Arrangement
from groupings.services.arrangements import (
    arrangement_activate,
    arrangement_document_open,
    arrangement_end,
    arrangement_give_notice,
    arrangement_withdraw,
    own_academies_add,
    own_academies_preview,
)
from groupings.views.common import page_url


class ArrangementDetailView(BodyMixin, TemplateView):
    template_name = "groupings/arrangement.html"
    required_action = Action.VIEW_GROUPING

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        arrangement = selectors.arrangement_get(tenant=self.body, arrangement_id=kwargs["arrangement_id"])
        if not self.access.can(Action.VIEW_GROUPING, arrangement):
            raise NotFound("No such arrangement.")
        context.update(
            arrangement=arrangement,
            history=selectors.arrangement_history(tenant=self.body, arrangement=arrangement),
            can_manage=self.access.can(Action.MANAGE_GROUPING),
            today=timezone.localdate(),
        )
        return context


class ArrangementDocumentView(BodyMixin, TemplateView):
    """Serves the signed agreement to people allowed to see the arrangement; audited."""

    required_action = Action.VIEW_GROUPING

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        arrangement = selectors.arrangement_get(tenant=self.body, arrangement_id=kwargs["arrangement_id"])
        if not self.access.can(Action.VIEW_GROUPING, arrangement):
            raise NotFound("No such document.")
        arrangement = arrangement_document_open(actor=self.actor, tenant=self.body, arrangement_id=arrangement.pk)
        return FileResponse(
            arrangement.agreement_document.open("rb"),
            as_attachment=True,
            filename=arrangement.agreement_document_name or "agreement",
        )


class ArrangementActionView(BodyMixin, TemplateView):
    """Approve or withdraw (POST only)."""

    required_action = Action.MANAGE_GROUPING
    mfa_action = Action.MANAGE_GROUPING
    http_method_names = ["post"]
    action = ""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        arrangement = selectors.arrangement_get(tenant=self.body, arrangement_id=kwargs["arrangement_id"])
        service = {"approve": arrangement_activate, "withdraw": arrangement_withdraw}[self.action]
        try:
            service(actor=self.actor, tenant=self.body, arrangement_id=arrangement.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            done = "approved: its IMF is pooled from its start date" if self.action == "approve" else "withdrawn"
            messages.success(request, f"The arrangement for {arrangement.school.name} has been {done}.")
        return HttpResponseRedirect(page_url("arrangement", self.body, arrangement_id=arrangement.pk))


class ArrangementEndingView(BodyMixin, FormView):
    """Give notice, or end now: both ask for the last day in the grouping."""

    template_name = "groupings/arrangement_ending.html"
    form_class = EndDateForm
    required_action = Action.MANAGE_GROUPING
    mfa_action = Action.MANAGE_GROUPING
    action = ""

    def needs_step_up(self, request: HttpRequest) -> bool:
        # Ending the arrangement ends the school's awards: a fresh code, as ending an award asks.
        return self.action == "end" and request.method == "POST"

    def arrangement(self) -> Arrangement:
        return selectors.arrangement_get(tenant=self.body, arrangement_id=self.kwargs["arrangement_id"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(arrangement=self.arrangement(), action=self.action)
        return context

    def form_valid(self, form: EndDateForm) -> HttpResponse:
        arrangement = self.arrangement()
        service = arrangement_give_notice if self.action == "give-notice" else arrangement_end
        try:
            service(
                actor=self.actor,
                tenant=self.body,
                arrangement_id=arrangement.pk,
                end_date=form.cleaned_data["end_date"],
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
            return self.form_invalid(form)
        verb = "Notice has been recorded" if self.action == "give-notice" else "The arrangement has ended"
        messages.success(
            self.request, f"{verb} for {arrangement.school.name}: last day {form.cleaned_data['end_date']:%-d %B %Y}."
        )
        return HttpResponseRedirect(page_url("arrangement", self.body, arrangement_id=arrangement.pk))


class OwnAcademiesView(BodyMixin, FormView):
    template_name = "groupings/own_academies.html"
    form_class = OwnAcademiesForm
    required_action = Action.MANAGE_GROUPING
    mfa_action = Action.MANAGE_GROUPING

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if self.request.method == "GET" and self.request.GET.get("start_date"):
            kwargs["data"] = self.request.GET
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context["form"]
        if form.is_bound and form.is_valid():
            try:
                context["preview"] = own_academies_preview(tenant=self.body, start_date=form.cleaned_data["start_date"])
            except ApplicationError as exc:
                show_service_error(form, exc)
            context["start_date"] = form.cleaned_data.get("start_date")
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = OwnAcademiesForm(request.POST)
        if not form.is_valid():
            return self.form_invalid(form)
        ids = [int(i) for i in request.POST.getlist("school") if ascii_digits(i)]
        try:
            added = own_academies_add(
                actor=self.actor,
                tenant=self.body,
                start_date=form.cleaned_data["start_date"],
                school_ids=ids,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            query = f"?start_date={form.cleaned_data['start_date'].isoformat()}"
            return HttpResponseRedirect(page_url("own-academies", self.body) + query)
        messages.success(request, f"{len(added)} academies added to the grouping.")
        return HttpResponseRedirect(page_url("members", self.body))
