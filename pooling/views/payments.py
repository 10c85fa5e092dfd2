"""Pages for paying schools: payment runs (preview, confirm, detail, remittance downloads),
period close and reopen, the journal export and the accounts' finance-system codes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from django.contrib import messages
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.views.generic import FormView, TemplateView

from accounts.models import ResponsibleBody
from accounts.policy import Action
from accounts.web import BodyMixin
from core import web
from core.csv_export import csv_response
from core.dates import short_dates
from core.errors import ApplicationError
from core.forms import show_service_error
from core.money import format_pence
from core.web import paginate_list
from core.widgets import date_param_names
from pooling import selectors
from pooling.close_checks import close_listings
from pooling.forms.payments import (
    AccountCodesForm,
    JournalExportForm,
    PaymentRunConfirmForm,
    PaymentRunForm,
    PoolCloseForm,
    PoolReopenForm,
)
from pooling.models import Account, Payee, Pool
from pooling.models.payments import account_masked, sort_code_display
from pooling.selectors import payments as payment_selectors
from pooling.services import downloads
from pooling.services import payments as services
from pooling.views._pages import url_for_each

RUNS_PER_PAGE = 50
LINES_PER_PAGE = 50  # schools on a page of a payment run


def _url(name: str, body: ResponsibleBody, **kwargs: Any) -> str:
    return reverse(f"pooling:{name}", kwargs={"body_slug": body.slug, **kwargs})


def _show_error(form: Any, exc: ApplicationError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


class _PoolMixin(BodyMixin):
    kwargs: dict[str, Any]

    def pool(self) -> Pool:
        if not hasattr(self, "_pool"):
            self._pool = selectors.pool_get(tenant=self.body, pool_id=self.kwargs["pool_id"])
        return self._pool

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            pool=self.pool(),
            can_pay=self.access.can(Action.MOVE_MONEY),
            can_reopen=self.access.can(Action.MANAGE_MEMBERS),
        )
        return context


class PaymentRunListView(_PoolMixin, TemplateView):
    template_name = "pooling/payments/runs.html"
    required_action = Action.VIEW_POOL

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        runs = payment_selectors.payment_run_list(tenant=self.body, pool=self.pool()).values(*RUN_LIST_COLUMNS)
        pages = paginate_list(self.request, runs, per_page=RUNS_PER_PAGE, label="Pages of payment runs")
        page = pages.page
        url = url_for_each("payment-run", self.body, "paymentrun_id")
        day = short_dates()
        context.update(page=page, pages=pages, runs=[_run_row(run, url, day) for run in page.object_list])
        return context


RUN_LIST_COLUMNS = ("pk", "pay_on", "due_up_to", "school_count", "total_pence", "confirmed_by_label", "confirmed_at")


def _run_row(run: dict[str, Any], url: Callable[[int], str], day: Callable[[date], str]) -> dict[str, Any]:
    """A row of the payment runs table in words, formatted once here, not per cell; dates
    as ``|date:"j M Y"`` and ``|date:"j M Y H:i"`` wrote them (``day``: one page's
    ``core.dates.short_dates``)."""
    confirmed_at = run["confirmed_at"]
    local = timezone.localtime(confirmed_at) if confirmed_at else None
    run.update(
        url=url(run["pk"]),
        pay_on=day(run["pay_on"]),
        due_up_to=day(run["due_up_to"]),
        total=format_pence(run["total_pence"]),
        confirmed_at=f"{day(local.date())} {local:%H:%M}" if local else "",
    )
    return run


class PaymentRunNewView(_PoolMixin, TemplateView):
    """Choose the dates, see what each school would be paid, then confirm (POST)."""

    template_name = "pooling/payments/run_new.html"
    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY
    step_up = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = kwargs.get("form") or PaymentRunForm(self.request.GET or None)
        preview = kwargs.get("preview")
        if preview is None and form.is_bound and form.is_valid():
            try:
                preview = services.payment_run_preview(
                    tenant=self.body, pool=self.pool(), due_up_to=form.cleaned_data["due_up_to"]
                )
            except ApplicationError as exc:
                show_service_error(form, exc)
        context.update(form=form, preview=preview)
        if preview is not None and form.is_valid():
            context["confirm_form"] = PaymentRunConfirmForm(
                initial={**form.cleaned_data, "expected_total_pence": preview.total_pence}
            )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = PaymentRunConfirmForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        try:
            run = services.payment_run_confirm(
                actor=self.actor,
                tenant=self.body,
                pool=self.pool(),
                due_up_to=data["due_up_to"],
                pay_on=data["pay_on"],
                expected_total_pence=data["expected_total_pence"],
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
            return self.render_to_response(self.get_context_data(form=form))
        run_url = _url("payment-run", self.body, paymentrun_id=run.pk)
        messages.success(
            request,
            format_html(
                'Payment run {} is confirmed: {} to be paid on {}. Next, <a class="govuk-link" href="{}#send">send it '
                "to the bank</a>.",
                run.pk,
                format_pence(run.total_pence),
                f"{run.pay_on:%-d %B %Y}",
                run_url,
            ),
        )
        return HttpResponseRedirect(run_url)


class PaymentRunDetailView(BodyMixin, TemplateView):
    """A run's figures and, a page of schools at a time, what each was paid for and its
    remittance advice."""

    template_name = "pooling/payments/run.html"
    required_action = Action.VIEW_POOL

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = payment_selectors.payment_run_get(tenant=self.body, payment_run_id=kwargs["paymentrun_id"])
        counts = payment_selectors.payment_run_line_counts(tenant=self.body, run=run)
        pages = paginate_list(
            self.request,
            payment_selectors.payment_run_line_rows(tenant=self.body, run=run),
            per_page=LINES_PER_PAGE,
            label="Pages of schools and other payees paid",
            count=counts.lines,
        )
        page_lines = [payment_selectors.RunLineRow(*row) for row in pages.page.object_list]
        by_recipient: dict[payment_selectors.Recipient, list[payment_selectors.PaidInstalment]] = defaultdict(list)
        for instalment in payment_selectors.payment_run_instalment_rows(
            tenant=self.body,
            run=run,
            school_ids=[line.school_id for line in page_lines if line.school_id is not None],
            payee_ids=[line.payee_id for line in page_lines if line.payee_id is not None],
        ):
            by_recipient[instalment.recipient].append(instalment)
        can_pay = self.access.can(Action.MOVE_MONEY)
        lines = _line_rows(page_lines, by_recipient, self.body, run, can_record_return=can_pay and run.status == "paid")
        context.update(
            run=run,
            pool=run.pool,
            pages=pages,
            lines=lines,
            remittances_pending=counts.awaiting_advice > 0,
            payees_paid=counts.payees,
            schools_paid=counts.lines - counts.payees,
            can_pay=can_pay,
        )
        return context


def _line_rows(
    page_lines: list[payment_selectors.RunLineRow],
    by_recipient: dict[payment_selectors.Recipient, list[payment_selectors.PaidInstalment]],
    body: ResponsibleBody,
    run: Any,
    *,
    can_record_return: bool,
) -> list[dict[str, Any]]:
    """A page of a run's lines as its table shows them, in words: formatted here once
    rather than by template tags and filters in each cell, and each link built from a URL
    reversed once."""
    csv_url = url_for_each("remittance-csv", body, "remittance_id")
    pdf_url = url_for_each("remittance-pdf", body, "remittance_id")
    returned_url = web.url_for_each(
        "pooling:payment-line-returned", "paymentrunline_id", body_slug=body.slug, paymentrun_id=run.pk
    )
    due_on: dict[Any, str] = {}  # most of a run's instalments fall due on a few days
    source: dict[str, str] = {}  # and pay for one or two kinds of source
    rows: list[dict[str, Any]] = []
    for line in page_lines:
        ready = line.remittance_id if line.remittance_pdf else None
        instalments = []
        for i in by_recipient[payment_selectors.line_recipient(line)]:
            if i.due_on not in due_on:
                due_on[i.due_on] = date_format(i.due_on, "j M Y")
            if i.source_type not in source:
                source[i.source_type] = capfirst(i.source_type)
            instalments.append(
                f"{source[i.source_type]} {i.source_id}, due {due_on[i.due_on]}: {format_pence(i.amount_pence)}"
            )
        paid_to = line.payee_name if line.payee_id is not None else line.school_name
        rows.append(
            {
                "paid_to": paid_to or "",
                "paid_how": _paid_how(line),
                "returned_on": date_format(line.returned_on, "j F Y") if line.returned_on else "",
                "return_reason": line.return_reason,
                "amount": format_pence(line.amount_pence),
                "instalments": instalments,
                "returned_url": returned_url(line.pk) if can_record_return else "",
                "csv_url": csv_url(ready) if ready else "",
                "pdf_url": pdf_url(ready) if ready else "",
            }
        )
    return rows


PAYEE_KINDS = dict(Payee.Kind.choices)


def _paid_how(line: payment_selectors.RunLineRow) -> str:
    """How a line is paid: to a school (by its URN), or directly to another payee's account."""
    if line.payee_id is None:
        return f"URN {line.school_urn if line.school_urn is not None else ''}"
    kind = PAYEE_KINDS.get(line.payee_kind or "", line.payee_kind)
    sort_code, account = sort_code_display(line.payee_sort_code or ""), account_masked(line.payee_account_number or "")
    return f"{kind}, paid directly: sort code {sort_code}, account {account}"


class RemittanceRequestView(BodyMixin, TemplateView):
    """Ask for a run's remittance advice again (POST only)."""

    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run = payment_selectors.payment_run_get(tenant=self.body, payment_run_id=kwargs["paymentrun_id"])
        try:
            services.remittances_request(actor=self.actor, tenant=self.body, payment_run_id=run.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Remittance advice has been requested. It is ready in a minute or two.")
        return HttpResponseRedirect(_url("payment-run", self.body, paymentrun_id=run.pk))


class RemittanceDownloadView(BodyMixin, TemplateView):
    """Serves a school's remittance advice after checking its stored checksum; audited."""

    required_action = Action.VIEW_POOL
    kind: Literal["csv", "pdf"] = "csv"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        try:
            file = downloads.remittance_download(
                actor=self.actor, tenant=self.body, remittance_id=kwargs["remittance_id"], kind=self.kind
            )
        except downloads.FileMissing as exc:
            # Rendered, not raised, so the view's tenant transaction keeps the flag and rebuild.
            return render(request, "404.html", {"message": exc.message}, status=404)
        response = HttpResponse(file.content, content_type=file.content_type)
        response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
        response["X-Checksum-SHA256"] = file.sha256
        return response


class PoolCloseView(_PoolMixin, FormView):
    template_name = "pooling/payments/close.html"
    form_class = PoolCloseForm
    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY
    step_up = True

    def preview(self) -> payment_selectors.ClosePreview:
        return payment_selectors.pool_close_preview(tenant=self.body, pool=self.pool())

    def get_initial(self) -> dict[str, Any]:
        return {"next_label": self.preview().next_label}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["preview"] = self.preview()
        context["listings"] = close_listings(tenant=self.body, pool=self.pool())
        return context

    def form_valid(self, form: PoolCloseForm) -> HttpResponse:
        try:
            pool = services.pool_close(
                actor=self.actor, tenant=self.body, pool=self.pool(), next_label=form.cleaned_data["next_label"]
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Pool {pool.label} is closed and its balances are carried forward to {form.cleaned_data['next_label']}.",
        )
        return HttpResponseRedirect(_url("payment-runs", self.body, pool_id=pool.pk))


class PoolReopenView(_PoolMixin, FormView):
    template_name = "pooling/payments/reopen.html"
    form_class = PoolReopenForm
    required_action = Action.MANAGE_MEMBERS
    mfa_action = Action.MANAGE_MEMBERS
    step_up = True

    def form_valid(self, form: PoolReopenForm) -> HttpResponse:
        try:
            pool = services.pool_reopen(
                actor=self.actor, tenant=self.body, pool=self.pool(), reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Pool {pool.label} is open again. The reason is in the audit log.")
        return HttpResponseRedirect(_url("payment-runs", self.body, pool_id=pool.pk))


class JournalExportView(BodyMixin, TemplateView):
    """Choose dates (and a period), then download the ledger as a journal CSV."""

    template_name = "pooling/payments/journal.html"
    required_action = Action.VIEW_POOL

    def _form(self) -> JournalExportForm:
        pools = list(selectors.pool_list(tenant=self.body))
        data = self.request.GET if date_param_names("date_from", "date_to") & set(self.request.GET) else None
        return JournalExportForm(data, pools=pools)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        form = self._form()
        if not (form.is_bound and form.is_valid()):
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        try:
            export = downloads.journal_export(
                actor=self.actor,
                tenant=self.body,
                date_from=data["date_from"],
                date_to=data["date_to"],
                pool_id=data["pool"],
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
            return self.render_to_response(self.get_context_data(form=form))
        return csv_response(export.lines, filename=export.filename, tenant=self.body)


class AccountCodesView(_PoolMixin, TemplateView):
    template_name = "pooling/payments/account_codes.html"
    required_action = Action.VIEW_POOL

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["accounts"] = list(payment_selectors.account_list(tenant=self.body, pool=self.pool()))
        return context


class AccountCodesEditView(BodyMixin, FormView):
    template_name = "pooling/payments/account_code_edit.html"
    form_class = AccountCodesForm
    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY

    def account(self) -> Account:
        if not hasattr(self, "_account"):
            self._account = payment_selectors.account_get(tenant=self.body, account_id=self.kwargs["account_id"])
        return self._account

    def get_initial(self) -> dict[str, Any]:
        account = self.account()
        return {"nominal_code": account.nominal_code, "cost_centre": account.cost_centre, "cfr_code": account.cfr_code}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(account=self.account(), pool=self.account().pool)
        return context

    def form_valid(self, form: AccountCodesForm) -> HttpResponse:
        account = self.account()
        try:
            services.account_codes_set(actor=self.actor, tenant=self.body, account_id=account.pk, **form.cleaned_data)
        except ApplicationError as exc:
            show_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"The codes for {account.get_kind_display().lower()} are saved.")
        return HttpResponseRedirect(_url("account-codes", self.body, pool_id=account.pool_id))
