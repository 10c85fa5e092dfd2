"""Serving a stored report file: checksum checked first (a streamed read, constant
memory), the download audited, then the file streamed."""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied
from django.http import FileResponse

from accounts.models import ResponsibleBody, User
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.errors import NotFound
from reports.models import ReportFile, ReportRun
from reports.storage import report_storage


def report_file_response(
    *, actor: User, tenant: ResponsibleBody, run: ReportRun, report_file: ReportFile
) -> FileResponse:
    if run.status == ReportRun.Status.EXPIRED or report_file.deleted_at is not None:
        raise NotFound("This report's files have been deleted under the retention rules; request it again.")
    if run.status != ReportRun.Status.SUCCEEDED:
        raise NotFound("This report is not ready.")
    storage = report_storage()
    if not storage.exists(report_file.storage_path):
        raise NotFound("This report's file is missing.")
    digest = hashlib.sha256()
    with storage.open(report_file.storage_path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    if digest.hexdigest() != report_file.sha256:
        raise PermissionDenied("The stored report does not match its checksum.")
    audit_record(
        actor=actor,
        tenant=tenant,
        verb=AuditVerb.REPORT_DOWNLOADED,
        obj=report_file,
        label=f"{report_file.name} from report {run.pk} ({run.label})",
        after={"sha256": report_file.sha256},
    )
    response = FileResponse(
        storage.open(report_file.storage_path, "rb"),
        as_attachment=True,
        filename=report_file.name,
        content_type=report_file.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
