"""The case form's sections made of rows: the costed provision map, the resources asked
for and the outcomes, each a list with a form to add a row and a page to remove one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.views.generic import TemplateView

from core.errors import ApplicationError, NotFound
from core.tenancy import tenant_context
from exceptional_resource.forms import (
    OutcomeForm,
    ProvisionRowForm,
    ResourceLineForm,
)
from exceptional_resource.models import ResourceLine
from exceptional_resource.selectors import cases as selectors
from exceptional_resource.services.cases import MAX_OUTCOMES
from exceptional_resource.services.drafts import (
    outcome_add,
    outcome_remove,
    provision_row_add,
    provision_row_remove,
    resource_line_add,
    resource_line_remove,
)
from exceptional_resource.views.drafts import DraftMixin, SectionView
from pooling.periods import period_of


class _RowsView(SectionView):
    """A section of rows (provision, resource lines, outcomes): the rows so far with a
    remove button each, and a form to add one. "Save and continue" adds what was typed
    (if anything) and moves on; "Add another" adds it and stays."""

    template_name = "exceptional_resource/draft_rows.html"
    remove_name = ""
    empty_message = ""

    def rows(self) -> list[Any]:
        raise NotImplementedError

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        with tenant_context(self.body):
            rows = self.rows()
        context.update(rows=rows, remove_name=self.remove_name)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        redirect = self.dispatch_draft()
        if redirect:
            return redirect
        fields = self.form_class.base_fields
        prefilled = {name: str(field.initial or "") for name, field in fields.items()}
        prefilled.update({name: str(value) for name, value in self.initial().items()})
        typed = any(
            value.strip() != prefilled.get(name, "") for name in fields if (value := request.POST.get(name, "").strip())
        )
        if not typed and request.POST.get("action") != "add":
            with tenant_context(self.body):
                has_rows = bool(self.rows())
            if has_rows:
                return HttpResponseRedirect(self.after_save())
            # "Save and continue" on an empty section: say what is missing, field by field.
            form = self.form_class(request.POST)
            form.is_valid()
            form.add_error(None, self.empty_message)
            return self.render_to_response(self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def after_save(self) -> str:
        if self.request.POST.get("action") == "add":
            messages.success(self.request, "Added. Add another, or save and continue.")
            return self.case_url(self.section)
        return super().after_save()


class ProvisionView(_RowsView):
    empty_message = "Add at least one row of the provision already in place, with its cost"
    section = "draft-provision"
    form_class = ProvisionRowForm
    remove_name = "cases:draft-provision-remove"

    def rows(self) -> list[Any]:
        return selectors.case_provision_rows(case=self.get_case())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["total_pence"] = sum(r.cost_pence for r in context["rows"])
        return context

    def field_map(self) -> dict[str, str]:
        return {"hourly_cost_pence": "hourly_cost"}

    def save(self, data: dict[str, Any]) -> None:
        provision_row_add(
            actor=self.actor,
            tenant=self.body,
            case_id=self.get_case().pk,
            provision=data["provision"],
            staff_role=data["staff_role"],
            group_size=data["group_size"],
            sessions_per_week=data["sessions_per_week"],
            minutes_per_session=data["minutes_per_session"],
            weeks=data["weeks"],
            hourly_cost_pence=data["hourly_cost"],
        )


class ResourcesView(_RowsView):
    empty_message = "Add what you are asking for"
    section = "draft-resources"
    form_class = ResourceLineForm
    remove_name = "cases:draft-resources-remove"

    def initial(self) -> dict[str, Any]:
        """Offered, not imposed: from the first of next month to the end of that funding period."""
        starts = (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=1)
        return {"starts_on": starts, "ends_on": period_of(starts).ends_on}

    def rows(self) -> list[Any]:
        return selectors.case_resource_lines(case=self.get_case())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["total_pence"] = sum(r.total_pence for r in context["rows"])
        return context

    def field_map(self) -> dict[str, str]:
        return {"unit_cost_pence": "unit_cost"}

    def save(self, data: dict[str, Any]) -> None:
        resource_line_add(
            actor=self.actor,
            tenant=self.body,
            case_id=self.get_case().pk,
            kind=data["kind"],
            description=data["description"] or ResourceLine.Kind(data["kind"]).label,
            quantity=data["quantity"],
            unit_cost_pence=data["unit_cost"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        )


class OutcomesView(_RowsView):
    empty_message = "Add at least one intended outcome with a review date"
    section = "draft-outcomes"
    form_class = OutcomeForm
    remove_name = "cases:draft-outcomes-remove"

    def rows(self) -> list[Any]:
        return selectors.case_outcomes(case=self.get_case())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["max_rows"] = MAX_OUTCOMES
        context["full"] = len(context["rows"]) >= MAX_OUTCOMES
        return context

    def field_map(self) -> dict[str, str]:
        return {"outcomes": "description"}

    def save(self, data: dict[str, Any]) -> None:
        outcome_add(
            actor=self.actor,
            tenant=self.body,
            case_id=self.get_case().pk,
            description=data["description"],
            measure=data["measure"],
            review_on=data["review_on"],
        )


class _RowRemoveView(DraftMixin, TemplateView):
    """POST only: remove one row from the draft and go back to its section."""

    section = ""
    row_kwarg = ""
    http_method_names = ["post"]

    def remove(self, row_id: int) -> None:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        redirect = self.dispatch_draft()
        if redirect:
            return redirect
        try:
            self.remove(int(kwargs[self.row_kwarg]))
        except ApplicationError as exc:
            if exc.code == "not_found":
                raise NotFound("No such row.") from exc
            messages.error(request, exc.message)
        else:
            messages.success(request, "Removed.")
        return HttpResponseRedirect(self.case_url(self.section))


class ProvisionRemoveView(_RowRemoveView):
    section = "draft-provision"
    row_kwarg = "provisionrow_id"

    def remove(self, row_id: int) -> None:
        provision_row_remove(actor=self.actor, tenant=self.body, case_id=self.get_case().pk, row_id=row_id)


class ResourceRemoveView(_RowRemoveView):
    section = "draft-resources"
    row_kwarg = "resourceline_id"

    def remove(self, row_id: int) -> None:
        resource_line_remove(actor=self.actor, tenant=self.body, case_id=self.get_case().pk, line_id=row_id)


class OutcomeRemoveView(_RowRemoveView):
    section = "draft-outcomes"
    row_kwarg = "outcome_id"

    def remove(self, row_id: int) -> None:
        outcome_remove(actor=self.actor, tenant=self.body, case_id=self.get_case().pk, outcome_id=row_id)
