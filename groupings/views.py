"""Pages for groupings: members, the add-a-school journey, arrangement detail and its
journeys, the trust's own academies, the policy, and the public grouping page."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from accounts.models import ResponsibleBody
from accounts.policy import Action
from accounts.web import BodyMixin
from core.csv_export import csv_lines, csv_response
from core.errors import ApplicationError, NotFound
from core.forms import show_service_error
from core.text import ascii_digits
from core.uploads import validate_upload
from core.web import SessionJourneyMixin, paginate_list
from groupings import selectors, services
from groupings.forms import (
    AgreementForm,
    BasisForm,
    DatesForm,
    EndDateForm,
    MembersFilterForm,
    OwnAcademiesForm,
    PolicyForm,
    SchoolSearchForm,
)
from groupings.models import Arrangement, ArrangementBasis


def _url(name: str, body: ResponsibleBody, **kwargs: Any) -> str:
    return reverse(f"groupings:{name}", kwargs={"body_slug": body.slug, **kwargs})


class MembersView(BodyMixin, TemplateView):
    template_name = "groupings/members.html"
    required_action = Action.VIEW_GROUPING

    def _arrangements(self) -> Any:
        form = MembersFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        qs = selectors.arrangement_list(
            tenant=self.body,
            school_ids=self.access.school_ids(Action.VIEW_GROUPING),
            **{k: v for k, v in filters.items() if v},
        )
        return form, qs

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        if request.GET.get("format") == "csv":
            return self._csv()
        return super().get(request, *args, **kwargs)

    def _csv(self) -> StreamingHttpResponse:
        _, qs = self._arrangements()
        lines = csv_lines(selectors.ARRANGEMENT_CSV_HEADER, selectors.arrangement_csv_rows(qs))
        return csv_response(lines, filename=f"{self.body.slug}-grouping-members.csv", tenant=self.body)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form, qs = self._arrangements()
        pages = paginate_list(self.request, qs, per_page=100, label="Pages of arrangements")
        page = pages.page
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page=page,
            pages=pages,
            arrangements=list(page.object_list),
            query=query.urlencode(),
            can_manage=self.access.can(Action.MANAGE_GROUPING),
        )
        return context


class SchoolSearchView(BodyMixin, TemplateView):
    template_name = "groupings/school_search.html"
    required_action = Action.MANAGE_GROUPING

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = SchoolSearchForm(self.request.GET or None)
        results = None
        if form.is_valid() and any(form.cleaned_data.values()):
            results = list(
                selectors.school_search(
                    q=form.cleaned_data["q"], la_code=form.cleaned_data["la"], trust=form.cleaned_data["trust"]
                )[: selectors.SEARCH_LIMIT]
            )
        context.update(form=form, results=results, limit=selectors.SEARCH_LIMIT)
        return context


class _AddJourneyMixin(SessionJourneyMixin, BodyMixin):
    """The add-a-school journey keeps its answers in the session until the check page."""

    required_action = Action.MANAGE_GROUPING
    mfa_action = Action.MANAGE_GROUPING
    request: HttpRequest

    @property
    def journey_key(self) -> str:
        return f"add-arrangement:{self.body.pk}"

    def answers(self) -> dict[str, Any]:
        return self.journey_state()

    def save_answers(self, **values: Any) -> None:
        self.journey_save(**values)

    def school(self) -> Any:
        school_id = self.request.GET.get("school") or self.answers().get("school_id")
        if not school_id or not ascii_digits(str(school_id)):
            return None
        return selectors.school_get(school_id=int(school_id))


class AddBasisView(_AddJourneyMixin, FormView):
    template_name = "groupings/add_basis.html"
    form_class = BasisForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("school"):
            school = self.school()
            if school is None:
                raise NotFound("No such school.")
            if self.answers().get("school_id") != school.pk:
                self.journey_reset(school_id=school.pk)
        if self.school() is None:
            return HttpResponseRedirect(_url("add", self.body))
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["is_trust"] = self.body.is_trust
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        answers = self.answers()
        school = self.school()
        keys = ("basis", "counterparty", "conversion_pathway")
        initial: dict[str, Any] = {k: answers[k] for k in keys if k in answers}
        if school is not None and "counterparty" not in initial and school.trust_name:
            initial["counterparty"] = school.trust_name.title()
        return initial

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["school"] = self.school()
        return context

    def form_valid(self, form: BasisForm) -> HttpResponse:
        if self.school() is None:
            return HttpResponseRedirect(_url("add", self.body))
        self.save_answers(**form.cleaned_data)
        return HttpResponseRedirect(_url("add-dates", self.body))


class AddDatesView(_AddJourneyMixin, FormView):
    template_name = "groupings/add_dates.html"
    form_class = DatesForm

    def get_initial(self) -> dict[str, Any]:
        answers = self.answers()
        return {k: answers[k] for k in ("start_date", "end_date", "pooled_share_override_percent") if answers.get(k)}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["school"] = self.school()
        policy = selectors.policy_in_force(tenant=self.body)
        context["allow_override"] = bool(policy and policy.allow_share_override)
        return context

    def form_valid(self, form: DatesForm) -> HttpResponse:
        data = form.cleaned_data
        self.save_answers(
            start_date=data["start_date"].isoformat(),
            end_date=data["end_date"].isoformat() if data["end_date"] else "",
            pooled_share_override_percent=data["pooled_share_override_percent"],
        )
        return HttpResponseRedirect(_url("add-agreement", self.body))


class AddAgreementView(_AddJourneyMixin, FormView):
    template_name = "groupings/add_agreement.html"
    form_class = AgreementForm

    def get_initial(self) -> dict[str, Any]:
        return {"agreement_reference": self.answers().get("agreement_reference", "")}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["school"] = self.school()
        context["uploaded_name"] = self.answers().get("agreement_document_name", "")
        return context

    def form_valid(self, form: AgreementForm) -> HttpResponse:
        upload = form.cleaned_data.get("agreement_document")
        values: dict[str, Any] = {"agreement_reference": form.cleaned_data["agreement_reference"]}
        if upload is not None:
            try:
                checked = validate_upload(upload, allowed=services.AGREEMENT_DOCUMENT_TYPES, field="agreement_document")
            except ApplicationError as exc:
                show_service_error(form, exc)
                return self.form_invalid(form)
            stored = default_storage.save(f"uploads-in-progress/{uuid.uuid4().hex}.{checked.extension}", upload)
            values.update(agreement_document_path=stored, agreement_document_name=checked.name)
        self.save_answers(**values)
        return HttpResponseRedirect(_url("add-check", self.body))


class AddCheckView(_AddJourneyMixin, TemplateView):
    template_name = "groupings/add_check.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        answers = self.answers()
        context.update(
            school=self.school(),
            answers=answers,
            basis_label=dict(ArrangementBasis.choices).get(answers.get("basis", ""), ""),
            start_date=date.fromisoformat(answers["start_date"]) if answers.get("start_date") else None,
            end_date=date.fromisoformat(answers["end_date"]) if answers.get("end_date") else None,
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        answers = self.answers()
        if self.school() is None or not answers.get("basis"):
            return HttpResponseRedirect(_url("add", self.body))
        if not answers.get("start_date"):
            return HttpResponseRedirect(_url("add-dates", self.body))
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        answers = self.answers()
        school = self.school()
        if school is None or not answers.get("basis") or not answers.get("start_date"):
            return HttpResponseRedirect(_url("add", self.body))
        document = None
        path = answers.get("agreement_document_path")
        if path and default_storage.exists(path):
            document = default_storage.open(path, "rb")
            document.name = answers.get("agreement_document_name") or path
        try:
            arrangement = services.arrangement_propose(
                actor=self.actor,
                tenant=self.body,
                school_id=school.pk,
                basis=answers["basis"],
                counterparty=answers.get("counterparty", ""),
                conversion_pathway=answers.get("conversion_pathway", ""),
                start_date=date.fromisoformat(answers["start_date"]),
                end_date=date.fromisoformat(answers["end_date"]) if answers.get("end_date") else None,
                agreement_reference=answers.get("agreement_reference", ""),
                agreement_document=document,
                pooled_share_override_percent=answers.get("pooled_share_override_percent") or None,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return self.render_to_response(self.get_context_data(error=exc))
        finally:
            if document is not None:
                document.close()
        if path:
            default_storage.delete(path)
        self.journey_forget()
        messages.success(request, f"{school.name} has been proposed to join the grouping.")
        return HttpResponseRedirect(_url("arrangement", self.body, arrangement_id=arrangement.pk))


class ArrangementDetailView(BodyMixin, TemplateView):
    template_name = "groupings/arrangement.html"
    required_action = Action.VIEW_GROUPING

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        arrangement = selectors.arrangement_get(tenant=self.body, arrangement_id=kwargs["arrangement_id"])
        if not self.access.can(Action.VIEW_GROUPING, arrangement):
            raise NotFound("No such arrangement.")
        context.update(
            arrangement=arrangement,
            history=selectors.arrangement_history(tenant=self.body, arrangement=arrangement),
            can_manage=self.access.can(Action.MANAGE_GROUPING),
            today=timezone.localdate(),
        )
        return context


class ArrangementDocumentView(BodyMixin, TemplateView):
    """Serves the signed agreement to people allowed to see the arrangement; audited."""

    required_action = Action.VIEW_GROUPING

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        arrangement = selectors.arrangement_get(tenant=self.body, arrangement_id=kwargs["arrangement_id"])
        if not self.access.can(Action.VIEW_GROUPING, arrangement):
            raise NotFound("No such document.")
        arrangement = services.arrangement_document_open(
            actor=self.actor, tenant=self.body, arrangement_id=arrangement.pk
        )
        return FileResponse(
            arrangement.agreement_document.open("rb"),
            as_attachment=True,
            filename=arrangement.agreement_document_name or "agreement",
        )


class ArrangementActionView(BodyMixin, TemplateView):
    """Approve or withdraw (POST only)."""

    required_action = Action.MANAGE_GROUPING
    mfa_action = Action.MANAGE_GROUPING
    http_method_names = ["post"]
    action = ""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        arrangement = selectors.arrangement_get(tenant=self.body, arrangement_id=kwargs["arrangement_id"])
        service = {"approve": services.arrangement_activate, "withdraw": services.arrangement_withdraw}[self.action]
        try:
            service(actor=self.actor, tenant=self.body, arrangement_id=arrangement.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            done = "approved: its IMF is pooled from its start date" if self.action == "approve" else "withdrawn"
            messages.success(request, f"The arrangement for {arrangement.school.name} has been {done}.")
        return HttpResponseRedirect(_url("arrangement", self.body, arrangement_id=arrangement.pk))


class ArrangementEndingView(BodyMixin, FormView):
    """Give notice, or end now: both ask for the last day in the grouping."""

    template_name = "groupings/arrangement_ending.html"
    form_class = EndDateForm
    required_action = Action.MANAGE_GROUPING
    mfa_action = Action.MANAGE_GROUPING
    action = ""

    def arrangement(self) -> Arrangement:
        return selectors.arrangement_get(tenant=self.body, arrangement_id=self.kwargs["arrangement_id"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(arrangement=self.arrangement(), action=self.action)
        return context

    def form_valid(self, form: EndDateForm) -> HttpResponse:
        arrangement = self.arrangement()
        service = services.arrangement_give_notice if self.action == "give-notice" else services.arrangement_end
        try:
            service(
                actor=self.actor,
                tenant=self.body,
                arrangement_id=arrangement.pk,
                end_date=form.cleaned_data["end_date"],
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
            return self.form_invalid(form)
        verb = "Notice has been recorded" if self.action == "give-notice" else "The arrangement has ended"
        messages.success(
            self.request, f"{verb} for {arrangement.school.name}: last day {form.cleaned_data['end_date']:%-d %B %Y}."
        )
        return HttpResponseRedirect(_url("arrangement", self.body, arrangement_id=arrangement.pk))


class OwnAcademiesView(BodyMixin, FormView):
    template_name = "groupings/own_academies.html"
    form_class = OwnAcademiesForm
    required_action = Action.MANAGE_GROUPING
    mfa_action = Action.MANAGE_GROUPING

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if self.request.method == "GET" and self.request.GET.get("start_date"):
            kwargs["data"] = self.request.GET
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context["form"]
        if form.is_bound and form.is_valid():
            try:
                context["preview"] = services.own_academies_preview(
                    tenant=self.body, start_date=form.cleaned_data["start_date"]
                )
            except ApplicationError as exc:
                show_service_error(form, exc)
            context["start_date"] = form.cleaned_data.get("start_date")
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = OwnAcademiesForm(request.POST)
        if not form.is_valid():
            return self.form_invalid(form)
        ids = [int(i) for i in request.POST.getlist("school") if ascii_digits(i)]
        try:
            added = services.own_academies_add(
                actor=self.actor,
                tenant=self.body,
                start_date=form.cleaned_data["start_date"],
                school_ids=ids,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            query = f"?start_date={form.cleaned_data['start_date'].isoformat()}"
            return HttpResponseRedirect(_url("own-academies", self.body) + query)
        messages.success(request, f"{len(added)} academies added to the grouping.")
        return HttpResponseRedirect(_url("members", self.body))


class PolicyView(BodyMixin, TemplateView):
    template_name = "groupings/policy.html"
    required_action = Action.VIEW_GROUPING

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            current=selectors.policy_in_force(tenant=self.body),
            versions=list(selectors.policy_versions(tenant=self.body)),
            can_manage=self.access.can(Action.MANAGE_GROUPING),
        )
        return context


class PolicyNewView(BodyMixin, FormView):
    template_name = "groupings/policy_new.html"
    form_class = PolicyForm
    required_action = Action.MANAGE_GROUPING
    mfa_action = Action.MANAGE_GROUPING

    def get_initial(self) -> dict[str, Any]:
        current = selectors.policy_in_force(tenant=self.body)
        if current is None:
            return {}
        return {
            "pooled_share_percent": f"{current.pooled_share_bp / 100:.2f}",
            "urgent_reserve_percent": f"{current.urgent_reserve_bp / 100:.2f}",
            "allow_share_override": current.allow_share_override,
            "segregation_of_duties": current.segregation_of_duties,
            "decision_target_working_days": current.decision_target_working_days,
            "decision_criteria": "\n".join(current.decision_criteria),
        }

    def form_valid(self, form: PolicyForm) -> HttpResponse:
        current = selectors.policy_in_force(tenant=self.body)
        try:
            policy = services.policy_version_create(
                actor=self.actor,
                tenant=self.body,
                areas_of_need=current.areas_of_need if current else None,
                delegated_limits_pence=current.delegated_limits_pence if current else None,
                **form.cleaned_data,
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Version {policy.version} of the policy applies from {policy.effective_from:%-d %B %Y}."
        )
        return HttpResponseRedirect(_url("policy", self.body))


class PublicGroupingView(TemplateView):
    """Who is in the grouping and how decisions are made: public, no sign-in, no private data."""

    template_name = "groupings/public.html"
    cross_tenant_public = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        body = ResponsibleBody.objects.filter(slug=kwargs["body_slug"]).first()
        if body is None:
            raise NotFound("No such grouping.")
        members = selectors.grouping_members_on(tenant=body)
        from core.tenancy import tenant_context

        with tenant_context(body):
            policy = selectors.policy_in_force(tenant=body)
        context.update(body=body, members=members, policy=policy, today=timezone.localdate())
        return context
