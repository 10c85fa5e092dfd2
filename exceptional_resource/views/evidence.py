"""Evidence pages: the evidence list and upload form for a case (also included on the case
form and case detail through ``templates/exceptional_resource/_evidence.html``), the
audited download, and removing a document from a draft.

To show the partial on another case page, put ``evidence_context(...)`` in the context as
``evidence``::

    context["evidence"] = evidence_context(access=self.access, body=self.body, case=case,
                                           next_url=self.request.get_full_path())
    {% include "exceptional_resource/_evidence.html" %}
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files import File
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView

from accounts.models import ResponsibleBody
from accounts.policy import Action, BodyAccess
from accounts.web import BodyMixin
from core.errors import ApplicationError, NotFound
from core.uploads import TYPE_NAMES
from exceptional_resource.models import Case, CaseDocument
from exceptional_resource.selectors import evidence as selectors
from exceptional_resource.selectors.auditor_scope import case_scope, case_within_or_404
from exceptional_resource.services import evidence as services

ACCEPT = ",".join(f".{ext}" for ext in sorted(services.EVIDENCE_TYPES))


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label="Upload a file",
        help_text="",
        error_messages={"required": "Select a file to upload.", "empty": "The selected file is empty."},
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        names = ", ".join(sorted({TYPE_NAMES[e] for e in services.EVIDENCE_TYPES}))
        limit = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
        self.fields["file"].help_text = f"{names}; up to {limit} MB each."


def evidence_context(
    *, access: BodyAccess, body: ResponsibleBody, case: Case, next_url: str = "", form: EvidenceForm | None = None
) -> dict[str, Any]:
    """What ``_evidence.html`` needs, for any page that shows a case."""
    can_add = services.evidence_can_add(access, case)
    return {
        "case": case,
        "documents": list(selectors.evidence_list(tenant=body, case_id=case.pk)),
        "can_add": can_add,
        "can_remove": services.evidence_can_remove(access, case),
        "form": (form or EvidenceForm(initial={"next": next_url})) if can_add else None,
        "upload_url": reverse("cases:evidence", kwargs={"body_slug": body.slug, "case_id": case.pk}),
    }


def _safe_next(request: HttpRequest, candidate: str, fallback: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


class EvidenceView(BodyMixin, TemplateView):
    """A case's evidence on its own page: the list, and the upload form where allowed."""

    template_name = "exceptional_resource/evidence.html"
    required_action = Action.VIEW_CASE

    def case(self) -> Case:
        case = selectors.evidence_case_get(
            tenant=self.body, case_id=self.kwargs["case_id"], school_ids=self.access.school_ids(Action.VIEW_CASE)
        )
        return case_within_or_404(tenant=self.body, case=case, scope=case_scope(access=self.access, tenant=self.body))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case = kwargs.get("case") or self.case()
        context["case"] = case
        context["evidence"] = evidence_context(
            access=self.access, body=self.body, case=case, form=kwargs.get("form"), next_url=kwargs.get("next", "")
        )
        context["form"] = context["evidence"]["form"]
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        case = self.case()
        if not services.evidence_can_add(self.access, case):
            raise NotFound("No such page.")
        form = EvidenceForm(request.POST, request.FILES)
        here = reverse("cases:evidence", kwargs={"body_slug": self.body.slug, "case_id": case.pk})
        status = 200
        if form.is_valid():
            try:
                document = services.evidence_upload(
                    actor=self.actor, tenant=self.body, case_id=case.pk, upload=form.cleaned_data["file"]
                )
            except ApplicationError as exc:
                form.add_error("file", exc.message)
                status = exc.status_code if exc.status_code >= 500 else 200  # the store failed: 503/507
            else:
                messages.success(request, f"{document.original_name} has been added to the case.")
                return HttpResponseRedirect(_safe_next(request, form.cleaned_data.get("next", ""), here))
        context = self.get_context_data(case=case, form=form, next=request.POST.get("next", ""))
        return self.render_to_response(context, status=status)


class EvidenceDownloadView(BodyMixin, TemplateView):
    """The only way to read a document: the case's head/SENDCO, the body's decision
    officers and auditors; 404 for anyone else. Audited; always an attachment."""

    required_action = Action.VIEW_CASE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        document = selectors.evidence_get(
            tenant=self.body,
            casedocument_id=kwargs["casedocument_id"],
            school_ids=self.access.school_ids(Action.VIEW_CASE),
        )
        case_within_or_404(tenant=self.body, case=document.case, scope=case_scope(access=self.access, tenant=self.body))
        document, handle = services.evidence_download(actor=self.actor, tenant=self.body, casedocument_id=document.pk)
        return evidence_file_response(document, handle)


def evidence_file_response(document: CaseDocument, handle: File) -> FileResponse:
    """An attachment with the type checked at upload, never sniffed or cached (the
    service has checked the stored file's SHA-256)."""
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class EvidenceRemoveView(BodyMixin, TemplateView):
    """Check, then remove a document from a draft case."""

    template_name = "exceptional_resource/evidence_remove.html"
    required_action = Action.RAISE_CASE

    def document(self) -> CaseDocument:
        document = selectors.evidence_get(
            tenant=self.body,
            casedocument_id=self.kwargs["casedocument_id"],
            school_ids=self.access.school_ids(Action.RAISE_CASE),
        )
        if not services.evidence_can_remove(self.access, document.case):
            raise NotFound("No such page.")
        return document

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["document"] = self.document()
        context["next"] = self.request.GET.get("next", "")
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        document = self.document()
        back = reverse("cases:evidence", kwargs={"body_slug": self.body.slug, "case_id": document.case_id})
        try:
            services.evidence_remove(actor=self.actor, tenant=self.body, casedocument_id=document.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(back)
        messages.success(request, f"{document.original_name} has been removed.")
        return HttpResponseRedirect(_safe_next(request, request.POST.get("next", ""), back))
