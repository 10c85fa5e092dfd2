"""The add-a-school journey: basis, dates, the signed agreement, check and confirm (answers
kept in the session until confirmed)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.views.generic import FormView, TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError, NotFound
from core.forms import show_service_error
from core.text import ascii_digits
from core.uploads import validate_upload
from core.web import SessionJourneyMixin
from groupings import selectors
from groupings.forms import (
    AgreementForm,
    BasisForm,
    DatesForm,
)
from groupings.models import ArrangementBasis
from groupings.services.arrangements import (
    AGREEMENT_DOCUMENT_TYPES,
    arrangement_propose,
)
from groupings.views.common import page_url


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
            return HttpResponseRedirect(page_url("add", self.body))
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
            return HttpResponseRedirect(page_url("add", self.body))
        self.save_answers(**form.cleaned_data)
        return HttpResponseRedirect(page_url("add-dates", self.body))


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
        return HttpResponseRedirect(page_url("add-agreement", self.body))


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
                checked = validate_upload(upload, allowed=AGREEMENT_DOCUMENT_TYPES, field="agreement_document")
            except ApplicationError as exc:
                show_service_error(form, exc)
                return self.form_invalid(form)
            stored = default_storage.save(f"uploads-in-progress/{uuid.uuid4().hex}.{checked.extension}", upload)
            values.update(agreement_document_path=stored, agreement_document_name=checked.name)
        self.save_answers(**values)
        return HttpResponseRedirect(page_url("add-check", self.body))


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
            return HttpResponseRedirect(page_url("add", self.body))
        if not answers.get("start_date"):
            return HttpResponseRedirect(page_url("add-dates", self.body))
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        answers = self.answers()
        school = self.school()
        if school is None or not answers.get("basis") or not answers.get("start_date"):
            return HttpResponseRedirect(page_url("add", self.body))
        document = None
        path = answers.get("agreement_document_path")
        if path and default_storage.exists(path):
            document = default_storage.open(path, "rb")
            document.name = answers.get("agreement_document_name") or path
        try:
            arrangement = arrangement_propose(
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
        return HttpResponseRedirect(page_url("arrangement", self.body, arrangement_id=arrangement.pk))
