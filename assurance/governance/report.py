"""The governance pack as a report type: its parameters form, the builder that gathers,
reconciles and writes the PDF and spreadsheet, the monthly schedule and the registration."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from accounts.models import ResponsibleBody
from accounts.policy import Action
from assurance.governance.gather import gather, snapshot
from assurance.governance.pack import REPORT_KEY
from assurance.governance.subledgers import reconciliation_failure
from core.forms import GovukDateField
from pooling.models import Pool
from reports.jobs import ReportFailed, ReportJob
from reports.registry import ReportParametersForm, ReportType, register_report_type

# --- The report type ------------------------------------------------------------------------


class GovernancePackForm(ReportParametersForm):
    period_end = GovukDateField(
        label="Figures up to and including",
        subject="The date figures run to",
        required=False,
        help_text="Leave blank for today, or the end of the period if it has ended.",
    )

    def __init__(self, *args: Any, tenant: ResponsibleBody, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        # Built here, not on the class: the queryset needs the body (and a tenant context).
        pool = forms.ModelChoiceField(
            queryset=Pool.objects.for_tenant(tenant).order_by("-starts_on"),
            label="Funding period",
            empty_label=None,
            error_messages={"required": "Choose a funding period", "invalid_choice": "Choose a funding period"},
        )
        pool.label_from_instance = lambda p: p.label  # type: ignore[method-assign, assignment]
        self.fields = {"pool": pool, **self.fields}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pool = data.get("pool")
        if pool is None:
            return data
        end = data.get("period_end") or min(timezone.localdate(), pool.ends_on)
        if end < pool.starts_on or end > pool.ends_on:
            self.add_error(
                "period_end",
                f"The date must be within the funding period, {pool.starts_on:%-d %B %Y} to {pool.ends_on:%-d %B %Y}",
            )
        elif end > timezone.localdate():
            self.add_error("period_end", "The date must be today or in the past")
        data["period_end"] = end
        return data

    def describe(self) -> str:
        return f"{self.cleaned_data['pool'].label} to {self.cleaned_data['period_end']:%-d %B %Y}"


def build_governance_pack(job: ReportJob) -> None:
    from assurance.governance.appendix import appendix_parts, pack_file_labels, pack_files

    job.progress(5, "Reading the ledger and cases")
    with snapshot(job.tenant):
        pool = Pool.objects.filter(pk=job.parameters["pool"]).first()
        if pool is None:
            raise ReportFailed("The funding period no longer exists.")
        pack = gather(tenant=job.tenant, pool=pool, period_end=date.fromisoformat(job.parameters["period_end"]))
    job.progress(40, "Reconciling to the ledger")
    if not pack.reconciled:
        raise ReportFailed(reconciliation_failure(pack.checks))
    stem = f"governance-pack-{pack.pool_label}-to-{pack.period_end:%Y-%m-%d}"
    parts = appendix_parts(pack)
    job.progress(50, "Writing the summary PDF" if parts else "Writing the PDF")
    # After each file, what comes next: the appendix's parts (for a body with many schools,
    # each named, the figure moving forward from 55 to 85), then the spreadsheet, then storing.
    following = [
        (
            55 + 30 * (part - 1) // parts,
            "Writing the appendix of schools" + (f", part {part} of {parts}" if parts > 1 else ""),
        )
        for part in range(1, parts + 1)
    ]
    following += [(85, "Writing the spreadsheet"), (95, "Storing the files")]
    produced = zip(pack_files(pack, stem), pack_file_labels(pack), following, strict=True)
    for (name, content_type, data), label, (percent, note) in produced:
        job.add_file(name, content_type, data, label=label)
        job.progress(percent, note)


def monthly_parameters(tenant: ResponsibleBody, today: date) -> list[dict[str, Any]]:
    """On the first of a month: the pack for the pool that held the month just ended."""
    last_month_end = date(today.year, today.month, 1) - timedelta(days=1)
    pool = Pool.objects.for_tenant(tenant).filter(starts_on__lte=last_month_end, ends_on__gte=last_month_end).first()
    if pool is None:
        return []
    return [{"pool": pool.pk, "period_end": last_month_end.isoformat()}]


def register_governance_pack() -> None:
    register_report_type(
        ReportType(
            key=REPORT_KEY,
            label="Financial-governance pack",
            description=(
                "For trustees and accounting officers: the pool statement by month, each school's position, "
                "cases by need and phase, commitments, outcomes, equity and a reconciliation to the ledger "
                "(PDF and spreadsheet; for a body with many schools, each school's row in an appendix PDF)."
            ),
            builder=build_governance_pack,
            form_class=GovernancePackForm,
            # Trustees, finance officers and administrators; not auditors, who read a
            # period's money through their per-pool grants (accounts.policy).
            action=Action.VIEW_GOVERNANCE,
            monthly=monthly_parameters,
            step_up=True,
        )
    )
