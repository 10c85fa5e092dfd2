"""Evidence on a real S3-compatible object store (SeaweedFS started by the tests, see
tests/storage_server.py): the upload lands in the bucket and nowhere on disk, downloads are
checksum-verified, permission-checked and audited, removal deletes the object, and when the
store does not answer the user is told so and nothing is recorded."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource.models import CaseDocument, CaseEvent
from exceptional_resource.services.evidence import evidence_remove, evidence_upload
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.evidence_files import PDF
from tests.storage_server import S3Bucket

pytestmark = pytest.mark.django_db

STORE_DOWN = "The document store is not answering, so the file could not be saved. Nothing was recorded"


@pytest.fixture(autouse=True)
def _no_scanner(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"  # must stay empty: every file goes to the bucket
    settings.UPLOAD_VIRUS_SCANNER = "tests.exceptional_resource.evidence_files.EicarScanner"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(scene: Scene, case: Any) -> str:
    return reverse("cases:evidence", kwargs={"body_slug": scene.body.slug, "case_id": case.pk})


def _download(scene: Scene, document: CaseDocument) -> str:
    return reverse("cases:evidence-download", kwargs={"body_slug": scene.body.slug, "casedocument_id": document.pk})


def _verbs(scene: Scene, prefix: str) -> list[str]:
    with tenant_context(scene.body):
        return list(AuditEvent.objects.filter(verb__startswith=prefix).order_by("id").values_list("verb", flat=True))


def test_an_upload_is_stored_in_the_bucket_and_downloads_are_verified_checked_and_audited(
    scene: Scene, s3: S3Bucket, settings: Any
) -> None:
    case = draft_case(scene)

    response = _client(scene.head.user).post(_page(scene, case), {"file": SimpleUploadedFile("EP report.pdf", PDF)})

    assert response.status_code == 302
    with tenant_context(scene.body):
        document = CaseDocument.objects.get()
    stored = s3.objects()
    [key] = stored
    assert re.fullmatch(rf"evidence/{scene.body.pk}/[0-9a-f]{{32}}\.pdf", key)
    assert key == f"evidence/{document.file.name}"
    assert stored[key] == PDF
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert not Path(settings.MEDIA_ROOT).exists()

    got = _client(scene.officer.user).get(_download(scene, document))
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == PDF
    assert got["Content-Disposition"] == 'attachment; filename="EP report.pdf"'
    assert _verbs(scene, "case.evidence") == ["case.evidence_added", "case.evidence_downloaded"]

    assert _client(scene.finance.user).get(_download(scene, document)).status_code == 404
    s3.put(key, PDF + b"changed")
    assert _client(scene.officer.user).get(_download(scene, document)).status_code == 403
    assert _verbs(scene, "case.evidence") == ["case.evidence_added", "case.evidence_downloaded"]


def test_removing_evidence_from_a_draft_deletes_the_object(
    scene: Scene, s3: S3Bucket, django_capture_on_commit_callbacks: Any
) -> None:
    case = draft_case(scene)
    keep = evidence_upload(
        actor=scene.head.user, tenant=scene.body, case_id=case.pk, upload=SimpleUploadedFile("keep.pdf", PDF)
    )
    gone = evidence_upload(
        actor=scene.head.user, tenant=scene.body, case_id=case.pk, upload=SimpleUploadedFile("gone.pdf", PDF + b" ")
    )
    assert len(s3.objects()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        evidence_remove(actor=scene.head.user, tenant=scene.body, casedocument_id=gone.pk)

    assert list(s3.objects()) == [f"evidence/{keep.file.name}"]


def test_when_the_store_is_down_the_upload_says_so_and_nothing_is_recorded(
    scene: Scene, s3: S3Bucket, settings: Any
) -> None:
    case = draft_case(scene)
    settings.STORAGES = {**settings.STORAGES, **s3.storages_when_down()}

    page = _client(scene.head.user).post(_page(scene, case), {"file": SimpleUploadedFile("EP report.pdf", PDF)})
    api = _client(scene.head.user).post(
        reverse("cases-api:evidence-upload", kwargs={"body_slug": scene.body.slug, "case_id": case.pk}),
        {"file": SimpleUploadedFile("EP report.pdf", PDF)},
    )

    assert page.status_code == 503  # the form, with the error on its field, answered as the store failing
    assert page.context["form"].errors["file"][0].startswith(STORE_DOWN)
    assert STORE_DOWN in page.content.decode().replace("\n", " ")
    assert api.status_code == 503
    assert api.json()["code"] == "storage_unavailable"
    assert api.json()["message"].startswith(STORE_DOWN)
    with tenant_context(scene.body):
        assert not CaseDocument.objects.exists()
        assert not CaseEvent.objects.filter(verb="evidence_added").exists()
    assert _verbs(scene, "case.evidence") == []
    assert s3.objects() == {}


def test_when_the_store_is_down_a_download_says_so_and_is_not_recorded_as_read(
    scene: Scene, s3: S3Bucket, settings: Any
) -> None:
    case = draft_case(scene)
    document = evidence_upload(
        actor=scene.head.user, tenant=scene.body, case_id=case.pk, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    settings.STORAGES = {**settings.STORAGES, **s3.storages_when_down()}

    page = _client(scene.officer.user).get(_download(scene, document))
    api = _client(scene.officer.user).get(
        reverse("cases-api:evidence-download", kwargs={"body_slug": scene.body.slug, "casedocument_id": document.pk})
    )

    assert page.status_code == 503
    assert "The document store is not answering, so the file could not be read." in page.content.decode()
    assert (api.status_code, api.json()["code"]) == (503, "storage_unavailable")
    assert _verbs(scene, "case.evidence") == ["case.evidence_added"]
