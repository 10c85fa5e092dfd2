"""The local inclusion plan: versions, the draft's priorities and actions, publishing,
and each version as a page and a PDF."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from partnerships import exports, selectors
from partnerships.forms import ActionForm, ActionUpdateForm, PlanEditForm, PriorityForm
from partnerships.models import PlanPriority, PlanVersion
from partnerships.services import plan as services
from partnerships.views.base import ButtonAction, FormAction, Page, PartnershipPage, url


class PlanListView(PartnershipPage):
    template_name = "partnerships/plan_list.html"

    def page_context(self, **forms: Any) -> dict[str, Any]:
        versions = list(selectors.plan_versions(tenant=self.body, partnership=self.partnership))
        return {
            "versions": versions,
            "draft": next((v for v in versions if v.is_draft), None),
            "published": next((v for v in versions if not v.is_draft), None),
        }


class PlanDraftStartView(ButtonAction, PlanListView):
    def back_url(self) -> str:
        return url("plans", self.body, partnership_id=self.partnership.pk)

    def perform(self) -> str:
        version = services.plan_draft_start(actor=self.actor, tenant=self.body, partnership_id=self.partnership.pk)
        return url("plan", self.body, planversion_id=version.pk)


class PlanView(Page):
    """One version: the plan as published (or the draft being written, with its forms)."""

    template_name = "partnerships/plan.html"
    version: PlanVersion

    def load(self) -> None:
        self.version = selectors.plan_get(tenant=self.body, planversion_id=self.kwargs["planversion_id"])

    def members(self) -> list[Any]:
        return list(selectors.member_list(tenant=self.body, partnership=self.version.partnership))

    def page_context(self, **forms: Any) -> dict[str, Any]:
        context: dict[str, Any] = {"version": self.version, "partnership": self.version.partnership}
        # A form posted to a published version comes back with the refusal to show.
        context.update({k: v for k, v in forms.items() if k in ("edit_form", "priority_form", "action_form")})
        if self.version.is_draft:
            members = self.members()
            failed_priority = forms.get("action_priority_id")
            context.update(
                edit_form=forms.get("edit_form")
                or PlanEditForm(initial={"title": self.version.title, "summary": self.version.summary}),
                priority_form=forms.get("priority_form") or PriorityForm(),
                action_forms={
                    p.pk: (
                        forms["action_form"]
                        if failed_priority == p.pk
                        else ActionForm(members=members, prefix=f"p{p.pk}")
                    )
                    for p in self.version.priorities.all()
                },
            )
        return context


class PlanEditView(FormAction, PlanView):
    form_class = PlanEditForm
    context_key = "edit_form"

    def perform(self, data: dict[str, Any]) -> str:
        services.plan_draft_update(actor=self.actor, tenant=self.body, planversion_id=self.version.pk, **data)
        messages.success(self.request, "The draft is saved.")
        return url("plan", self.body, planversion_id=self.version.pk)


class PriorityAddView(FormAction, PlanView):
    form_class = PriorityForm
    context_key = "priority_form"

    def perform(self, data: dict[str, Any]) -> str:
        services.plan_priority_add(actor=self.actor, tenant=self.body, planversion_id=self.version.pk, **data)
        return url("plan", self.body, planversion_id=self.version.pk)


class ActionAddView(FormAction, PlanView):
    """Posts to the priority's URL; the form's fields are prefixed with the priority."""

    form_class = ActionForm
    priority: PlanPriority

    def load(self) -> None:
        self.priority = selectors.priority_get(tenant=self.body, planpriority_id=self.kwargs["planpriority_id"])
        self.version = selectors.plan_get(tenant=self.body, planversion_id=self.priority.version_id)

    def form_kwargs(self) -> dict[str, Any]:
        return {"members": self.members(), "prefix": f"p{self.priority.pk}"}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        if "form" in kwargs:
            kwargs["action_form"] = kwargs.pop("form")
            kwargs["action_priority_id"] = self.priority.pk
        return super().get_context_data(**kwargs)

    def perform(self, data: dict[str, Any]) -> str:
        services.plan_action_add(
            actor=self.actor,
            tenant=self.body,
            planpriority_id=self.priority.pk,
            description=data["description"],
            owner_id=data["owner"],
            due_on=data["due_on"],
            status=data["status"],
        )
        return url("plan", self.body, planversion_id=self.version.pk) + f"#priority-{self.priority.pk}"


class ActionView(Page):
    """Change an action's status, owner or due date (in a draft)."""

    template_name = "partnerships/action.html"

    def load(self) -> None:
        self.action = selectors.action_get(tenant=self.body, planaction_id=self.kwargs["planaction_id"])
        self.version = self.action.priority.version

    def members(self) -> list[Any]:
        return list(selectors.member_list(tenant=self.body, partnership=self.version.partnership))

    def page_context(self, **forms: Any) -> dict[str, Any]:
        return {
            "action": self.action,
            "version": self.version,
            "form": forms.get("form")
            or ActionUpdateForm(
                members=self.members(),
                initial={"status": self.action.status, "owner": self.action.owner_id, "due_on": self.action.due_on},
            ),
        }


class ActionEditView(FormAction, ActionView):
    http_method_names: Sequence[str] = ["get", "post"]
    form_class = ActionUpdateForm

    def form_kwargs(self) -> dict[str, Any]:
        return {"members": self.members()}

    def perform(self, data: dict[str, Any]) -> str:
        services.plan_action_update(
            actor=self.actor,
            tenant=self.body,
            planaction_id=self.action.pk,
            status=data["status"],
            due_on=data["due_on"],
            owner_id=data["owner"],
        )
        messages.success(self.request, "The action is updated.")
        return url("plan", self.body, planversion_id=self.version.pk)


class PublishView(ButtonAction, PlanView):
    def back_url(self) -> str:
        return url("plan", self.body, planversion_id=self.version.pk)

    def perform(self) -> str:
        services.plan_publish(actor=self.actor, tenant=self.body, planversion_id=self.version.pk)
        messages.success(self.request, f"Version {self.version.number} is published. It can no longer be changed.")
        return self.back_url()


class PlanPdfView(PlanView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load()
        response = HttpResponse(exports.plan_pdf(self.version), content_type="application/pdf")
        name = f"local-inclusion-plan-v{self.version.number}{'-draft' if self.version.is_draft else ''}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
