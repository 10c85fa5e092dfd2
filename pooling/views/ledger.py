"""Pool dashboard, opening a pool, the ledger browser and reversing a posting."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString
from django.views.generic import FormView, TemplateView

from accounts.models import ResponsibleBody
from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError
from core.forms import show_service_error
from core.money import format_pence
from core.widgets import date_param_names
from pooling import selectors
from pooling.forms.ledger import LedgerFilterForm, PoolOpenForm, ReverseForm
from pooling.models import AccountKind, Pool, PoolStatus, Transaction, TransactionKind
from pooling.periods import period_of
from pooling.selectors import Headroom
from pooling.selectors import ledger_browse as browse
from pooling.selectors.paid import pool_headroom_on
from pooling.services.ledger import REVERSIBLE_KINDS, pool_open_or_get, transaction_reverse
from pooling.source_labels import source_labels
from pooling.views._pages import url_for_each

DASHBOARD_SCHOOLS = 10  # schools with the most outstanding named on the dashboard

FILTER_KEYS = ("account", "source_type", *sorted(date_param_names("date_from", "date_to")))


def _url(name: str, body: ResponsibleBody, **kwargs: Any) -> str:
    return reverse(f"pooling:{name}", kwargs={"body_slug": body.slug, **kwargs})


def headroom_figures(headroom: Headroom) -> list[dict[str, Any]]:
    """The dashboard's figures, in the order the chart draws them and the table lists them,
    each in pence and in pounds."""
    figures = [
        ("expected", "Contributions expected", headroom.expected_pence),
        ("received", "Contributions received", headroom.received_pence),
        ("brought_forward", "Brought forward", headroom.carried_forward_pence),
        ("committed", "Committed, not yet payable", headroom.committed_outstanding_pence),
        ("payable", "Payable to schools", headroom.payable_pence),
        ("paid", "Paid to schools", headroom.paid_pence),
        ("reserve", "Reserve for urgent cases", headroom.reserve_pence),
        ("available", "Available to commit", headroom.available_on_expected_pence),
    ]
    return [
        {"key": key, "label": label, "pence": pence, "amount": format_pence(pence)} for key, label, pence in figures
    ]


def next_period_label(pools: list[Pool]) -> str:
    """The funding period a finance officer most likely opens next: the one after the
    latest pool, or the current one."""
    current = period_of(timezone.localdate()).start_year
    start = max(pools[0].starts_on.year + 1, current) if pools else current
    return f"{start}-{(start + 1) % 100:02d}"


class DashboardView(BodyMixin, TemplateView):
    """The pool's headroom for the chosen funding period (the latest by default), as a
    chart with the same figures in a table beside it; contributions in all with the schools
    that owe most (every school is on the contributions page); the commitments falling due
    by month."""

    template_name = "pooling/dashboard.html"
    required_action = Action.VIEW_POOL

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        pools = list(selectors.pool_list(tenant=self.body))
        chosen = self.request.GET.get("pool", "")
        pool = next((p for p in pools if str(p.pk) == chosen), pools[0] if pools else None)
        can_move_money = self.access.can(Action.MOVE_MONEY)
        context.update(
            pools=pools, pool=pool, can_move_money=can_move_money, can_invite=self.access.can(Action.MANAGE_MEMBERS)
        )
        if can_move_money:
            context["open_form"] = PoolOpenForm(initial={"label": next_period_label(pools)}, auto_id="open_%s")
        if pool is None:
            return context
        headroom = pool_headroom_on(tenant=self.body, pool=pool, day=timezone.localdate())
        figures = headroom_figures(headroom)
        contributions = browse.contributions_overview(tenant=self.body, pool=pool, top=DASHBOARD_SCHOOLS)
        months = browse.commitments_by_month(tenant=self.body, pool=pool)
        this_month = timezone.localdate().replace(day=1)
        context.update(
            headroom=headroom,
            figures=figures,
            chart={
                "title": f"Pool {pool.label} today",
                "labels": [f["label"] for f in figures],
                "pence": [f["pence"] for f in figures],
            },
            contributions=contributions,
            contribution_totals={
                "expected": format_pence(contributions.expected_pence),
                "received": format_pence(contributions.received_pence),
                "outstanding": format_pence(contributions.outstanding_pence),
            },
            most_outstanding=[
                {
                    "school_name": c.school_name,
                    "school_urn": c.school_urn,
                    "expected": format_pence(c.expected_pence),
                    "received": format_pence(c.received_pence),
                    "outstanding": format_pence(c.outstanding_pence),
                }
                for c in contributions.most_outstanding
            ],
            months=[
                {
                    "month": date_format(m.month, "F Y"),
                    "overdue": m.month < this_month,
                    "instalments": m.instalments,
                    "amount": format_pence(m.amount_pence),
                }
                for m in months
            ],
            overdue_pence=sum(m.amount_pence for m in months if m.month < this_month),
            months_chart={
                "title": "Instalments falling due by month",
                "labels": [m.month.strftime("%b %Y") for m in months],
                "pence": [m.amount_pence for m in months],
            },
            months_total_pence=sum(m.amount_pence for m in months),
        )
        return context


class PoolOpenView(BodyMixin, FormView):
    """A finance officer opens the pool for a funding period (idempotent: an open pool is shown)."""

    template_name = "pooling/ledger/pool_open.html"
    form_class = PoolOpenForm
    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY

    def get_initial(self) -> dict[str, Any]:
        return {"label": next_period_label(list(selectors.pool_list(tenant=self.body)[:1]))}

    def form_valid(self, form: PoolOpenForm) -> HttpResponse:
        label = form.cleaned_data["label"]
        try:
            pool, opened = pool_open_or_get(actor=self.actor, tenant=self.body, label=label)
        except ApplicationError as exc:
            show_service_error(form, exc)
            return self.form_invalid(form)
        if not opened:
            messages.info(self.request, f"The pool for {pool.label} was already open.")
        else:
            messages.success(
                self.request,
                format_html(
                    'The pool for {} is open: 1 April {} to 31 March {}. Next, <a class="govuk-link" href="{}">record '
                    "the schools' IMF allocations</a>.",
                    pool.label,
                    f"{pool.starts_on:%Y}",
                    f"{pool.ends_on:%Y}",
                    _url("allocations", self.body, pool_id=pool.pk),
                ),
            )
        return HttpResponseRedirect(_url("dashboard", self.body) + f"?pool={pool.pk}")


class LedgerView(BodyMixin, TemplateView):
    """A pool's transactions, newest first, a page at a time by keyset."""

    template_name = "pooling/ledger/ledger.html"
    required_action = Action.VIEW_POOL

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        pool = selectors.pool_get(tenant=self.body, pool_id=kwargs["pool_id"])
        params = self.request.GET
        form = LedgerFilterForm(
            params if any(params.get(k) for k in FILTER_KEYS) else None,
            source_types=browse.source_types(tenant=self.body),
        )
        filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
        page = browse.transaction_row_page(
            tenant=self.body,
            pool=pool,
            account_kind=filters.get("account") or "",
            source_type=filters.get("source_type") or "",
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
            after=_cursor(params.get("after", "")),
            before=_cursor(params.get("before", "")),
        )
        query = {k: params[k] for k in ("account", "source_type") if params.get(k)}
        query.update({k: filters[k].isoformat() for k in ("date_from", "date_to") if filters.get(k)})
        context.update(
            pool=pool,
            form=form,
            page=page,
            transactions=_rows(page.transactions, self.body, pool),
            first_url="?" + urlencode(query),
            older_url="?" + urlencode({**query, "after": page.older.encode()}) if page.older else "",
            newer_url="?" + urlencode({**query, "before": page.newer.encode()}) if page.newer else "",
            is_first_page=not params.get("after") and not params.get("before"),
            filtered=bool(filters and any(filters.values())),
        )
        return context


def _cursor(text: str) -> browse.Cursor | None:
    if not text:
        return None
    try:
        return browse.Cursor.decode(text)
    except ValueError:
        return None


# An account's and a transaction's name by its kind, looked up (``get_kind_display``
# rebuilds the choices per call) and escaped once: the ledger writes a few hundred a page.
ACCOUNT_NAMES = {kind: escape(label) for kind, label in AccountKind.choices}
TRANSACTION_KINDS = {kind: escape(label) for kind, label in TransactionKind.choices}
NO_SCHOOL = escape("–")
NOTHING = escape("")


def _leg_cells(leg: browse.LegRow, pool_id: int, schools: dict[str, SafeString]) -> dict[str, str]:
    """A leg's cells in the legs table, in words: its account (and pool, when not
    ``pool_id``, the transaction's), its school, and its debit or credit. ``schools``: the
    names escaped so far (a page names the same few schools many times)."""
    account = ACCOUNT_NAMES.get(leg.account_kind) or escape(leg.account_kind)
    amount = leg.amount_pence
    name = leg.school_name
    return {
        "account": account if leg.pool_id == pool_id else format_html("{} (pool {})", account, leg.pool_label),
        "school": NO_SCHOOL if name is None else schools.get(name) or schools.setdefault(name, escape(name)),
        "debit": format_pence(amount) if amount > 0 else NOTHING,
        "credit": format_pence(-amount) if amount < 0 else NOTHING,
    }


def _row(txn: Transaction) -> dict[str, Any]:
    """A transaction as its page and its reversal show it, with its legs as prefetched."""
    legs = [
        browse.LegRow(
            txn.pk, leg.account.kind, leg.account.pool_id, leg.account.pool.label, leg.school_id,
            leg.school.name if leg.school is not None else None, leg.amount_pence,
        )
        for leg in txn.legs.all()
    ]  # fmt: skip
    return {
        "txn": txn,
        "legs": [_leg_cells(leg, txn.pool_id, {}) for leg in legs],
        "reversed_by": getattr(txn, "reversed_by", None),
        "caused_by": _caused_by([txn])[txn.pk],
    }


def _caused_by(transactions: list[Transaction] | list[browse.TransactionRow]) -> dict[int, str]:
    """What caused each transaction, in words ("Case IP-2026-0001", "Urgent-case reserve
    from contribution 12"): one query per kind of source that names its own."""
    labels = source_labels((t.source_type, t.source_id) for t in transactions if t.source_type)
    return {t.pk: labels.get((t.source_type, t.source_id), "–") for t in transactions}


def _rows(transactions: list[browse.TransactionRow], body: ResponsibleBody, pool: Pool) -> list[dict[str, Any]]:
    """The ledger's rows, each with its legs and the links to its transaction and either
    end of a reversal, every cell in words."""
    url = url_for_each("transaction", body, "transaction_id")
    caused_by = _caused_by(transactions)
    legs = browse.leg_rows(tenant=body, transaction_ids=[txn.pk for txn in transactions])
    posted_on: dict[date, SafeString] = {}  # a page's fifty transactions fall on a few days
    schools: dict[str, SafeString] = {}  # and name a few schools many times
    rows = []
    for txn in transactions:
        if txn.posted_on not in posted_on:
            posted_on[txn.posted_on] = escape(date_format(txn.posted_on, "j M Y"))
        rows.append(
            {
                "pk": txn.pk,
                "posted_on": posted_on[txn.posted_on],
                "kind": TRANSACTION_KINDS.get(txn.kind) or escape(txn.kind),
                "description": txn.description,
                "caused_by": caused_by[txn.pk],
                "url": url(txn.pk),
                "reverses_id": txn.reverses_id,
                "reverses_url": url(txn.reverses_id) if txn.reverses_id else NOTHING,
                "reversed_by_id": txn.reversed_by_id,
                "reversed_by_url": url(txn.reversed_by_id) if txn.reversed_by_id is not None else NOTHING,
                "legs": [_leg_cells(leg, pool.pk, schools) for leg in legs[txn.pk]],
            }
        )
    return rows


def _why_not_reversible(txn: Transaction) -> str:
    """Why a transaction cannot be reversed, or "" when it can (the service decides; this
    only saves offering a form that would be refused)."""
    if txn.kind == TransactionKind.REVERSAL:
        return "it is itself a reversal: post a new transaction instead"
    if txn.kind not in REVERSIBLE_KINDS:
        return (
            "award money is corrected by varying or releasing the award, and payments through the payment run, "
            "so that their headroom and schedule checks apply"
        )
    if getattr(txn, "reversed_by", None) is not None:
        return "it has already been reversed"
    if txn.pool.status != PoolStatus.OPEN:
        return f"pool {txn.pool.label} is closed"
    return ""


class TransactionView(BodyMixin, TemplateView):
    """One transaction: its legs, what caused it, who posted it, its key, and the reversal
    either way; finance officers can reverse it from here."""

    template_name = "pooling/ledger/transaction.html"
    required_action = Action.VIEW_POOL

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        txn = browse.transaction_detail(tenant=self.body, transaction_id=kwargs["transaction_id"])
        why_not = _why_not_reversible(txn)
        can_reverse = self.access.can(Action.MOVE_MONEY) and not why_not
        context.update(
            row=_row(txn),
            txn=txn,
            pool=txn.pool,
            can_reverse=can_reverse,
            why_not_reversible=why_not if self.access.can(Action.MOVE_MONEY) else "",
            form=ReverseForm() if can_reverse else None,
            total_debit_pence=sum(leg.amount_pence for leg in txn.legs.all() if leg.amount_pence > 0),
        )
        return context


class TransactionReverseView(BodyMixin, FormView):
    """Reverse a posting: the exact opposite is posted; the original stays as it was."""

    template_name = "pooling/ledger/transaction_reverse.html"
    form_class = ReverseForm
    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY

    def transaction(self) -> Transaction:
        return browse.transaction_detail(tenant=self.body, transaction_id=self.kwargs["transaction_id"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        txn = self.transaction()
        context.update(txn=txn, row=_row(txn), pool=txn.pool, why_not_reversible=_why_not_reversible(txn))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.transaction()  # another body's transaction is a 404 before anything else
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: ReverseForm) -> HttpResponse:
        txn = self.transaction()
        try:
            reversal = transaction_reverse(
                actor=self.actor, tenant=self.body, transaction_id=txn.pk, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Transaction {txn.pk} has been reversed by transaction {reversal.pk}.")
        return HttpResponseRedirect(_url("transaction", self.body, transaction_id=reversal.pk))
