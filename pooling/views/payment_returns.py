"""Recording a payment the bank did not make: one line of a paid run returned, or a run sent
to the bank failed whole. Each page calls one service of ``pooling.services.payment_returns``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import FormView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError
from core.forms import show_service_error
from core.money import format_pence
from pooling.forms.payment_runs import PaymentReturnedForm
from pooling.models import PaymentRun, PaymentRunLine
from pooling.selectors import payments as payment_selectors
from pooling.services import payment_returns as services


def _run_url(body_slug: str, run_id: int) -> str:
    return reverse("pooling:payment-run", kwargs={"body_slug": body_slug, "paymentrun_id": run_id})


class _ReturnView(BodyMixin, FormView):
    template_name = "pooling/payments/run_returned.html"
    form_class = PaymentReturnedForm
    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY
    step_up = True

    def run(self) -> PaymentRun:
        if not hasattr(self, "_run"):
            self._run = payment_selectors.payment_run_get(tenant=self.body, payment_run_id=self.kwargs["paymentrun_id"])
        return self._run

    def line(self) -> PaymentRunLine | None:
        return None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(run=self.run(), pool=self.run().pool, line=self.line())
        return context


class PaymentLineReturnedView(_ReturnView):
    """One line of a paid run returned by the bank: the payment reversed, its instalments due again."""

    def line(self) -> PaymentRunLine:
        if not hasattr(self, "_line"):
            line = payment_selectors.payment_run_line_get(
                tenant=self.body, run=self.run(), line_id=self.kwargs["paymentrunline_id"]
            )
            if line is None:
                raise Http404("No such line in this payment run.")
            self._line = line
        return self._line

    def form_valid(self, form: PaymentReturnedForm) -> HttpResponse:
        run, line = self.run(), self.line()
        try:
            services.payment_run_line_return(
                actor=self.actor,
                tenant=self.body,
                payment_run_id=run.pk,
                line_id=line.pk,
                returned_on=form.cleaned_data["returned_on"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            show_service_error(form, exc, fields={"failed_on": "returned_on"})
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"The payment of {format_pence(line.amount_pence)} to {line.paid_to_name} is recorded as returned. "
            "Its instalments are due again and the next payment run pays them.",
        )
        return HttpResponseRedirect(_run_url(self.body.slug, run.pk))


class PaymentRunFailedView(_ReturnView):
    """A run sent to the bank that the bank failed whole: every line returned."""

    def form_valid(self, form: PaymentReturnedForm) -> HttpResponse:
        run = self.run()
        try:
            services.payment_run_fail(
                actor=self.actor,
                tenant=self.body,
                payment_run_id=run.pk,
                failed_on=form.cleaned_data["returned_on"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            show_service_error(form, exc, fields={"failed_on": "returned_on"})
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Payment run {run.pk} is recorded as failed at the bank. Its instalments are due again and the next "
            "payment run pays them.",
        )
        return HttpResponseRedirect(_run_url(self.body.slug, run.pk))
