"""Pages for the register, capacity per term (with its chart, table and CSV) and funding."""

from __future__ import annotations

from typing import Any

from defusedcsv import csv
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.generic import FormView, TemplateView

from accounts.grouping_scope import school_choices
from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError
from core.money import format_pence
from pooling.models import PoolStatus
from pooling.selectors import pool_list
from pooling.selectors.payments import returned_lines
from pooling.services.ledger import InsufficientHeadroom
from shared_resources import selectors
from shared_resources.charts import capacity_chart
from shared_resources.forms import FundingEndForm, FundingForm, FundingVaryForm, PeriodForm, ResourceForm
from shared_resources.models import ResourceFunding
from shared_resources.services.funding import funding_commit, funding_end, funding_vary
from shared_resources.services.register import capacity_period_set, need_codes, resource_register
from shared_resources.views.common import (
    FormPage,
    ReadScopeFirst,
    ResourceMixin,
    show_error,
    show_resource_error,
    url,
)


class ResourceListView(ReadScopeFirst, BodyMixin, TemplateView):
    """The register; a head or SENDCO also sees what their school has; an auditor, the
    resources funded from the pools granted to them (``read_scope``)."""

    template_name = "shared_resources/list.html"
    required_action = Action.VIEW_BODY  # who reads what: ``read_scope``

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        pool_ids = selectors.read_scope(self.access, self.body, self.actor)
        scope = self.access.school_ids(Action.VIEW_SHARED_RESOURCES) if pool_ids is None else None
        positions = selectors.school_positions(tenant=self.body, school_ids=scope) if scope is not None else {}
        names = dict(school_choices(tenant=self.body)) if positions else {}
        context.update(
            audited_pools=pool_ids,
            resources=list(selectors.resource_list(tenant=self.body, pool_ids=pool_ids)),
            positions=[(names.get(school_id, ""), rows) for school_id, rows in sorted(positions.items())],
            school_scoped=scope is not None,
            can_manage=self.access.can(Action.MANAGE_SHARED_RESOURCES),
            can_request=self.access.can(Action.REQUEST_SHARED_RESOURCE),
            can_see_pack=self.access.can(Action.VIEW_GOVERNANCE),
        )
        return context


class ResourceCreateView(FormPage, BodyMixin, FormView):
    template_name = "shared_resources/resource_form.html"
    form_class = ResourceForm
    heading = "Register a shared resource"
    button = "Register"
    required_action = Action.MANAGE_SHARED_RESOURCES
    mfa_action = Action.MANAGE_SHARED_RESOURCES
    step_up = True  # a new resource can name a payee and its bank details

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.update(needs=need_codes(tenant=self.body), schools=school_choices(tenant=self.body))
        return kwargs

    def form_valid(self, form: ResourceForm) -> HttpResponse:
        try:
            resource = resource_register(actor=self.actor, tenant=self.body, **form.service_kwargs())
        except ApplicationError as exc:
            show_resource_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{resource.name} is on the register. Now set its capacity for each term.")
        return HttpResponseRedirect(url("resource", self.body, sharedresource_id=resource.pk))


class ResourceDetailView(ReadScopeFirst, ResourceMixin, TemplateView):
    """A resource: its details, capacity per term (booked, delivered, free, waiting) as a
    chart with the table beside it, and its funding from the pool."""

    template_name = "shared_resources/detail.html"
    required_action = Action.VIEW_BODY  # who reads what: ``read_scope``

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        resource = self.resource()
        rows = selectors.period_rows(tenant=self.body, resource=resource)
        context.update(
            rows=rows,
            chart=capacity_chart(
                title=f"{resource.name}: capacity per term in {resource.capacity_unit}",
                rows=[(r.period.label, r.capacity, r.booked, r.delivered) for r in rows],
            )
            if rows
            else "",
            fundings=list(selectors.funding_list(tenant=self.body, resource=resource, pool_ids=self.pool_scope())),
            can_manage=self.access.can(Action.MANAGE_SHARED_RESOURCES),
            can_fund=self.access.can(Action.MOVE_MONEY),
            can_request=self.access.can(Action.REQUEST_SHARED_RESOURCE),
            can_see_shares=self.access.can(Action.VIEW_POOL),
            returned=list(returned_lines(tenant=self.body, school_ids=(), payee_ids=[resource.paid_to_id])[:10])
            if resource.paid_to_id is not None and self.access.can(Action.VIEW_POOL)
            else [],
        )
        return context


CAPACITY_HEADER = ["Term", "From", "To", "Unit", "Capacity", "Booked", "Delivered", "Free", "Waiting", "Undecided"]


class CapacityCsvView(ReadScopeFirst, ResourceMixin, TemplateView):
    required_action = Action.VIEW_BODY  # who reads what: ``read_scope``

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        resource = self.resource()
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="capacity-{resource.pk}.csv"'
        writer = csv.writer(response)
        writer.writerow(
            ["Term", "From", "To", "Unit", "Capacity", "Booked", "Delivered", "Free", "Waiting", "Undecided"]
        )
        for r in selectors.period_rows(tenant=self.body, resource=resource):
            writer.writerow(
                [
                    _safe(r.period.label),
                    r.period.starts_on,
                    r.period.ends_on,
                    resource.capacity_unit,
                    r.capacity,
                    r.booked,
                    r.delivered,
                    r.free,
                    r.waiting,
                    r.undecided,
                ]
            )
        return response


def _safe(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    return f"'{text}" if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


class _ResourceFormPage(FormPage, ResourceMixin):
    def caption(self) -> str:
        return str(self.resource().name)

    def back_url(self) -> str:
        return url("resource", self.body, sharedresource_id=self.resource().pk)


class PeriodCreateView(_ResourceFormPage, FormView):
    template_name = "shared_resources/period_form.html"
    heading = "Set capacity for a term or year"
    button = "Save capacity"
    form_class = PeriodForm
    required_action = Action.MANAGE_SHARED_RESOURCES
    mfa_action = Action.MANAGE_SHARED_RESOURCES

    def form_valid(self, form: PeriodForm) -> HttpResponse:
        resource = self.resource()
        try:
            capacity_period_set(actor=self.actor, tenant=self.body, resource_id=resource.pk, **form.cleaned_data)
        except ApplicationError as exc:
            show_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Capacity for {form.cleaned_data['label']} is set.")
        return HttpResponseRedirect(url("resource", self.body, sharedresource_id=resource.pk))


class PeriodEditView(FormPage, BodyMixin, FormView):
    """Change a term's dates or capacity: never below what is already allocated."""

    template_name = "shared_resources/period_form.html"
    form_class = PeriodForm
    required_action = Action.MANAGE_SHARED_RESOURCES
    mfa_action = Action.MANAGE_SHARED_RESOURCES
    heading = "Change capacity"
    button = "Save capacity"
    kwargs: dict[str, Any]

    def period(self) -> Any:
        if not hasattr(self, "_period"):
            self._period = selectors.period_get(tenant=self.body, period_id=self.kwargs["capacityperiod_id"])
        return self._period

    def caption(self) -> str:
        return f"{self.period().resource.name}, {self.period().label}"

    def back_url(self) -> str:
        return url("resource", self.body, sharedresource_id=self.period().resource_id)

    def get_initial(self) -> dict[str, Any]:
        p = self.period()
        return {"label": p.label, "starts_on": p.starts_on, "ends_on": p.ends_on, "capacity_units": p.capacity_units}

    def form_valid(self, form: PeriodForm) -> HttpResponse:
        period = self.period()
        try:
            capacity_period_set(
                actor=self.actor,
                tenant=self.body,
                resource_id=period.resource_id,
                period_id=period.pk,
                **form.cleaned_data,
            )
        except ApplicationError as exc:
            show_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Capacity for {form.cleaned_data['label']} is changed.")
        return HttpResponseRedirect(self.back_url())


class FundingCreateView(_ResourceFormPage, FormView):
    """Commit the resource's cost from a pool's headroom, with its payment schedule."""

    heading = "Fund from the pool"
    button = "Commit from the pool"
    template_name = "shared_resources/funding_form.html"
    form_class = FundingForm
    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY
    step_up = True  # committing, varying or ending pool money asks for a fresh code

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        pools = [(p.pk, p.label) for p in pool_list(tenant=self.body) if p.status == PoolStatus.OPEN]
        kwargs["pools"] = pools
        return kwargs

    def form_valid(self, form: FundingForm) -> HttpResponse:
        resource = self.resource()
        d = form.cleaned_data
        try:
            funding_commit(
                actor=self.actor,
                tenant=self.body,
                resource_id=resource.pk,
                pool_id=d["pool"],
                amount_pence=d["amount"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                frequency=d["frequency"],
            )
        except InsufficientHeadroom as exc:
            form.add_error("amount", exc.message)
            return self.form_invalid(form)
        except ApplicationError as exc:
            show_error(form, exc, {"amount_pence": "amount", "pool_id": "pool"})
            return self.form_invalid(form)
        messages.success(self.request, f"{format_pence(d['amount'])} is committed from the pool for {resource.name}.")
        return HttpResponseRedirect(url("resource", self.body, sharedresource_id=resource.pk))


class _FundingMixin(FormPage, BodyMixin):
    kwargs: dict[str, Any]
    request: HttpRequest

    def caption(self) -> str:
        funding = self.funding()
        return f"{funding.resource.name}, pool {funding.pool.label}"

    def back_url(self) -> str:
        return url("resource", self.body, sharedresource_id=self.funding().resource_id)

    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY
    step_up = True  # committing, varying or ending pool money asks for a fresh code

    def funding(self) -> ResourceFunding:
        if not hasattr(self, "_funding"):
            self._funding = selectors.funding_get(tenant=self.body, funding_id=self.kwargs["resourcefunding_id"])
        return self._funding

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["funding"] = self.funding()
        return context

    def done(self, what: str) -> HttpResponse:
        messages.success(self.request, what)
        return HttpResponseRedirect(url("resource", self.body, sharedresource_id=self.funding().resource_id))


class FundingVaryView(_FundingMixin, FormView):
    template_name = "shared_resources/funding_change.html"
    form_class = FundingVaryForm
    heading = "Vary the funding"
    button = "Vary the funding"

    def form_valid(self, form: FundingVaryForm) -> HttpResponse:
        try:
            funding = funding_vary(
                actor=self.actor,
                tenant=self.body,
                funding_id=self.funding().pk,
                new_amount_pence=form.cleaned_data["new_amount"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            show_error(form, exc, {"new_amount_pence": "new_amount"})
            return self.form_invalid(form)
        return self.done(f"The funding is now {format_pence(funding.amount_pence)}.")


class FundingEndView(_FundingMixin, FormView):
    template_name = "shared_resources/funding_change.html"
    form_class = FundingEndForm
    heading = "End the funding early"
    button = "End the funding"

    def form_valid(self, form: FundingEndForm) -> HttpResponse:
        try:
            funding = funding_end(actor=self.actor, tenant=self.body, funding_id=self.funding().pk, **form.cleaned_data)
        except ApplicationError as exc:
            show_error(form, exc)
            return self.form_invalid(form)
        return self.done(f"The funding ends on {funding.ended_on:%-d %B %Y}; what was unpaid after it is released.")
