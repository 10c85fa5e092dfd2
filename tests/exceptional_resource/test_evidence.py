"""Evidence on a case: checked uploads stored privately, removal from drafts, and the
permission-checked, audited download (pages and API)."""

from __future__ import annotations

import os
import stat
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from core.errors import ApplicationError, ConflictError, NotFound
from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource.models import Case, CaseDocument
from exceptional_resource.services.evidence import evidence_remove, evidence_upload
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.evidence_files import DOCX, EICAR, EXE, JPEG, PDF, PLAIN_ZIP, PNG, xlsx
from tests.factories import member

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def private_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_VIRUS_SCANNER = "tests.exceptional_resource.evidence_files.EicarScanner"
    return tmp_path


def _stored_files(root: Path) -> list[Path]:
    return [p for p in (root / "evidence").rglob("*") if p.is_file()] if (root / "evidence").exists() else []


def _documents(scene: Scene) -> list[CaseDocument]:
    with tenant_context(scene.body):
        return list(CaseDocument.objects.all())


def _set_status(scene: Scene, case: Case, status: str) -> None:
    with tenant_context(scene.body):
        Case.objects.filter(pk=case.pk).update(status=status, submitted_on=date(2026, 11, 2))


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(scene: Scene, case: Case) -> str:
    return reverse("cases:evidence", kwargs={"body_slug": scene.body.slug, "case_id": case.pk})


def _download(scene: Scene, document: CaseDocument) -> str:
    return reverse("cases:evidence-download", kwargs={"body_slug": scene.body.slug, "casedocument_id": document.pk})


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("EP report.pdf", PDF, "application/pdf"),
        ("Provision plan.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("Costings.xlsx", None, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("Photo of equipment.png", PNG, "image/png"),
        ("Scan.JPEG", JPEG, "image/jpeg"),
    ],
)
def test_each_allowed_type_is_stored_privately_under_a_random_name(
    scene: Scene, private_root: Path, name: str, data: bytes | None, content_type: str
) -> None:
    case = draft_case(scene)
    content = data if data is not None else xlsx()
    document = evidence_upload(
        actor=scene.head.user, tenant=scene.body, case_id=case.pk, upload=SimpleUploadedFile(name, content)
    )
    assert document.original_name == name
    assert document.content_type == content_type
    assert document.size_bytes == len(content)
    [stored] = _stored_files(private_root)
    assert stored.read_bytes() == content
    assert stored.parent == private_root / "evidence" / str(scene.body.pk)
    assert name.split(".")[0] not in stored.name
    assert len(stored.stem) == 32
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600
    with tenant_context(scene.body):
        event = AuditEvent.objects.get(verb="case.evidence_added")
    assert event.object_label == f"Evidence {document.pk} on case {case.reference}"
    assert name not in str(event.object_label) + str(event.after)
    with pytest.raises(ValueError, match="no public address"):
        document.file.url  # noqa: B018


BAD_UPLOADS = [
    ("a 50 MB upload", "big.pdf", b"%PDF-1.4\n" + b"0" * (50 * MB), "The selected file must be smaller than 10 MB."),
    ("an executable renamed .pdf", "report.pdf", EXE, "The selected file is not really a PDF file."),
    ("a PDF renamed .exe", "report.exe", PDF, "The selected file must be a Excel (XLSX), JPEG, PDF, PNG, Word (DOCX)."),
    ("an empty file", "empty.pdf", b"", "The selected file is empty."),
    ("a wrong extension", "notes.txt", b"Some notes", "The selected file must be a Excel (XLSX), JPEG, PDF, PNG"),
    ("a zip renamed .docx", "plan.docx", PLAIN_ZIP, "The selected file is not really a Word (DOCX) file."),
    ("a spreadsheet renamed .docx", "plan.docx", None, "The selected file is not really a Word (DOCX) file."),
    ("a file the virus hook flags", "report.pdf", PDF + EICAR, "The selected file contains a virus."),
]


@pytest.mark.parametrize(("what", "name", "data", "message"), BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS])
def test_bad_uploads_on_the_page_are_a_field_error_and_nothing_is_stored(
    scene: Scene, private_root: Path, what: str, name: str, data: bytes | None, message: str
) -> None:
    case = draft_case(scene)
    content = data if data is not None else xlsx()
    response = _client(scene.head.user).post(_page(scene, case), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["file"][0].startswith(message) or (not content and form.errors["file"] == [message])
    html = response.content.decode()
    assert 'class="govuk-error-summary"' in html
    assert 'id="id_file-error"' in html
    assert _documents(scene) == []
    assert _stored_files(private_root) == []


@pytest.mark.parametrize(("what", "name", "data", "message"), BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS])
def test_bad_uploads_through_the_api_name_the_field_and_store_nothing(
    scene: Scene, private_root: Path, what: str, name: str, data: bytes | None, message: str
) -> None:
    case = draft_case(scene)
    content = data if data is not None else xlsx()
    url = reverse("evidence-api:upload", kwargs={"body_slug": scene.body.slug, "case_id": case.pk})
    response = _client(scene.head.user).post(url, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    body = response.json()
    if body["code"] == "invalid":  # DRF's own check of an empty file
        assert "file" in body["fields"]
    else:
        assert body["field"] == "file"
        assert body["message"].startswith(message)
    assert _documents(scene) == []
    assert _stored_files(private_root) == []


def test_the_size_limit_comes_from_settings(scene: Scene, settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 1 * MB
    case = draft_case(scene)
    with pytest.raises(ApplicationError) as refused:
        evidence_upload(
            actor=scene.head.user,
            tenant=scene.body,
            case_id=case.pk,
            upload=SimpleUploadedFile("big.pdf", PDF + b"0" * MB),
        )
    assert (refused.value.code, refused.value.field) == ("file_too_large", "file")
    assert refused.value.message == "The selected file must be smaller than 1 MB."


def test_upload_on_the_page_then_it_is_listed_with_a_download_link(scene: Scene) -> None:
    case = draft_case(scene)
    client = _client(scene.head.user)
    response = client.post(
        _page(scene, case), {"file": SimpleUploadedFile("EP report.pdf", PDF), "next": "https://evil.example/x"}
    )
    assert response.status_code == 302
    assert response["Location"] == _page(scene, case)
    page = client.get(_page(scene, case)).content.decode()
    [document] = _documents(scene)
    assert "EP report.pdf" in page
    assert _download(scene, document) in page
    assert "Remove" in page


@pytest.mark.parametrize("status", ["submitted", "information_requested"])
def test_evidence_can_be_added_after_submission_while_the_decision_is_open(scene: Scene, status: str) -> None:
    case = draft_case(scene)
    _set_status(scene, case, status)
    document = evidence_upload(
        actor=scene.head.user, tenant=scene.body, case_id=case.pk, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    assert document.case_id == case.pk


@pytest.mark.parametrize("status", ["approved", "declined", "active", "withdrawn", "closed"])
def test_no_evidence_once_decided_or_closed(scene: Scene, private_root: Path, status: str) -> None:
    case = draft_case(scene)
    _set_status(scene, case, status)
    with pytest.raises(ConflictError) as refused:
        evidence_upload(
            actor=scene.head.user, tenant=scene.body, case_id=case.pk, upload=SimpleUploadedFile("a.pdf", PDF)
        )
    assert refused.value.code == "case_closed_to_evidence"
    assert _stored_files(private_root) == []


def test_only_the_schools_head_or_sendco_uploads(scene: Scene) -> None:
    case = draft_case(scene)
    sendco = member(Role.SENDCO, scene.body, school=scene.school)
    other_school_head = member(Role.HEAD, scene.body)
    assert evidence_upload(
        actor=sendco.user, tenant=scene.body, case_id=case.pk, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    for outsider, error, code in (
        (scene.officer.user, ApplicationError, "not_allowed"),
        (other_school_head.user, NotFound, "not_found"),
    ):
        with pytest.raises(error) as refused:
            evidence_upload(actor=outsider, tenant=scene.body, case_id=case.pk, upload=SimpleUploadedFile("b.pdf", PDF))
        assert refused.value.code == code
    assert _client(other_school_head.user).get(_page(scene, case)).status_code == 404
    officer_post = _client(scene.officer.user).post(_page(scene, case), {"file": SimpleUploadedFile("c.pdf", PDF)})
    assert officer_post.status_code == 404
    assert len(_documents(scene)) == 1


def test_remove_from_a_draft_deletes_the_file_after_commit(
    scene: Scene, private_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    case = draft_case(scene)
    document = evidence_upload(
        actor=scene.head.user, tenant=scene.body, case_id=case.pk, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    url = reverse("cases:evidence-remove", kwargs={"body_slug": scene.body.slug, "casedocument_id": document.pk})
    client = _client(scene.head.user)
    assert "Remove a.pdf?" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert _documents(scene) == []
    assert _stored_files(private_root) == []
    with tenant_context(scene.body):
        assert AuditEvent.objects.filter(verb="case.evidence_removed", object_id=str(document.pk)).exists()


def test_no_removal_once_submitted(scene: Scene, private_root: Path) -> None:
    case = draft_case(scene)
    document = evidence_upload(
        actor=scene.head.user, tenant=scene.body, case_id=case.pk, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    _set_status(scene, case, "submitted")
    with pytest.raises(ConflictError) as refused:
        evidence_remove(actor=scene.head.user, tenant=scene.body, casedocument_id=document.pk)
    assert refused.value.code == "case_not_draft"
    url = reverse("cases:evidence-remove", kwargs={"body_slug": scene.body.slug, "casedocument_id": document.pk})
    assert _client(scene.head.user).post(url).status_code == 404
    assert len(_documents(scene)) == 1
    assert len(_stored_files(private_root)) == 1


def test_download_for_the_school_and_the_bodys_officers_and_auditors(scene: Scene) -> None:
    case = draft_case(scene)
    document = evidence_upload(
        actor=scene.head.user, tenant=scene.body, case_id=case.pk, upload=SimpleUploadedFile("EP report.pdf", PDF)
    )
    readers = [
        scene.head.user,
        member(Role.SENDCO, scene.body, school=scene.school).user,
        scene.officer.user,
        member(Role.AUDITOR, scene.body).user,
    ]
    for reader in readers:
        response = _client(reader).get(_download(scene, document))
        assert response.status_code == 200, reader.email
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="EP report.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
    with tenant_context(scene.body):
        downloads = AuditEvent.objects.filter(verb="case.evidence_downloaded", object_id=str(document.pk))
        assert sorted(downloads.values_list("actor_id", flat=True)) == sorted(u.pk for u in readers)


def test_download_is_404_for_everyone_else(scene: Scene) -> None:
    case = draft_case(scene)
    document = evidence_upload(
        actor=scene.head.user, tenant=scene.body, case_id=case.pk, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    outsiders = [
        scene.finance.user,
        member(Role.TRUSTEE, scene.body).user,
        member(Role.BODY_ADMIN, scene.body).user,
        member(Role.HEAD, scene.body).user,  # another school's head
        member(Role.DECISION_OFFICER).user,  # another body's officer
    ]
    api = reverse("evidence-api:download", kwargs={"body_slug": scene.body.slug, "casedocument_id": document.pk})
    for outsider in outsiders:
        client = _client(outsider)
        assert client.get(_download(scene, document)).status_code == 404, outsider.email
        assert client.get(api).status_code == 404, outsider.email
    with tenant_context(scene.body):
        assert not AuditEvent.objects.filter(verb="case.evidence_downloaded").exists()


def test_api_lists_uploads_downloads_and_removes(scene: Scene, django_capture_on_commit_callbacks: Any) -> None:
    case = draft_case(scene)
    client = _client(scene.head.user)
    kwargs = {"body_slug": scene.body.slug, "case_id": case.pk}
    response = client.post(reverse("evidence-api:upload", kwargs=kwargs), {"file": SimpleUploadedFile("a.png", PNG)})
    assert response.status_code == 201
    created = response.json()
    assert created["name"] == "a.png"
    assert created["content_type"] == "image/png"
    assert created["size_bytes"] == len(PNG)
    listed = client.get(reverse("evidence-api:list", kwargs=kwargs)).json()
    assert [d["id"] for d in listed] == [created["id"]]
    doc_kwargs = {"body_slug": scene.body.slug, "casedocument_id": created["id"]}
    download = client.get(reverse("evidence-api:download", kwargs=doc_kwargs))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"] == 'attachment; filename="a.png"'
    officer = _client(scene.officer.user)
    assert officer.post(reverse("evidence-api:remove", kwargs=doc_kwargs)).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("evidence-api:remove", kwargs=doc_kwargs)).status_code == 204
    assert client.get(reverse("evidence-api:list", kwargs=kwargs)).json() == []


def test_partial_is_included_with_the_case_and_no_form_for_readers(scene: Scene) -> None:
    case = draft_case(scene)
    evidence_upload(actor=scene.head.user, tenant=scene.body, case_id=case.pk, upload=SimpleUploadedFile("a.pdf", PDF))
    page = _client(scene.officer.user).get(_page(scene, case)).content.decode()
    assert "a.pdf" in page
    assert 'type="file"' not in page
    assert "Remove" not in page


def test_the_evidence_page_and_api_list_cost_the_same_for_1_or_10_documents(
    scene: Scene, django_assert_max_num_queries: Any
) -> None:
    case = draft_case(scene)
    client = _client(scene.head.user)
    client.get(_page(scene, case))  # a session's first request stamps it (core.middleware); count later ones
    api = reverse("evidence-api:list", kwargs={"body_slug": scene.body.slug, "case_id": case.pk})
    counts = []
    for total in (1, 10):
        while len(_documents(scene)) < total:
            evidence_upload(
                actor=scene.head.user, tenant=scene.body, case_id=case.pk, upload=SimpleUploadedFile("a.pdf", PDF)
            )
        with CaptureQueriesContext(connection) as page_queries:
            assert client.get(_page(scene, case)).status_code == 200
        with CaptureQueriesContext(connection) as api_queries:
            assert len(client.get(api).json()) == total
        counts.append((len(page_queries), len(api_queries)))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[1][0]):
        client.get(_page(scene, case))


def test_a_stored_file_that_no_longer_matches_its_checksum_is_not_served(scene: Scene, private_root: Path) -> None:
    case = draft_case(scene)
    document = evidence_upload(
        actor=scene.head.user, tenant=scene.body, case_id=case.pk, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    [stored] = _stored_files(private_root)
    stored.write_bytes(PDF + b"% altered\n")
    client = _client(scene.officer.user)
    assert client.get(_download(scene, document)).status_code == 403
    api = reverse("evidence-api:download", kwargs={"body_slug": scene.body.slug, "casedocument_id": document.pk})
    response = client.get(api)
    assert response.status_code == 403
    assert b"altered" not in response.content
