"""Pages for a pool's expected contributions and the receipts against them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.formats import date_format
from django.views.generic import FormView, TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError
from core.forms import show_service_error
from core.money import format_pence
from core.web import paginate_list
from pooling.forms.contributions import (
    AllocationFilterForm,
    ReceiptForm,
)
from pooling.models import Contribution, PoolStatus
from pooling.selectors import contributions as selectors
from pooling.selectors.contribution_ledger import contributions_posted
from pooling.services.contributions import contributions_calculate
from pooling.services.receipts import TOP_SLICE_BASES, receipt_record, receipt_window
from pooling.views._pages import SERVICE_FIELDS, PoolMixin, page_url, url_for_each

CONTRIBUTIONS_PER_PAGE = 50
MISSING_NAMED = 10  # members named in each warning on the contributions page; the rest are counted


class ContributionsView(PoolMixin, TemplateView):
    """Expected, received and arrears for each member school, a page at a time (optionally
    only the schools matching a name or URN), with the totals over all of them and the
    members still missing an allocation or a calculation."""

    template_name = "pooling/contributions/contributions.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = AllocationFilterForm(self.request.GET or None)
        q = form.cleaned_data["q"] if form.is_valid() else ""
        posted = contributions_posted(tenant=self.body, pool=self.pool)  # every row's and the totals'
        listed = selectors.contribution_list_rows(tenant=self.body, pool=self.pool, q=q)
        # Unsearched, the list is every contribution, which the ledger read has counted; a
        # search's matches (a few schools, at most the pool's hundreds) are read at once
        # rather than counted by a query of their own.
        searched = bool(q.strip())
        pages = paginate_list(
            self.request,
            list(listed) if searched else listed,
            per_page=CONTRIBUTIONS_PER_PAGE,
            label="Pages of contributions",
            count=None if searched else len(posted),
        )
        no_allocation, not_calculated = selectors.members_missing(tenant=self.body, pool=self.pool, first=MISSING_NAMED)
        detail_url = url_for_each("contribution", self.body, "contribution_id")
        receipt_url = url_for_each("receipt-new", self.body, "contribution_id")
        rows = selectors.contribution_list_figures(pages.page.object_list, pool=self.pool, posted=posted)
        for row in rows:  # each cell formatted once here, not by a template filter per cell
            row.update(
                url=detail_url(row["pk"]),
                receipt_url=receipt_url(row["pk"]),
                allocation=format_pence(row["allocation_pence"]),
                expected=format_pence(row["expected_pence"]),
                received=format_pence(row["received_pence"]),
                outstanding=format_pence(row["outstanding_pence"]),
                due=date_format(row["due_on"], "j M Y"),
            )
        context.update(
            form=form,
            searched=searched,
            pages=pages,
            rows=rows,
            can_record_receipts=context["can_move_money"] and self.pool.status == PoolStatus.OPEN,
            totals=selectors.contribution_totals(tenant=self.body, pool=self.pool, posted=posted),
            no_allocation=no_allocation,
            not_calculated=not_calculated,
        )
        return context


class ContributionsRecalculateView(PoolMixin, TemplateView):
    """Recalculate every member's contribution and post the differences (POST only)."""

    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        pool = self.pool
        try:
            result = contributions_calculate(actor=self.actor, tenant=self.body, pool=pool)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if result.changed or result.expected_posted_pence or result.reserve_posted_pence:
                messages.success(
                    request,
                    f"Contributions recalculated: {result.changed} changed. "
                    f"Expected contributions moved by {format_pence(result.expected_posted_pence)} and the reserve "
                    f"for urgent cases by {format_pence(result.reserve_posted_pence)}.",
                )
            else:
                messages.success(request, "Contributions recalculated: nothing changed.")
        return HttpResponseRedirect(page_url("contributions", self.body, pool_id=pool.pk))


class _ContributionMixin(BodyMixin):
    required_action = Action.VIEW_POOL
    kwargs: dict[str, Any]
    _contribution: Contribution | None = None

    @property
    def contribution(self) -> Contribution:
        if self._contribution is None:
            self._contribution = selectors.contribution_get(
                tenant=self.body, contribution_id=self.kwargs["contribution_id"]
            )
        return self._contribution

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        contribution = self.contribution
        expected, received = selectors.contribution_ledger_totals(
            tenant=self.body, pool=contribution.pool, contribution_ids=[contribution.pk]
        ).get(contribution.pk, (0, 0))
        context.update(
            contribution=contribution,
            pool=contribution.pool,
            row=selectors.ContributionRow(contribution, expected, received),
            expected_pence=expected,
            received_pence=received,
            outstanding_pence=expected - received,
            receipts=list(selectors.receipt_list(tenant=self.body, contribution=contribution)),
            can_move_money=self.access.can(Action.MOVE_MONEY),
        )
        return context


class ContributionDetailView(_ContributionMixin, TemplateView):
    template_name = "pooling/contributions/contribution.html"


class ReceiptNewView(_ContributionMixin, FormView):
    template_name = "pooling/contributions/receipt_new.html"
    form_class = ReceiptForm
    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["allow_top_slice"] = self.contribution.arrangement.basis in TOP_SLICE_BASES
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        return {"method": "transfer"}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        earliest, latest = receipt_window(self.contribution.pool)
        context.update(earliest=earliest, latest=latest)
        return context

    def form_valid(self, form: ReceiptForm) -> HttpResponse:
        contribution = self.contribution
        data = form.cleaned_data
        try:
            receipt = receipt_record(
                actor=self.actor,
                tenant=self.body,
                contribution_id=contribution.pk,
                amount_pence=data["amount"],
                received_on=data["received_on"],
                method=data["method"],
                reference=data["reference"],
                request_key=data["request_key"],
            )
        except ApplicationError as exc:
            show_service_error(form, exc, SERVICE_FIELDS)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{format_pence(receipt.amount_pence)} received from {contribution.school.name} "
            f"on {receipt.received_on:%-d %B %Y} has been recorded.",
        )
        return HttpResponseRedirect(page_url("contributions", self.body, pool_id=contribution.pool_id))
