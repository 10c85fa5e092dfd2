"""Recording a payment the bank did not make: one line of a paid run returned, or a run sent
to the bank failed whole. Each page calls one service of ``pooling.services.payment_returns``."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse

from core.money import format_pence
from pooling.forms.payment_runs import PaymentReturnedForm
from pooling.models import PaymentRunLine
from pooling.selectors import payments as payment_selectors
from pooling.services import payment_returns as services
from pooling.views._run_steps import RunStepFormView


class _ReturnView(RunStepFormView):
    template_name = "pooling/payments/run_returned.html"
    form_class = PaymentReturnedForm
    service_fields = {"failed_on": "returned_on"}

    def line(self) -> PaymentRunLine | None:
        return None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["line"] = self.line()
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
        return self.run_step(
            form,
            lambda: services.payment_run_line_return(
                actor=self.actor,
                tenant=self.body,
                payment_run_id=run.pk,
                line_id=line.pk,
                returned_on=form.cleaned_data["returned_on"],
                reason=form.cleaned_data["reason"],
            ),
            f"The payment of {format_pence(line.amount_pence)} to {line.paid_to_name} is recorded as returned. "
            "Its instalments are due again and the next payment run pays them.",
        )


class PaymentRunFailedView(_ReturnView):
    """A run sent to the bank that the bank failed whole: every line returned."""

    def form_valid(self, form: PaymentReturnedForm) -> HttpResponse:
        run = self.run()
        return self.run_step(
            form,
            lambda: services.payment_run_fail(
                actor=self.actor,
                tenant=self.body,
                payment_run_id=run.pk,
                failed_on=form.cleaned_data["returned_on"],
                reason=form.cleaned_data["reason"],
            ),
            f"Payment run {run.pk} is recorded as failed at the bank. Its instalments are due again and the next "
            "payment run pays them.",
        )
