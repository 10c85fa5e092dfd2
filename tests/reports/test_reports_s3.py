"""Report files on a real S3-compatible object store (SeaweedFS started by the tests):
stored with their checksums, downloaded only after the checksum is verified and audited,
deleted by the retention job; a store that does not answer hands the run back for a retry
with nothing recorded, and stops the retention job without marking anything deleted."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ResponsibleBody, Role, User
from core.models import AuditEvent
from core.storage import StorageUnavailable
from core.tenancy import tenant_context
from reports import services
from reports.models import ReportRun
from tests.factories import TrustFactory, member
from tests.reports.report_types import SELFTEST
from tests.reports.reports_support import files_of, run_of
from tests.storage_server import S3Bucket

pytestmark = pytest.mark.django_db


@pytest.fixture
def body() -> ResponsibleBody:
    return TrustFactory(legal_name="Reporting Trust")


@pytest.fixture
def officer(body: ResponsibleBody) -> User:
    return member(Role.FINANCE_OFFICER, body, mfa=True).user


@pytest.fixture(autouse=True)
def _empty_disk(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"  # stays absent: every file goes to the bucket


def _run(body: ResponsibleBody, officer: User, title: str) -> ReportRun:
    return services.report_run_request(
        actor=officer, tenant=body, report_type=SELFTEST, data={"title": title, "steps": 2}
    )


def _file_url(body: ResponsibleBody, run: ReportRun, file_id: int) -> str:
    return reverse(
        "reports:report-file", kwargs={"body_slug": body.slug, "reportrun_id": run.pk, "reportfile_id": file_id}
    )


def test_report_files_go_to_the_bucket_and_download_verified_and_audited(
    body: ResponsibleBody, officer: User, s3: S3Bucket, settings: Any
) -> None:
    run = _run(body, officer, "Quarterly check")

    assert services.report_run_execute(report_run_id=run.pk, task_id="t-1") == "succeeded"

    objects = s3.objects()
    assert sorted(objects) == [f"reports/{body.pk}/{run.pk}/rows.csv", f"reports/{body.pk}/{run.pk}/summary.txt"]
    assert objects[f"reports/{body.pk}/{run.pk}/summary.txt"] == b"Quarterly check\nattempt 1\n"
    files = files_of(body, run.pk)
    assert {f.name: f.sha256 for f in files} == {
        name.rsplit("/", 1)[1]: hashlib.sha256(content).hexdigest() for name, content in objects.items()
    }
    assert not Path(settings.MEDIA_ROOT).exists()
    summary = next(f for f in files if f.name == "summary.txt")
    client = Client()
    client.force_login(officer)

    response = client.get(_file_url(body, run, summary.pk))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"Quarterly check\nattempt 1\n"
    with tenant_context(body):
        assert list(AuditEvent.objects.filter(verb="report.downloaded").values_list("actor_id", flat=True)) == [
            officer.pk
        ]
    s3.put(summary.storage_path, b"tampered")
    assert client.get(_file_url(body, run, summary.pk)).status_code == 403
    with tenant_context(body):
        assert AuditEvent.objects.filter(verb="report.downloaded").count() == 1


def test_the_retention_job_deletes_old_report_objects_from_the_bucket(
    body: ResponsibleBody, officer: User, s3: S3Bucket, settings: Any
) -> None:
    settings.REPORTS_RETENTION_DAYS = 30
    old, new = _run(body, officer, "Old"), _run(body, officer, "New")
    for run in (old, new):
        services.report_run_execute(report_run_id=run.pk, task_id=f"t-{run.pk}")
    with tenant_context(body):
        ReportRun.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=31))
    assert len(s3.objects()) == 4

    assert services.reports_expire() == [old.pk]

    assert sorted(s3.objects()) == [f"reports/{body.pk}/{new.pk}/rows.csv", f"reports/{body.pk}/{new.pk}/summary.txt"]
    assert run_of(body, old.pk).status == "expired"
    assert all(f.deleted_at is not None for f in files_of(body, old.pk))


def test_when_the_store_is_down_a_run_waits_for_a_retry_and_records_no_files(
    body: ResponsibleBody, officer: User, s3: S3Bucket, settings: Any
) -> None:
    run = _run(body, officer, "Quarterly check")
    working = settings.STORAGES
    settings.STORAGES = {**working, **s3.storages_when_down()}

    with pytest.raises(StorageUnavailable):
        services.report_run_execute(report_run_id=run.pk, task_id="t-1")

    waiting = run_of(body, run.pk)
    assert (waiting.status, waiting.attempts) == ("queued", 1)
    assert waiting.progress_note.startswith("Waiting to retry: The document store is not answering")
    assert files_of(body, run.pk) == []
    assert s3.objects() == {}

    settings.STORAGES = working
    assert services.report_run_execute(report_run_id=run.pk, task_id="t-1") == "succeeded"
    assert len(s3.objects()) == 2


def test_when_the_store_is_down_the_retention_job_stops_and_marks_nothing_deleted(
    body: ResponsibleBody, officer: User, s3: S3Bucket, settings: Any
) -> None:
    settings.REPORTS_RETENTION_DAYS = 30
    run = _run(body, officer, "Old")
    services.report_run_execute(report_run_id=run.pk, task_id="t-1")
    with tenant_context(body):
        ReportRun.objects.filter(pk=run.pk).update(finished_at=timezone.now() - timedelta(days=31))
    settings.STORAGES = {**settings.STORAGES, **s3.storages_when_down()}

    with pytest.raises(StorageUnavailable):
        services.reports_expire()

    assert run_of(body, run.pk).status == "succeeded"
    assert all(f.deleted_at is None for f in files_of(body, run.pk))
    assert len(s3.objects()) == 2
