"""What the pages of a payment run's steps share (``payment_runs``: sent, paid;
``payment_returns``: a line returned, the run failed): the run page's address, and a form
page for a finance officer (MFA, a fresh step-up to post) that calls the step's one service,
shows its refusal on the form, or says what was done and goes back to the run."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import FormView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError
from core.forms import show_service_error
from pooling.models import PaymentRun
from pooling.selectors import payments as payment_selectors


def run_url(body_slug: str, run_id: int) -> str:
    return reverse("pooling:payment-run", kwargs={"body_slug": body_slug, "paymentrun_id": run_id})


class RunStepFormView(BodyMixin, FormView):
    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY
    step_up = True
    # A service argument's name -> the form field its refusal is shown on.
    service_fields: Mapping[str, str] = {}

    def run(self) -> PaymentRun:
        if not hasattr(self, "_run"):
            self._run = payment_selectors.payment_run_get(tenant=self.body, payment_run_id=self.kwargs["paymentrun_id"])
        return self._run

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(run=self.run(), pool=self.run().pool)
        return context

    def run_step(self, form: forms.Form, step: Callable[[], object], done: str) -> HttpResponse:
        """Call ``step`` (the service); refused, the form again with why; done, ``done`` said
        on the run's page."""
        try:
            step()
        except ApplicationError as exc:
            show_service_error(form, exc, fields=self.service_fields)
            return self.form_invalid(form)
        messages.success(self.request, done)
        return HttpResponseRedirect(run_url(self.body.slug, self.run().pk))
