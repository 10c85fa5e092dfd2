"""Report pages: the list, requesting a report, a run's page with its progress bar (HTMX
polls a fragment while the run is queued or running; without JavaScript a refresh link
does the same), and the audited download."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError, NotFound
from reports import selectors, services
from reports.downloads import report_file_response
from reports.models import ReportRun
from reports.registry import ReportType, report_type_get

LIST_LIMIT = 100


def _run_url(name: str, body_slug: str, run: ReportRun) -> str:
    return reverse(f"reports:{name}", kwargs={"body_slug": body_slug, "reportrun_id": run.pk})


class ReportListView(BodyMixin, TemplateView):
    template_name = "reports/list.html"
    required_action = Action.REQUEST_REPORT

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        runs = list(selectors.report_run_list(tenant=self.body, access=self.access)[:LIST_LIMIT])
        context["runs"] = [(run, selectors.report_type_label(run.report_type)) for run in runs]
        context["report_types"] = selectors.report_types_for(access=self.access)
        return context


class ReportRequestView(BodyMixin, TemplateView):
    """``?type=<key>`` chooses the report; the form is the type's parameters form."""

    template_name = "reports/request.html"
    required_action = Action.REQUEST_REPORT
    mfa_action = Action.REQUEST_REPORT  # an auditor sets up MFA before any export (policy)

    def needs_step_up(self, request: HttpRequest) -> bool:
        rtype = report_type_get(request.POST.get("report_type") or request.GET.get("type") or "")
        # Only a role that may start the report is asked for a code; any other is refused
        # for its role (404) by ``report_type``, never asked for a code it could not use.
        return request.method == "POST" and rtype is not None and rtype.step_up and self.access.can(rtype.action)

    def report_type(self) -> ReportType:
        key = self.request.GET.get("type") or self.request.POST.get("report_type") or ""
        rtype = report_type_get(key)
        if rtype is None or not self.access.can(rtype.action):
            raise NotFound("No such report.")
        return rtype

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rtype = self.report_type()
        context["report_type"] = rtype
        context.setdefault("form", rtype.form_class(tenant=self.body))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        rtype = self.report_type()
        form = rtype.form_class(data=request.POST, tenant=self.body)
        if form.is_valid():
            try:
                run = services.report_run_request(
                    actor=self.actor, tenant=self.body, report_type=rtype.key, data=request.POST.dict()
                )
            except ApplicationError as exc:
                for name, errors in exc.extra.get("fields", {}).items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
                if not exc.extra.get("fields"):
                    form.add_error(None, exc.message)
            else:
                messages.success(request, "Your report has been requested. We will email you when it is ready.")
                return HttpResponseRedirect(_run_url("report", self.body.slug, run))
        return self.render_to_response(self.get_context_data(form=form))


class ReportDetailView(BodyMixin, TemplateView):
    template_name = "reports/detail.html"
    required_action = Action.REQUEST_REPORT

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = selectors.report_run_get(tenant=self.body, report_run_id=self.kwargs["reportrun_id"], access=self.access)
        context.update(
            run=run,
            files=list(run.files.all()),
            type_label=selectors.report_type_label(run.report_type),
            progress_url=_run_url("report-progress", self.body.slug, run),
            detail_url=_run_url("report", self.body.slug, run),
        )
        return context


class ReportProgressView(ReportDetailView):
    """The progress fragment HTMX swaps in; without HTMX, the whole page."""

    def get_template_names(self) -> list[str]:
        if getattr(self.request, "htmx", False):
            return ["reports/_progress.html"]
        return [self.template_name]


class ReportFileDownloadView(BodyMixin, TemplateView):
    required_action = Action.REQUEST_REPORT

    def needs_step_up(self, request: HttpRequest) -> bool:
        """A type whose file needs a fresh code (a subject-access export) asks for it on the
        download itself; the code page posts back here."""
        run = selectors.report_run_get(tenant=self.body, report_run_id=self.kwargs["reportrun_id"], access=self.access)
        rtype = report_type_get(run.report_type)
        return rtype is not None and rtype.download_step_up

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return self.get(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        run = selectors.report_run_get(tenant=self.body, report_run_id=kwargs["reportrun_id"], access=self.access)
        report_file = selectors.report_file_get(tenant=self.body, run=run, report_file_id=kwargs["reportfile_id"])
        return report_file_response(actor=self.actor, tenant=self.body, run=run, report_file=report_file)
