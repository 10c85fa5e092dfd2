"""A confirmed payment run on to the bank and to paid: take the bank file (the run is sent
to the bank), download it again, and record the bank's confirmation (the run is paid).
Each step calls one service of ``pooling.services.payment_runs``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.views.generic import FormView, TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError
from core.forms import show_service_error
from pooling.forms.payment_runs import PaymentRunPaidForm
from pooling.models import PaymentRun
from pooling.selectors import payments as payment_selectors
from pooling.services import payment_runs as services
from pooling.services.payment_runs import BankFile


def _run_url(body_slug: str, run_id: int) -> str:
    return reverse("pooling:payment-run", kwargs={"body_slug": body_slug, "paymentrun_id": run_id})


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
            return HttpResponseRedirect(_run_url(self.body.slug, kwargs["paymentrun_id"]))
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
            return HttpResponseRedirect(_run_url(self.body.slug, kwargs["paymentrun_id"]))
        return _attachment(file)


class PaymentRunPaidView(BodyMixin, FormView):
    """Record the bank's confirmation: the run is paid on the date given."""

    template_name = "pooling/payments/run_paid.html"
    form_class = PaymentRunPaidForm
    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY
    step_up = True

    def run(self) -> PaymentRun:
        if not hasattr(self, "_run"):
            self._run = payment_selectors.payment_run_get(tenant=self.body, payment_run_id=self.kwargs["paymentrun_id"])
        return self._run

    def get_initial(self) -> dict[str, Any]:
        return {"paid_on": self.run().pay_on}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(run=self.run(), pool=self.run().pool)
        return context

    def form_valid(self, form: PaymentRunPaidForm) -> HttpResponse:
        run = self.run()
        try:
            services.payment_run_record_paid(
                actor=self.actor,
                tenant=self.body,
                payment_run_id=run.pk,
                paid_on=form.cleaned_data["paid_on"],
                bank_reference=form.cleaned_data["bank_reference"],
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
            return self.form_invalid(form)
        runs_url = reverse("pooling:payment-runs", kwargs={"body_slug": self.body.slug, "pool_id": run.pool_id})
        messages.success(
            self.request,
            format_html(
                'Payment run {} is paid. <a class="govuk-link" href="{}">Go to the payment runs</a> to start the next.',
                run.pk,
                runs_url,
            ),
        )
        return HttpResponseRedirect(_run_url(self.body.slug, run.pk))
