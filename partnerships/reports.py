"""The sufficiency report as a report type of the generic report-run framework
(``reports``): requested from the dashboard or the API, built by the framework's
Celery task (idempotent, retried, stored privately with its SHA-256), downloaded from the
partnership's own pages. Partnership leads never see the framework's report pages, which
are for pool reports."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.policy import Action
from core.tenancy import tenant_context
from partnerships import exports
from partnerships.models import Partnership
from partnerships.sufficiency import sufficiency, year_label
from reports.jobs import ReportFailed, ReportJob
from reports.registry import ReportParametersForm, ReportType, register_report_type

REPORT_TYPE = "partnership_sufficiency"


class SufficiencyReportForm(ReportParametersForm):
    partnership_id = forms.IntegerField(min_value=1, error_messages={"required": "Choose the partnership."})
    year = forms.IntegerField(
        min_value=2000,
        max_value=2100,
        required=False,
        error_messages={"invalid": "Enter the academic year as 4 digits, like 2027."},
    )

    def clean_partnership_id(self) -> int:
        """Runs inside the tenant's context: another body's partnership is unknown."""
        pk: int = self.cleaned_data["partnership_id"]
        partnership = Partnership.objects.for_tenant(self.tenant).filter(pk=pk).first()
        if partnership is None:
            raise forms.ValidationError("Choose one of your partnerships.")
        self.partnership_name = partnership.name
        return pk

    def describe(self) -> str:
        year = self.cleaned_data.get("year")
        name = getattr(self, "partnership_name", "")
        return f"{name}, {year_label(year)}" if year else name


def build_sufficiency_report(job: ReportJob) -> None:
    job.progress(10, "Working out the figures")
    with tenant_context(job.tenant):
        partnership = Partnership.objects.filter(pk=job.parameters.get("partnership_id")).first()
        if partnership is None:
            raise ReportFailed("The partnership no longer exists.")
        figures = sufficiency(tenant=job.tenant, partnership=partnership, year=job.parameters.get("year"))
        name = f"sufficiency-{partnership.la_code}-{figures.year}.pdf"
    job.progress(40, "Drawing the PDF")
    job.add_file(name, "application/pdf", exports.sufficiency_pdf(partnership, figures))
    job.progress(100, "Done")


def register() -> None:
    register_report_type(
        ReportType(
            key=REPORT_TYPE,
            label="Sufficiency of specialist places",
            description="Places, number on roll and forecast demand by need, phase and locality, with the trend.",
            builder=build_sufficiency_report,
            form_class=SufficiencyReportForm,
            action=Action.VIEW_PARTNERSHIP,
        )
    )


def request_data(partnership_id: int, year: int | None) -> dict[str, Any]:
    return {"partnership_id": partnership_id, "year": year if year is not None else ""}
