"""Pages for a pool's IMF allocations: the list, one by hand, and a DfE file imported in
steps (upload, choose the columns, preview, confirm)."""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html
from django.views.generic import FormView, TemplateView

from accounts.policy import Action
from core.errors import ApplicationError
from core.forms import show_service_error
from core.money import format_pence
from core.text import ascii_digits
from core.web import SessionJourneyMixin, paginate_list
from pooling.allocation_files import Table, guess_columns, read_bytes, read_upload
from pooling.forms.contributions import (
    AllocationColumnsForm,
    AllocationFilterForm,
    AllocationForm,
    AllocationUploadForm,
)
from pooling.models import Pool, PoolStatus
from pooling.selectors import contributions as selectors
from pooling.services.allocations import allocation_import_confirm, allocation_import_preview, allocation_set
from pooling.views._pages import SERVICE_FIELDS, PoolMixin, page_url

PREVIEW_ROWS = 10
PROBLEMS_SHOWN = 1000


class AllocationsView(PoolMixin, TemplateView):
    template_name = "pooling/contributions/allocations.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = AllocationFilterForm(self.request.GET or None)
        q = form.cleaned_data["q"] if form.is_valid() else ""
        qs = selectors.allocation_rows(tenant=self.body, period_label=self.pool.label, q=q)
        totals = selectors.allocation_totals(tenant=self.body, period_label=self.pool.label)
        count = None if q.strip() else totals["count"]  # unfiltered, the list is every allocation
        pages = paginate_list(self.request, qs, per_page=100, label="Pages of allocations", count=count)
        page = pages.page
        query = self.request.GET.copy()
        query.pop("page", None)
        change_url = page_url("allocation-set", self.body, pool_id=self.pool.pk)
        context.update(
            form=form,
            page=page,
            pages=pages,
            allocations=[_allocation_row(row, change_url) for row in page.object_list],
            can_change=context["can_move_money"] and self.pool.status == PoolStatus.OPEN,
            totals=totals,
            imports=list(selectors.allocation_import_list(tenant=self.body, period_label=self.pool.label)[:5]),
            query=query.urlencode(),
        )
        return context


def _allocation_row(row: dict[str, Any], change_url: str) -> dict[str, Any]:
    """A row of the allocations table in words, formatted once here, not per cell."""
    row.update(urn=str(row["school_urn"]), amount=format_pence(row["amount_pence"]))
    row.update(
        source=row["source_import__file_name"] if row["source_import"] else f"Entered by {row['entered_by_label']}",
        change_url=f"{change_url}?urn={row['urn']}",
    )
    return row


class AllocationSetView(PoolMixin, FormView):
    """Add one school's allocation by hand, or change one (``?urn=``)."""

    template_name = "pooling/contributions/allocation_set.html"
    form_class = AllocationForm
    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY

    def get_initial(self) -> dict[str, Any]:
        urn = self.request.GET.get("urn", "")
        if not ascii_digits(urn):
            return {}
        current = selectors.allocation_for_urn(tenant=self.body, period_label=self.pool.label, urn=int(urn))
        if current is None:
            return {"urn": urn}
        return {"urn": urn, "amount": format_pence(current.amount_pence, symbol=False)}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        urn = self.request.GET.get("urn", "")
        context["current"] = (
            selectors.allocation_for_urn(tenant=self.body, period_label=self.pool.label, urn=int(urn))
            if ascii_digits(urn)
            else None
        )
        return context

    def form_valid(self, form: AllocationForm) -> HttpResponse:
        try:
            allocation = allocation_set(
                actor=self.actor,
                tenant=self.body,
                period_label=self.pool.label,
                urn=form.cleaned_data["urn"],
                amount_pence=form.cleaned_data["amount"],
            )
        except ApplicationError as exc:
            show_service_error(form, exc, SERVICE_FIELDS)
            return self.form_invalid(form)
        messages.success(
            self.request,
            format_html(
                "{}'s IMF allocation for {} is {}. {} to bring the pool up to date.",
                allocation.school.name,
                self.pool.label,
                format_pence(allocation.amount_pence),
                _recalculate_link(self.body, self.pool),
            ),
        )
        return HttpResponseRedirect(page_url("allocations", self.body, pool_id=self.pool.pk))


class _ImportMixin(SessionJourneyMixin, PoolMixin):
    """The import journey keeps the uploaded file in private storage and the chosen
    columns in the session until the person confirms."""

    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY
    request: HttpRequest

    @property
    def journey_key(self) -> str:
        return f"allocation-import:{self.body.pk}:{self.pool.pk}"

    def state(self) -> dict[str, Any]:
        return self.journey_state()

    def save_state(self, **values: Any) -> None:
        self.journey_save(**values)

    def forget(self) -> None:
        path = self.state().get("path")
        if path and default_storage.exists(path):
            default_storage.delete(path)
        self.journey_forget()

    def table(self) -> Table | None:
        state = self.state()
        path = state.get("path")
        if not path or not default_storage.exists(path):
            return None
        with default_storage.open(path, "rb") as f:
            data = f.read()
        try:
            return read_bytes(data, name=state.get("name") or PurePath(path).name)
        except ApplicationError:
            return None

    def restart(self) -> HttpResponse:
        messages.error(self.request, "Upload the allocation file again.")
        return HttpResponseRedirect(page_url("allocation-import", self.body, pool_id=self.pool.pk))


class AllocationImportView(_ImportMixin, FormView):
    template_name = "pooling/contributions/import_upload.html"
    form_class = AllocationUploadForm

    def form_valid(self, form: AllocationUploadForm) -> HttpResponse:
        upload = form.cleaned_data["file"]
        try:
            table, data = read_upload(upload, field="file")
        except ApplicationError as exc:
            show_service_error(form, exc, SERVICE_FIELDS)
            return self.form_invalid(form)
        self.forget()
        extension = PurePath(table.name).suffix.lower()
        path = default_storage.save(f"uploads-in-progress/{uuid.uuid4().hex}{extension}", ContentFile(data))
        urn, amount = guess_columns(table.headers)
        self.save_state(path=path, name=table.name, urn_column=urn, amount_column=amount, chosen=False)
        return HttpResponseRedirect(page_url("allocation-import-columns", self.body, pool_id=self.pool.pk))


class AllocationImportColumnsView(_ImportMixin, FormView):
    template_name = "pooling/contributions/import_columns.html"
    form_class = AllocationColumnsForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self._table: Table | None = None
        return super().dispatch(request, *args, **kwargs)

    def loaded(self) -> Table | None:
        if self._table is None:
            self._table = self.table()
        return self._table

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.loaded() is None:
            return self.restart()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.loaded() is None:
            return self.restart()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        table = self.loaded()
        kwargs["headers"] = table.headers if table else []
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        state = self.state()
        return {k: state[k] for k in ("urn_column", "amount_column") if state.get(k)}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        table = self.loaded()
        sample = table.rows[:2] if table else []
        columns = [
            {"header": header, "values": [cells[i] for _, cells in sample]}
            for i, header in enumerate(table.headers if table else [])
        ]
        context.update(table=table, sample=sample, columns=columns, file_name=self.state().get("name", ""))
        return context

    def form_valid(self, form: AllocationColumnsForm) -> HttpResponse:
        self.save_state(chosen=True, **form.cleaned_data)
        return HttpResponseRedirect(page_url("allocation-import-preview", self.body, pool_id=self.pool.pk))


class AllocationImportPreviewView(_ImportMixin, TemplateView):
    template_name = "pooling/contributions/import_preview.html"

    def _preview(self, table: Table) -> Any:
        state = self.state()
        return allocation_import_preview(
            tenant=self.body,
            period_label=self.pool.label,
            table=table,
            urn_column=state["urn_column"],
            amount_column=state["amount_column"],
        )

    def _columns_chosen(self) -> bool:
        return bool(self.state().get("chosen"))

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        table = self.table()
        if table is None:
            return self.restart()
        if not self._columns_chosen():
            return HttpResponseRedirect(page_url("allocation-import-columns", self.body, pool_id=self.pool.pk))
        try:
            preview = self._preview(table)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(page_url("allocation-import-columns", self.body, pool_id=self.pool.pk))
        return self.render_to_response(self.get_context_data(preview=preview))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        preview = kwargs.get("preview")
        if preview is not None:
            context.update(
                first_rows=preview.rows[:PREVIEW_ROWS],
                problems=preview.problems[:PROBLEMS_SHOWN],
                problems_hidden=max(0, len(preview.problems) - PROBLEMS_SHOWN),
            )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        table = self.table()
        if table is None or not self._columns_chosen():
            return self.restart()
        state = self.state()
        try:
            record = allocation_import_confirm(
                actor=self.actor,
                tenant=self.body,
                period_label=self.pool.label,
                table=table,
                urn_column=state["urn_column"],
                amount_column=state["amount_column"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return self.render_to_response(self.get_context_data(preview=self._preview(table)))
        self.forget()
        messages.success(
            request,
            format_html(
                "{} allocation{} for {} imported from {}. {} to bring the pool up to date.",
                record.rows_imported,
                "s" if record.rows_imported != 1 else "",
                self.pool.label,
                record.file_name,
                _recalculate_link(self.body, self.pool),
            ),
        )
        return HttpResponseRedirect(page_url("allocations", self.body, pool_id=self.pool.pk))


def _recalculate_link(body: Any, pool: Pool) -> str:
    """The next step after allocations change, as a link to where it is done."""
    return format_html(
        '<a class="govuk-link" href="{}#recalculate">Recalculate contributions</a>',
        page_url("contributions", body, pool_id=pool.pk),
    )
