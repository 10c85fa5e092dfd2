"""Pages that take a request or an allocation back: a school withdraws its own request; an
officer cancels what is undelivered of an allocation, saying why."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.views.generic import FormView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError
from shared_resources import selectors
from shared_resources.forms import CancelAllocationForm, WithdrawForm
from shared_resources.services.cancel import allocation_cancel, request_withdraw
from shared_resources.views.common import FormPage, show_error, url


class RequestWithdrawView(FormPage, BodyMixin, FormView):
    """A head or SENDCO withdraws their school's request while it waits for a decision."""

    template_name = "shared_resources/cancel_form.html"
    form_class = WithdrawForm
    heading = "Withdraw this request"
    button = "Withdraw request"
    required_action = Action.REQUEST_SHARED_RESOURCE
    kwargs: dict[str, Any]

    def found(self) -> Any:
        if not hasattr(self, "_found"):
            self._found = selectors.request_get(
                tenant=self.body,
                request_id=self.kwargs["resourcerequest_id"],
                school_ids=self.access.school_ids(Action.REQUEST_SHARED_RESOURCE),
            )
        return self._found

    def caption(self) -> str:
        r = self.found()
        return f"{r.resource.name}, {r.period.label}: {r.units} {r.resource.capacity_unit} for {r.school.name}"

    def back_url(self) -> str:
        return url("requests", self.body)

    def form_valid(self, form: WithdrawForm) -> HttpResponse:
        try:
            request_withdraw(
                actor=self.actor, tenant=self.body, request_id=self.found().pk, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            show_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Request {self.found().pk} is withdrawn.")
        return HttpResponseRedirect(url("requests", self.body))


class AllocationCancelView(FormPage, BodyMixin, FormView):
    """An officer cancels what is undelivered of an allocation; the units go back to the term."""

    template_name = "shared_resources/cancel_form.html"
    form_class = CancelAllocationForm
    heading = "Cancel an allocation"
    button = "Cancel the allocation"
    required_action = Action.ALLOCATE_SHARED_RESOURCES
    mfa_action = Action.ALLOCATE_SHARED_RESOURCES
    kwargs: dict[str, Any]

    def allocation(self) -> Any:
        if not hasattr(self, "_allocation"):
            self._allocation = selectors.allocation_get(tenant=self.body, allocation_id=self.kwargs["allocation_id"])
        return self._allocation

    def caption(self) -> str:
        a = self.allocation()
        resource = a.period.resource
        return f"{resource.name}, {a.period.label}: {a.units} {resource.capacity_unit} to {a.school.name}"

    def back_url(self) -> str:
        return url("requests", self.body)

    def form_valid(self, form: CancelAllocationForm) -> HttpResponse:
        allocation = self.allocation()
        try:
            done = allocation_cancel(
                actor=self.actor, tenant=self.body, allocation_id=allocation.pk, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            show_error(form, exc)
            return self.form_invalid(form)
        freed = allocation.units - done.units
        messages.success(
            self.request,
            f"The allocation is cancelled: {freed} {allocation.period.resource.capacity_unit} are back in "
            f"{allocation.period.label}." + (f" {done.units} delivered stay allocated." if done.units else ""),
        )
        return HttpResponseRedirect(url("requests", self.body))
