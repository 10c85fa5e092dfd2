"""The subject-access pages: a decision officer or the body's admin enters a pupil's
reference and the export is queued; its page shows progress and, once ready, the download,
to the person who asked only (another person's export is a 404)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError, NotFound
from core.forms import show_service_error
from exceptional_resource.services.subject_access import subject_access_request
from exceptional_resource.subject_access import REPORT_KEY
from reports import selectors as report_selectors
from reports.downloads import report_file_response
from reports.models import ReportRun


class SubjectAccessForm(forms.Form):
    reference = forms.CharField(
        label="Pupil reference",
        help_text="The pupil's reference in the pool, like P-ABCD2345 (on the case page).",
        max_length=12,
        error_messages={"required": "Enter the pupil's reference", "max_length": "Enter a reference like P-ABCD2345"},
    )


class SubjectAccessView(BodyMixin, TemplateView):
    template_name = "exceptional_resource/subject_access.html"
    required_action = Action.ANSWER_SUBJECT_ACCESS
    mfa_action = Action.ANSWER_SUBJECT_ACCESS
    step_up = True  # asking for the export needs a fresh code

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", SubjectAccessForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = SubjectAccessForm(request.POST)
        if form.is_valid():
            try:
                run = subject_access_request(
                    actor=self.actor, tenant=self.body, reference=form.cleaned_data["reference"]
                )
            except NotFound:
                form.add_error("reference", "No pupil with that reference is held by this body")
            except ApplicationError as exc:
                show_service_error(form, exc)
            else:
                return HttpResponseRedirect(
                    reverse("cases:subject-access-run", kwargs={"body_slug": self.body.slug, "reportrun_id": run.pk})
                )
        return self.render_to_response(self.get_context_data(form=form))


def subject_access_run_get(view: BodyMixin, reportrun_id: int) -> ReportRun:
    run = report_selectors.report_run_get(tenant=view.body, report_run_id=reportrun_id, access=view.access)
    if run.report_type != REPORT_KEY:
        raise NotFound("No such export.")
    return run


class SubjectAccessRunView(BodyMixin, TemplateView):
    template_name = "exceptional_resource/subject_access_run.html"
    required_action = Action.ANSWER_SUBJECT_ACCESS
    mfa_action = Action.ANSWER_SUBJECT_ACCESS

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = subject_access_run_get(self, self.kwargs["reportrun_id"])
        context.update(run=run, files=list(run.files.all()))
        return context


class SubjectAccessDownloadView(BodyMixin, TemplateView):
    required_action = Action.ANSWER_SUBJECT_ACCESS
    mfa_action = Action.ANSWER_SUBJECT_ACCESS

    def needs_step_up(self, request: HttpRequest) -> bool:
        return True  # the download itself (GET) needs a fresh code; the code page posts back here

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return self.get(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        run = subject_access_run_get(self, kwargs["reportrun_id"])
        report_file = report_selectors.report_file_get(
            tenant=self.body, run=run, report_file_id=kwargs["reportfile_id"]
        )
        return report_file_response(actor=self.actor, tenant=self.body, run=run, report_file=report_file)
