"""Erasing report files that name a pupil (subject-access exports), when the retention job
anonymises the pupil: the stored files are deleted, the run is marked expired and its file
rows keep only names and checksums (as ``reports_expire`` leaves them)."""

from __future__ import annotations

from django.utils import timezone

from core.locking import lock_rows
from core.storage import storage_guard
from reports.models import ReportFile, ReportRun
from reports.storage import report_storage


def report_runs_erase(*, report_type: str, parameter: str, value: int) -> int:
    """In the current tenant: delete the files of every ``report_type`` run whose parameter
    ``parameter`` is ``value``; returns how many files were deleted. Idempotent. The object
    is deleted before the row is marked, so a store that does not answer leaves the row to
    be retried, never an object without a row."""
    storage = report_storage()
    runs = lock_rows(ReportRun.objects).filter(report_type=report_type, **{f"parameters__{parameter}": value})
    deleted = 0
    for run in runs:
        removed_at = timezone.now()
        for report_file in ReportFile.objects.filter(run=run, deleted_at__isnull=True):
            with storage_guard("deleted"):
                if storage.exists(report_file.storage_path):
                    storage.delete(report_file.storage_path)
            report_file.deleted_at = removed_at
            report_file.save(update_fields=["deleted_at"])
            deleted += 1
        if run.status == ReportRun.Status.SUCCEEDED:
            run.status = ReportRun.Status.EXPIRED
            run.expired_at = removed_at
            run.save(update_fields=["status", "expired_at"])
    return deleted
