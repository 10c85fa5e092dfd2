"""The case form as a GOV.UK task list. The draft is saved when the pupil is chosen and
again on every section's "Save and continue"; a refused value re-renders the section with
what was typed, an error summary and the error on the field. Sending happens on the check
answers page through ``case_submit``. The sections made of rows (provision, resources,
outcomes) are in ``draft_rows.py``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError
from core.forms import show_service_error
from core.tenancy import tenant_context
from exceptional_resource.forms import (
    NEW_PUPIL,
    FundingForm,
    InvolvementForm,
    NeedForm,
    PupilForm,
)
from exceptional_resource.models import CaseStatus
from exceptional_resource.selectors import cases as selectors
from exceptional_resource.selectors import evidence as evidence_selectors
from exceptional_resource.selectors import queues
from exceptional_resource.services import pupil_create
from exceptional_resource.services.cases import case_submit, missing_for_submission
from exceptional_resource.services.drafts import (
    case_create_draft,
    case_update_draft,
)
from exceptional_resource.views.common import CaseMixin, case_url, name_own_pupils
from exceptional_resource.views.evidence import evidence_context
from groupings.models import GroupingPolicy
from groupings.policy_defaults import AREAS_OF_NEED
from groupings.selectors import policy_in_force, school_choices

SECTIONS = [
    ("draft-need", "Describe the pupil's need"),
    ("draft-provision", "Provision already in place"),
    ("draft-funding", "What the school already funds"),
    ("draft-resources", "What you are asking for"),
    ("draft-outcomes", "Intended outcomes"),
    ("draft-involvement", "Parents, carers and the pupil"),
]
# Sections a new draft fills from the pupil's last case at the school, for it to confirm.
CARRIED_FORWARD = ("draft-provision", "draft-involvement")
# Where case_submit's "missing" fields are answered.
MISSING_SECTION = {
    "need_description": "draft-need",
    "provision": "draft-provision",
    "resource_lines": "draft-resources",
    "outcomes": "draft-outcomes",
    "parents_involved": "draft-involvement",
    "pupil_involved": "draft-involvement",
}


def _needs(policy: GroupingPolicy | None) -> list[tuple[str, str]]:
    """The form's choices (the defaults shown until a policy is in force; recording a pupil
    then refuses with ``no_policy``, as the API does)."""
    areas = policy.areas_of_need if policy is not None else AREAS_OF_NEED
    return [(str(n["code"]), str(n["label"])) for a in areas for n in a["needs"]]  # type: ignore[union-attr]


class NewCaseView(BodyMixin, TemplateView):
    """Start a case: choose the pupil (or record a new one). The draft exists from here."""

    template_name = "exceptional_resource/draft_pupil.html"
    required_action = Action.RAISE_CASE

    def _form(self, data: Any = None) -> PupilForm:
        school_ids = self.access.school_ids(Action.RAISE_CASE)
        schools = school_choices(school_ids=school_ids or set()).values_list("pk", "name")
        self.policy = policy_in_force(tenant=self.body)
        # Of each pupil, what the form's choice says of them and what naming them reads.
        pupils = list(
            selectors.pupil_list(tenant=self.body, school_ids=school_ids or set())
            .select_related(None)
            .only("id", "reference", "school_id", "name_encrypted", "year_group", "primary_need")
        )
        name_own_pupils(self.access, pupils)
        return PupilForm(
            data,
            initial={"pupil": "" if pupils else NEW_PUPIL},
            schools=list(schools),
            pupils=pupils,
            needs=_needs(self.policy),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or self._form()
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        try:
            if data["pupil"] == NEW_PUPIL:
                pupil = pupil_create(
                    actor=self.actor,
                    tenant=self.body,
                    school_id=int(data["school"]),
                    year_group=data["year_group"],
                    sen_status=data["sen_status"],
                    primary_need=data["primary_need"],
                    secondary_need=data["secondary_need"],
                    name=data["name"],
                    upn=data["upn"],
                )
                pupil_id = pupil.pk
            else:
                pupil_id = int(data["pupil"])
            case = case_create_draft(actor=self.actor, tenant=self.body, pupil_id=pupil_id)
        except ApplicationError as exc:
            show_service_error(form, exc, {"pupil_id": "pupil"})
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, f"Case {case.reference} has been started and saved as a draft.")
        return HttpResponseRedirect(case_url("draft", self.body, case_id=case.pk))


class DraftMixin(CaseMixin):
    """A page of a draft: only the school's head or SENDCO, and only while it is a draft."""

    required_action = Action.RAISE_CASE
    case_action = Action.RAISE_CASE
    request: HttpRequest

    def dispatch_draft(self) -> HttpResponse | None:
        if self.get_case().status != CaseStatus.DRAFT:
            messages.info(self.request, "This case has been sent, so it can no longer be changed.")
            return HttpResponseRedirect(self.case_url())
        return None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["task_list_url"] = self.case_url("draft")
        return context


class TaskListView(DraftMixin, TemplateView):
    template_name = "exceptional_resource/draft_tasks.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.dispatch_draft() or super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case = self.get_case()
        counts = {
            "draft-provision": len(case.provision.all()),
            "draft-resources": len(case.resource_lines.all()),
            "draft-outcomes": len(case.outcomes.all()),
        }
        unanswered = {MISSING_SECTION[field] for field, _ in missing_for_submission(case)}
        done = {name: name not in unanswered for name, _ in SECTIONS}
        done["draft-funding"] = bool(case.own_imf_pence or case.notional_sen_pence)  # optional
        last = queues.previous_case(tenant=self.body, case=case)
        carried = f"Carried forward from case {last.reference}: check it is still right" if last else ""
        tasks = []
        for name, title in SECTIONS:
            if done[name]:
                status = "Completed"
            elif name == "draft-funding":
                status = "Optional"
            else:
                status = "Incomplete" if counts.get(name) else "Not yet started"
            hint = carried if name in CARRIED_FORWARD else ""
            tasks.append(
                {"title": title, "url": self.case_url(name), "status": status, "done": done[name], "hint": hint}
            )
        required_done = all(v for k, v in done.items() if k != "draft-funding")
        context.update(
            evidence=evidence_context(
                access=self.access, body=self.body, case=case, next_url=self.request.get_full_path()
            ),
            tasks=tasks,
            required_done=required_done,
            completed=sum(1 for t in tasks if t["done"]),
        )
        return context


class SectionView(DraftMixin, TemplateView):
    """One section of the task list: a form saved into the draft."""

    section = ""
    template_name = "exceptional_resource/draft_section.html"
    form_class: type[Any]

    def next_url(self) -> str:
        names = [name for name, _ in SECTIONS]
        index = names.index(self.section)
        return self.case_url(names[index + 1]) if index + 1 < len(names) else self.case_url("draft-check")

    def initial(self) -> dict[str, Any]:
        return {}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.dispatch_draft() or self.render_to_response(
            self.get_context_data(form=self.form_class(initial=self.initial()))
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = dict(SECTIONS)[self.section]
        context["section"] = self.section
        if self.section in CARRIED_FORWARD:
            context["carried_from"] = queues.previous_case(tenant=self.body, case=self.get_case())
        return context

    def save(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def field_map(self) -> dict[str, str]:
        return {}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        redirect = self.dispatch_draft()
        if redirect:
            return redirect
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.save(form.cleaned_data)
            except ApplicationError as exc:
                show_service_error(form, exc, self.field_map())
            else:
                return HttpResponseRedirect(self.after_save())
        return self.render_to_response(self.get_context_data(form=form))

    def after_save(self) -> str:
        if self.request.POST.get("action") == "later":
            messages.success(self.request, "Your draft has been saved.")
            return self.case_url("draft")
        return self.next_url()


class NeedView(SectionView):
    section = "draft-need"
    form_class = NeedForm

    def initial(self) -> dict[str, Any]:
        case = self.get_case()
        return {"need_description": case.need_description, "urgency": case.urgency}

    def save(self, data: dict[str, Any]) -> None:
        case_update_draft(
            actor=self.actor,
            tenant=self.body,
            case_id=self.get_case().pk,
            need_description=data["need_description"],
            urgency=data["urgency"],
        )


class FundingView(SectionView):
    section = "draft-funding"
    form_class = FundingForm

    def initial(self) -> dict[str, Any]:
        case = self.get_case()
        return {
            "own_imf": f"{case.own_imf_pence / 100:.2f}" if case.own_imf_pence else "",
            "notional_sen": f"{case.notional_sen_pence / 100:.2f}" if case.notional_sen_pence else "",
        }

    def field_map(self) -> dict[str, str]:
        return {"own_imf_pence": "own_imf", "notional_sen_pence": "notional_sen"}

    def save(self, data: dict[str, Any]) -> None:
        case_update_draft(
            actor=self.actor,
            tenant=self.body,
            case_id=self.get_case().pk,
            own_imf_pence=data["own_imf"] or 0,
            notional_sen_pence=data["notional_sen"] or 0,
        )


class InvolvementView(SectionView):
    section = "draft-involvement"
    form_class = InvolvementForm

    def initial(self) -> dict[str, Any]:
        case = self.get_case()

        def yes_no(value: bool | None) -> str:
            return "" if value is None else ("yes" if value else "no")

        return {
            "parents_involved": yes_no(case.parents_involved),
            "parents_summary": case.parents_summary,
            "pupil_involved": yes_no(case.pupil_involved),
            "pupil_summary": case.pupil_summary,
        }

    def save(self, data: dict[str, Any]) -> None:
        case_update_draft(
            actor=self.actor,
            tenant=self.body,
            case_id=self.get_case().pk,
            parents_involved=data["parents_involved"] == "yes",
            parents_summary=data["parents_summary"],
            pupil_involved=data["pupil_involved"] == "yes",
            pupil_summary=data["pupil_summary"],
        )


class CheckAnswersView(DraftMixin, TemplateView):
    """Everything in the draft in summary lists with change links, and the button that
    sends it. What is still missing is listed at the top, each linked to its section."""

    template_name = "exceptional_resource/draft_check.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.dispatch_draft() or super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case = self.get_case()
        context.update(selectors.case_detail_parts(case=case))
        with tenant_context(self.body):
            missing = missing_for_submission(case)
        context["missing"] = [
            {"message": message, "url": self.case_url(MISSING_SECTION.get(field, "draft"))}
            for field, message in kwargs.get("missing", missing)
        ]
        context["submit_error"] = kwargs.get("submit_error", "")
        policy = case.policy or policy_in_force(tenant=self.body)
        context["target_days"] = policy.decision_target_working_days if policy else 10
        context["urls"] = {name.replace("-", "_"): self.case_url(name) for name, _ in SECTIONS}
        context["documents"] = list(evidence_selectors.evidence_list(tenant=self.body, case_id=case.pk))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        redirect = self.dispatch_draft()
        if redirect:
            return redirect
        case = self.get_case()
        try:
            case_submit(actor=self.actor, tenant=self.body, case_id=case.pk)
        except ApplicationError as exc:
            missing = list(exc.extra.get("missing", {}).items())
            return self.render_to_response(
                self.get_context_data(missing=missing, submit_error="" if missing else exc.message)
            )
        messages.success(
            request, f"Case {case.reference} has been sent. A decision officer will decide it; you can follow it here."
        )
        return HttpResponseRedirect(self.case_url())
