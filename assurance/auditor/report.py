"""The auditor export as a report type (``auditor_export``; action ``audit.export``,
auditors only): its parameters form, builder and registration."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from assurance.auditor.export import auditor_export_pool, auditor_export_write
from core.errors import ApplicationError, NotFound
from pooling.models import (
    Pool,
)
from reports.jobs import ReportFailed, ReportJob
from reports.registry import ReportParametersForm, ReportType, register_report_type

# --- The report type (reports) ---------------------------------------------------

REPORT_KEY = "auditor_export"


class AuditorExportForm(ReportParametersForm):
    def __init__(self, *args: Any, tenant: ResponsibleBody, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        labels = list(Pool.objects.for_tenant(tenant).order_by("-starts_on").values_list("label", flat=True))
        self.fields["period"] = forms.ChoiceField(
            label="Funding period",
            choices=[(label, label) for label in labels],
            error_messages={
                "required": "Choose a funding period",
                "invalid_choice": "Choose a funding period this body has a pool for",
            },
        )

    def describe(self) -> str:
        return f"funding period {self.cleaned_data['period']}"


def _check_grant(job: ReportJob, period: str) -> None:
    """The requesting auditor must hold a live grant on the period's pool (a body
    administrator chooses the pools); the read is recorded in the audit trail."""
    from pooling.services.audit_grants import pool_audit_read

    requester = User.objects.filter(pk=job.run.requested_by_id or 0, is_active=True).first()
    try:
        pool = auditor_export_pool(tenant=job.tenant, period=period)
        if requester is None:
            raise NotFound("No requester.")
        pool_audit_read(actor=requester, tenant=job.tenant, pool_id=pool.pk, via="export")
    except ApplicationError as exc:
        raise ReportFailed(exc.message) from exc
    except NotFound as exc:
        raise ReportFailed(f"The body has not given the requester access to the period {period}.") from exc


def build_auditor_export(job: ReportJob) -> None:
    """The report-run builder: the zip is written a piece at a time to the job's file."""
    period = str(job.parameters.get("period", ""))
    name = f"auditor-export-{job.tenant.slug}-{period}.zip"
    _check_grant(job, period)
    try:
        with job.open_file(name, "application/zip") as handle:
            auditor_export_write(
                tenant=job.tenant,
                period=period,
                out=handle,
                requested_by=job.run.requested_by_label,
                progress=job.progress,
            )
    except ApplicationError as exc:
        raise ReportFailed(exc.message) from exc


def register_auditor_export() -> None:
    register_report_type(
        ReportType(
            key=REPORT_KEY,
            label="Auditor export",
            description=(
                "For auditors: the period's ledger transactions and legs, decisions register, awards and "
                "instalments, payment runs, arrangements and audit trail as CSV files in a zip, with a manifest "
                "of row counts and SHA-256 checksums."
            ),
            builder=build_auditor_export,
            form_class=AuditorExportForm,
            action=Action.EXPORT_AUDIT,
            visible_runs=granted_export_runs,
            step_up=True,
        )
    )


def granted_export_runs(access: BodyAccess) -> Q:
    """An auditor sees, lists and downloads exports only of the periods whose pools they
    hold a live grant on today: revoking a grant hides its exports at once."""
    from pooling.selectors.audit_grants import audit_pool_labels

    return Q(parameters__period__in=audit_pool_labels(tenant=access.body, user=access.user))
