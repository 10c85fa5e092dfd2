"""The legal-hold page of a case: a decision officer or the body's admin places a hold with a
reason, or lifts the one in force with a reason; the case's holds are listed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError
from core.forms import show_service_error
from exceptional_resource.selectors.holds import hold_case_get, hold_list
from exceptional_resource.services.holds import REASON_MAX, legal_hold_lift, legal_hold_place


class HoldForm(forms.Form):
    action = forms.ChoiceField(choices=[("place", "Place"), ("lift", "Lift")], widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason",
        help_text="For example: a complaint, a tribunal appeal or a claim. Do not name the pupil.",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter the reason for the hold",
            "max_length": f"Enter the reason in {REASON_MAX} characters or fewer",
        },
    )


class LegalHoldView(BodyMixin, TemplateView):
    template_name = "exceptional_resource/legal_hold.html"
    required_action = Action.MANAGE_LEGAL_HOLD
    mfa_action = Action.MANAGE_LEGAL_HOLD
    step_up = True  # placing or lifting a hold needs a fresh code

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case = hold_case_get(tenant=self.body, case_id=self.kwargs["case_id"])
        holds = hold_list(tenant=self.body, case=case)
        in_force = next((h for h in holds if h.lifted_at is None), None)
        form = kwargs.get("form") or HoldForm(initial={"action": "lift" if in_force else "place"})
        context.update(case=case, holds=holds, in_force=in_force, form=form)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = HoldForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            service = legal_hold_place if data["action"] == "place" else legal_hold_lift
            try:
                service(actor=self.actor, tenant=self.body, case_id=kwargs["case_id"], reason=data["reason"])
            except ApplicationError as exc:
                show_service_error(form, exc)
            else:
                messages.success(
                    request, "The legal hold is in force." if data["action"] == "place" else "The legal hold is lifted."
                )
                return HttpResponseRedirect(
                    reverse("cases:legal-hold", kwargs={"body_slug": self.body.slug, "case_id": kwargs["case_id"]})
                )
        return self.render_to_response(self.get_context_data(form=form))
