"""Pages for requests and their decisions, delivery, each school's share against SEN (chart,
table and CSV), the allocation rules and the governance pack's shared-resources preview."""

from __future__ import annotations

from datetime import date
from typing import Any

from defusedcsv import csv
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from accounts.grouping_scope import school_choices
from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError, NotFound
from core.web import paginate_list
from pooling.selectors import pool_list
from shared_resources import selectors
from shared_resources.charts import share_chart
from shared_resources.forms import DecisionForm, DeliveryForm, PackPoolForm, RequestForm, RulesForm
from shared_resources.models import RequestStatus, ResourceRequest
from shared_resources.reporting import shared_resources_section
from shared_resources.services.allocation import (
    allocation_rules_publish,
    delivery_record,
    request_allocate,
    request_create,
    request_decline,
    request_waitlist,
)
from shared_resources.views.common import FormPage, ResourceMixin, show_error, url
from shared_resources.views.register import _safe


class RequestListView(BodyMixin, TemplateView):
    """Requests oldest first, as they are decided; a head or SENDCO sees their school's."""

    template_name = "shared_resources/requests.html"
    required_action = Action.VIEW_SHARED_RESOURCES

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        qs = selectors.request_list(
            tenant=self.body,
            school_ids=self.access.school_ids(Action.VIEW_SHARED_RESOURCES),
            status=status if status in RequestStatus.values else None,
        )
        context.update(
            pages=paginate_list(self.request, qs, per_page=25, label="requests"),
            can_decide=self.access.can(Action.ALLOCATE_SHARED_RESOURCES),
            can_request=self.access.can(Action.REQUEST_SHARED_RESOURCE),
            status=status,
        )
        return context


class RequestCreateView(FormPage, BodyMixin, FormView):
    template_name = "shared_resources/request_form.html"
    form_class = RequestForm
    heading = "Ask for a share of a shared resource"
    button = "Send the request"
    required_action = Action.REQUEST_SHARED_RESOURCE

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        scope = self.access.school_ids(Action.REQUEST_SHARED_RESOURCE)
        schools = [(pk, name) for pk, name in school_choices(tenant=self.body) if scope is None or pk in scope]
        periods = selectors.period_list(tenant=self.body)
        kwargs.update(
            periods=[
                (p.pk, f"{p.resource.name}: {p.label} ({p.free_units} {p.resource.capacity_unit} free)")
                for p in periods
            ],
            schools=schools,
            cases=selectors.case_choices(tenant=self.body, school_ids=scope),
        )
        return kwargs

    def form_valid(self, form: RequestForm) -> HttpResponse:
        d = form.cleaned_data
        try:
            request_create(
                actor=self.actor,
                tenant=self.body,
                period_id=d["period"],
                school_id=d["school"],
                units=d["units"],
                case_id=d["case"],
                starts_on=d["starts_on"],
                note=d["note"],
            )
        except ApplicationError as exc:
            show_error(form, exc, {"period_id": "period", "school_id": "school", "case_id": "case"})
            return self.form_invalid(form)
        messages.success(self.request, "Your request is sent. An officer decides it against the allocation rules.")
        return HttpResponseRedirect(url("requests", self.body))


class RequestDecideView(BodyMixin, FormView):
    """An officer allocates a request from the term's remaining capacity, or puts it on the
    waiting list, or declines it, with a reason."""

    template_name = "shared_resources/request_decide.html"
    form_class = DecisionForm
    required_action = Action.ALLOCATE_SHARED_RESOURCES
    mfa_action = Action.ALLOCATE_SHARED_RESOURCES
    kwargs: dict[str, Any]

    def found(self) -> ResourceRequest:
        if not hasattr(self, "_found"):
            self._found = selectors.request_get(tenant=self.body, request_id=self.kwargs["resourcerequest_id"])
        return self._found

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        found = self.found()
        context.update(found=found, period=selectors.period_get(tenant=self.body, period_id=found.period_id))
        return context

    def form_valid(self, form: DecisionForm) -> HttpResponse:
        d, found = form.cleaned_data, self.found()
        try:
            if d["decision"] == "allocate":
                request_allocate(actor=self.actor, tenant=self.body, request_id=found.pk, units=d["units"])
                done = "Allocated."
            elif d["decision"] == "waitlist":
                request_waitlist(actor=self.actor, tenant=self.body, request_id=found.pk, reason=d["reason"])
                done = "The request is on the waiting list."
            else:
                request_decline(actor=self.actor, tenant=self.body, request_id=found.pk, reason=d["reason"])
                done = "The request is declined."
        except ApplicationError as exc:
            show_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, done)
        return HttpResponseRedirect(url("requests", self.body))


class DeliveryCreateView(FormPage, BodyMixin, FormView):
    """Record what was delivered against an allocation (officers and resource managers)."""

    heading = "Record delivery"
    button = "Record delivery"

    def caption(self) -> str:
        allocation = self._allocation()
        return f"{allocation.period.resource.name}, {allocation.period.label}: {allocation.school.name}"

    def back_url(self) -> str:
        return url("requests", self.body)

    template_name = "shared_resources/delivery_form.html"
    form_class = DeliveryForm
    required_action = Action.VIEW_SHARED_RESOURCES
    kwargs: dict[str, Any]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["allocation"] = self._allocation()
        return context

    def _allocation(self) -> Any:
        allocation = selectors.allocation_get(tenant=self.body, allocation_id=self.kwargs["allocation_id"])
        if not (self.access.can(Action.MANAGE_SHARED_RESOURCES) or self.access.can(Action.ALLOCATE_SHARED_RESOURCES)):
            raise NotFound("No such page.")
        return allocation

    def form_valid(self, form: DeliveryForm) -> HttpResponse:
        allocation = self._allocation()
        try:
            delivery_record(actor=self.actor, tenant=self.body, allocation_id=allocation.pk, **form.cleaned_data)
        except ApplicationError as exc:
            show_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{form.cleaned_data['units']} recorded as delivered.")
        return HttpResponseRedirect(url("resource", self.body, sharedresource_id=allocation.period.resource_id))


class SharesView(ResourceMixin, TemplateView):
    """Each school's share of the resource against its share of pupils with SEN (census),
    as a chart with the table beside it; exact counts (the body's own staff read it)."""

    template_name = "shared_resources/shares.html"
    required_action = Action.VIEW_POOL

    def shares(self) -> list[selectors.SchoolShare]:
        school_ids = [pk for pk, _ in school_choices(tenant=self.body)]
        return selectors.school_shares(tenant=self.body, resource=self.resource(), school_ids=school_ids)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        shares = self.shares()
        context.update(
            shares=shares,
            chart=share_chart(
                title=f"{self.resource().name}: each school's share against its share of pupils with SEN",
                rows=[(s.school.name, s.share_pct, s.sen_share_pct) for s in shares],
            ),
        )
        return context


class SharesCsvView(SharesView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="shares-{self.resource().pk}.csv"'
        writer = csv.writer(response)
        writer.writerow(["School", "URN", "Allocated", "Delivered", "Share %", "Pupils with SEN", "Share of SEN"])
        for s in self.shares():
            writer.writerow(
                [
                    _safe(s.school.name),
                    s.school.urn,
                    s.allocated,
                    s.delivered,
                    "" if s.share_pct is None else s.share_pct,
                    s.sen_pupils_shown,
                    s.sen_share_shown,
                ]
            )
        return response


class RulesView(BodyMixin, FormView):
    """The published allocation rules (every version) and, for managers, a new version."""

    template_name = "shared_resources/rules.html"
    form_class = RulesForm
    required_action = Action.VIEW_SHARED_RESOURCES

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            versions=list(selectors.rules_list(tenant=self.body)[:20]),
            can_manage=self.access.can(Action.MANAGE_SHARED_RESOURCES),
        )
        return context

    def form_valid(self, form: RulesForm) -> HttpResponse:
        try:
            version = allocation_rules_publish(actor=self.actor, tenant=self.body, **form.cleaned_data)
        except ApplicationError as exc:
            show_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Version {version.version} of the allocation rules is published.")
        return HttpResponseRedirect(url("rules", self.body))


class PackPreviewView(BodyMixin, TemplateView):
    """The governance pack's shared-resources section for a funding period, on screen."""

    template_name = "shared_resources/pack.html"
    required_action = Action.VIEW_GOVERNANCE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        pools = list(pool_list(tenant=self.body))
        today = timezone.localdate()
        current = next((p for p in pools if p.starts_on <= today <= p.ends_on), pools[0] if pools else None)
        initial = {
            "pool": current.pk if current else None,
            "period_end": min(today, current.ends_on) if current else today,
        }
        form = PackPoolForm(self.request.GET or None, initial=initial, pools=[(p.pk, p.label) for p in pools])
        pool, end = current, initial["period_end"]
        if form.is_bound and form.is_valid():
            pool = next(p for p in pools if p.pk == form.cleaned_data["pool"])
            end = form.cleaned_data["period_end"]
        section = None
        if pool is not None and isinstance(end, date):
            section = shared_resources_section(pool=pool, period_end=min(max(end, pool.starts_on), pool.ends_on))
        context.update(form=form, pool=pool, period_end=end, section=section)
        return context
