"""A confirmed payment run on to the bank and to paid: take the bank file (the run is sent
to the bank), download it again, and record the bank's confirmation (the run is paid).
Each step calls one service of ``pooling.services.payment_runs``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError
from pooling.forms.payment_runs import PaymentRunPaidForm
from pooling.services import payment_runs as services
from pooling.services.payment_runs import BankFile
from pooling.views._run_steps import RunStepFormView, run_url


def _attachment(file: BankFile) -> HttpResponse:
    response = HttpResponse(file.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["X-Checksum-SHA256"] = file.sha256
    return response


class PaymentRunSendView(BodyMixin, TemplateView):
    """POST: the run is sent to the bank and the bank file is the response."""

    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY
    step_up = True
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            file = services.payment_run_send(actor=self.actor, tenant=self.body, payment_run_id=kwargs["paymentrun_id"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(run_url(self.body.slug, kwargs["paymentrun_id"]))
        return _attachment(file)


class PaymentRunBankFileView(BodyMixin, TemplateView):
    """GET: the bank file of a run already sent, again (audited)."""

    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        try:
            file = services.payment_run_bank_file_download(
                actor=self.actor, tenant=self.body, payment_run_id=kwargs["paymentrun_id"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(run_url(self.body.slug, kwargs["paymentrun_id"]))
        return _attachment(file)


class PaymentRunPaidView(RunStepFormView):
    """Record the bank's confirmation: the run is paid on the date given."""

    template_name = "pooling/payments/run_paid.html"
    form_class = PaymentRunPaidForm

    def get_initial(self) -> dict[str, Any]:
        return {"paid_on": self.run().pay_on}

    def form_valid(self, form: PaymentRunPaidForm) -> HttpResponse:
        run = self.run()
        runs_url = reverse("pooling:payment-runs", kwargs={"body_slug": self.body.slug, "pool_id": run.pool_id})
        return self.run_step(
            form,
            lambda: services.payment_run_record_paid(
                actor=self.actor,
                tenant=self.body,
                payment_run_id=run.pk,
                paid_on=form.cleaned_data["paid_on"],
                bank_reference=form.cleaned_data["bank_reference"],
            ),
            format_html(
                'Payment run {} is paid. <a class="govuk-link" href="{}">Go to the payment runs</a> to start the next.',
                run.pk,
                runs_url,
            ),
        )
