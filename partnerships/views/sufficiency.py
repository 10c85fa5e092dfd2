"""The sufficiency dashboard (SVG charts with the same figures in tables beside them),
its streamed CSV export and its PDF (built by a Celery task, then downloaded)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from core.csv_export import csv_response
from core.errors import NotFound
from core.text import ascii_digits
from partnerships import exports, selectors
from partnerships.reports import REPORT_TYPE, request_data
from partnerships.sufficiency import FULL_PERCENT, LOW_PERCENT, sufficiency, year_label
from partnerships.views.base import ButtonAction, Page, PartnershipPage, url
from reports.downloads import report_file_response
from reports.services import report_run_request

__all__ = ["DashboardView"]


def _year(text: str) -> int | None:
    return int(text) if ascii_digits(text) and len(text) == 4 else None


class DashboardView(PartnershipPage):
    template_name = "partnerships/dashboard.html"

    def page_context(self, **forms: Any) -> dict[str, Any]:
        s = sufficiency(tenant=self.body, partnership=self.partnership, year=_year(self.request.GET.get("year", "")))
        context = exports.sufficiency_context(self.partnership, s)
        context.update(
            reports=list(selectors.report_list(tenant=self.body, partnership=self.partnership)[:5]),
            full_percent=FULL_PERCENT,
            low_percent=LOW_PERCENT,
            year_options=[{"year": y, "label": year_label(y)} for y in s.years],
        )
        return context


class SufficiencyCsvView(PartnershipPage):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load()
        s = sufficiency(tenant=self.body, partnership=self.partnership, year=_year(request.GET.get("year", "")))
        # The lines come from figures already read: no tenant context is needed to stream them.
        response = csv_response(
            exports.sufficiency_csv_lines(self.partnership, s),
            filename=f"sufficiency-{self.partnership.la_code}-{s.year}.csv",
        )
        return response  # type: ignore[return-value]


class ReportRequestView(ButtonAction, PartnershipPage):
    def back_url(self) -> str:
        return url("dashboard", self.body, partnership_id=self.partnership.pk) + "#reports"

    def perform(self) -> str:
        report_run_request(
            actor=self.actor,
            tenant=self.body,
            report_type=REPORT_TYPE,
            data=request_data(self.partnership.pk, _year(self.request.POST.get("year", ""))),
        )
        messages.success(self.request, "The PDF is being prepared. Refresh this page in a minute to download it.")
        return self.back_url()


class ReportDownloadView(Page):
    """Serves a sufficiency report's PDF (checksum checked, download audited, by the
    report-run framework)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run = selectors.report_get(tenant=self.body, report_run_id=kwargs["reportrun_id"])
        report_file = next(iter(run.files.all()), None)
        if report_file is None:
            raise NotFound("This report is not ready.")
        return report_file_response(actor=self.actor, tenant=self.body, run=run, report_file=report_file)  # type: ignore[return-value]
