"""Serving a stored report file: checksum checked first (a streamed read, constant
memory), the download audited, then the file streamed."""

from __future__ import annotations

from django.http import FileResponse

from accounts.models import ResponsibleBody, User
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.errors import NotFound
from core.storage import storage_guard, stored_file_verified
from reports.models import ReportFile, ReportRun
from reports.registry import report_type_get
from reports.storage import report_storage


def report_file_response(
    *, actor: User, tenant: ResponsibleBody, run: ReportRun, report_file: ReportFile
) -> FileResponse:
    if run.status == ReportRun.Status.EXPIRED or report_file.deleted_at is not None:
        raise NotFound("This report's files have been deleted under the retention rules; request it again.")
    if run.status != ReportRun.Status.SUCCEEDED:
        raise NotFound("This report is not ready.")
    storage = report_storage()
    with storage_guard("read"):
        present = storage.exists(report_file.storage_path)
    if not present:
        raise NotFound("This report's file is missing.")
    handle = stored_file_verified(storage, report_file.storage_path, sha256=report_file.sha256, what="report")
    audit_record(
        actor=actor,
        tenant=tenant,
        verb=AuditVerb.REPORT_DOWNLOADED,
        obj=report_file,
        label=f"{report_file.name} from report {run.pk} ({run.label})",
        after={"sha256": report_file.sha256},
    )
    rtype = report_type_get(run.report_type)
    if rtype is not None and rtype.delivered_verb is not None:
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=rtype.delivered_verb,
            obj=run,
            label=run.label,
            after={"file": report_file.name, "sha256": report_file.sha256},
        )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=report_file.name,
        content_type=report_file.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
