"""Retention on the real S3-compatible object store (SeaweedFS started by the tests, see
tests/storage_server.py): erasing a case file deletes its evidence object from the bucket,
and anonymising the pupil deletes their subject-access export object too."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource.models import CaseDocument
from exceptional_resource.services.retention import retention_run, years_after
from exceptional_resource.services.subject_access import subject_access_request
from reports import services as report_services
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.evidence_files import PDF
from tests.exceptional_resource.retention_support import declined_case
from tests.storage_server import S3Bucket

# Not moved in time: the object store refuses requests whose clock is skewed from its own,
# so the job is told the day instead: six years and a day after today, when the case closes.
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_scanner(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"  # must stay empty: every file goes to the bucket
    settings.UPLOAD_VIRUS_SCANNER = "tests.exceptional_resource.evidence_files.EicarScanner"


def test_the_retention_job_deletes_the_evidence_and_export_objects_in_the_bucket(
    scene: Scene, s3: S3Bucket, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = declined_case(scene)
    run = subject_access_request(actor=scene.officer.user, tenant=scene.body, pupil_id=case.pupil_id)
    assert report_services.report_run_execute(report_run_id=run.pk, task_id="t-1") == "succeeded"
    with tenant_context(scene.body):
        document = CaseDocument.objects.get(case=case)
    stored = s3.objects()
    assert stored[f"evidence/{document.file.name}"] == PDF
    [export] = [key for key in stored if key.startswith("reports/")]
    assert re.fullmatch(rf"reports/{scene.body.pk}/{run.pk}/subject-access-P-[A-Z0-9]{{8}}\.zip", export)

    later = years_after(timezone.localdate(), 6) + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        first = retention_run(tenant=scene.body, today=later)
        second = retention_run(tenant=scene.body, today=later)

    assert first.erased_case_ids == [case.pk]
    assert first.anonymised_pupil_ids == [case.pupil_id]
    assert (second.erased_case_ids, second.anonymised_pupil_ids) == ([], [])
    assert s3.objects() == {}
    assert not Path(settings.MEDIA_ROOT).exists()
    with tenant_context(scene.body):
        record = AuditEvent.objects.get(verb="case.erased")
        anonymised = AuditEvent.objects.get(verb="pupil.anonymised")
    assert record.after["evidence"] == [{"sha256": document.sha256, "size_bytes": len(PDF)}]
    assert anonymised.after["erased"]["subject_access_files"] == 1
