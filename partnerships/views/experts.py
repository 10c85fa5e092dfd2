"""Experts at Hand: capacity per term and profession, allocations to schools, and use
against plan."""

from __future__ import annotations

from typing import Any

from django.contrib import messages

from partnerships import selectors
from partnerships.experts import use_against_plan
from partnerships.forms import AllocationForm, CapacityForm
from partnerships.services import experts as services
from partnerships.views.base import FormAction, PartnershipPage, url


class ExpertsView(PartnershipPage):
    template_name = "partnerships/experts.html"

    def page_context(self, **forms: Any) -> dict[str, Any]:
        capacity = list(selectors.capacity_list(tenant=self.body, partnership=self.partnership))
        allocations = list(selectors.allocation_list(tenant=self.body, partnership=self.partnership))
        return {
            "summary": use_against_plan(capacity, allocations),
            "allocations": allocations,
            "capacity_form": forms.get("capacity_form") or CapacityForm(),
            "allocation_form": forms.get("allocation_form") or AllocationForm(),
        }


class CapacitySetView(FormAction, ExpertsView):
    form_class = CapacityForm
    context_key = "capacity_form"

    def perform(self, data: dict[str, Any]) -> str:
        services.capacity_set(actor=self.actor, tenant=self.body, partnership_id=self.partnership.pk, **data)
        messages.success(self.request, "The capacity is saved.")
        return url("experts", self.body, partnership_id=self.partnership.pk)


class AllocationSetView(FormAction, ExpertsView):
    form_class = AllocationForm
    context_key = "allocation_form"

    def perform(self, data: dict[str, Any]) -> str:
        services.allocation_set(
            actor=self.actor,
            tenant=self.body,
            partnership_id=self.partnership.pk,
            term=data["term"],
            profession=data["profession"],
            school_urn=data["school_urn"],
            days_planned=data["days_planned"],
            days_used=data.get("days_used") or "0",
        )
        messages.success(self.request, "The allocation is saved.")
        return url("experts", self.body, partnership_id=self.partnership.pk)
