"""Evidence on a case: a school's head or SENDCO adds documents while the case is a draft,
submitted or answering a request for information, and removes them while it is a draft.
Files are checked (``core.uploads.validate_upload``: type by extension and content,
size, virus scan) before anything is stored, kept in private storage under random names,
and every download is audited. The original file name, which may name the pupil, stays in
the row and out of the audit label."""

from __future__ import annotations

import hashlib

from django.core.files import File
from django.db import transaction

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context
from core.uploads import validate_upload
from exceptional_resource.error_codes import CaseError
from exceptional_resource.models import Case, CaseDocument, CaseEvent, CaseStatus

EVIDENCE_TYPES = frozenset({"pdf", "docx", "xlsx", "png", "jpg", "jpeg"})
OPEN_TO_EVIDENCE = frozenset({CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.INFORMATION_REQUESTED})
REMOVABLE = frozenset({CaseStatus.DRAFT})


def _label(document: CaseDocument, case: Case) -> str:
    return f"Evidence {document.pk} on case {case.reference}"


def _case_for(actor: User, tenant: ResponsibleBody, case_id: int, *, lock: bool) -> tuple[Case, BodyAccess]:
    qs = lock_rows(Case.objects) if lock else Case.objects.all()
    case = qs.filter(pk=case_id).first()
    access = BodyAccess.load(actor, tenant)
    if case is None or not access.can(Action.VIEW_CASE, case):
        raise NotFound("No such case.")
    return case, access


def evidence_can_add(access: BodyAccess, case: Case) -> bool:
    return case.status in OPEN_TO_EVIDENCE and access.can(Action.RAISE_CASE, case)


def evidence_can_remove(access: BodyAccess, case: Case) -> bool:
    return case.status in REMOVABLE and access.can(Action.RAISE_CASE, case)


def _check_may_add(access: BodyAccess, case: Case) -> None:
    if not access.can(Action.RAISE_CASE, case):
        raise ApplicationError(
            "Only the school's head or SENDCO adds evidence.", code=CaseError.NOT_ALLOWED, field="file"
        )
    if case.status not in OPEN_TO_EVIDENCE:
        raise ConflictError(
            "Evidence can be added only while the case is a draft, submitted, or answering a request for information.",
            code=CaseError.CASE_CLOSED_TO_EVIDENCE,
            field="file",
        )


def evidence_upload(*, actor: User, tenant: ResponsibleBody, case_id: int, upload: File) -> CaseDocument:
    """Check ``upload`` and attach it to the case. Nothing is stored unless every check passes."""
    with tenant_context(tenant):
        case, access = _case_for(actor, tenant, case_id, lock=False)
        _check_may_add(access, case)
    checked = validate_upload(upload, allowed=EVIDENCE_TYPES, field="file")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with tenant_context(tenant), transaction.atomic():
        case, access = _case_for(actor, tenant, case_id, lock=True)
        _check_may_add(access, case)
        document = CaseDocument(
            responsible_body=tenant,
            case=case,
            original_name=checked.name,
            content_type=checked.content_type,
            size_bytes=checked.size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
            uploaded_by_label=actor.email,
        )
        document.file.save(f"upload.{checked.extension}", upload, save=False)
        stored = str(document.file.name)
        try:
            document.save(force_insert=True)
            CaseEvent.objects.create(
                responsible_body=tenant,
                case=case,
                verb="evidence_added",
                note=f"Evidence added: {checked.name}",
                actor_label=actor.email,
            )
            audit_record(
                actor=actor,
                tenant=tenant,
                verb=AuditVerb.CASE_EVIDENCE_ADDED,
                obj=document,
                label=_label(document, case),
                after={"case_id": case.pk, "content_type": checked.content_type, "size_bytes": checked.size},
            )
        except BaseException:
            document.file.storage.delete(stored)
            raise
    return document


def evidence_remove(*, actor: User, tenant: ResponsibleBody, casedocument_id: int) -> None:
    """Remove a document from a draft; its file is deleted once the removal is committed."""
    with tenant_context(tenant), transaction.atomic():
        document = CaseDocument.objects.filter(pk=casedocument_id).first()
        if document is None:
            raise NotFound("No such document.")
        case, access = _case_for(actor, tenant, document.case_id, lock=True)
        if not access.can(Action.RAISE_CASE, case):
            raise ApplicationError("Only the school's head or SENDCO removes evidence.", code=CaseError.NOT_ALLOWED)
        if case.status not in REMOVABLE:
            raise ConflictError(
                "Evidence can be removed only while the case is a draft.", code=CaseError.CASE_NOT_DRAFT, field="file"
            )
        label = _label(document, case)
        stored, storage = str(document.file.name), document.file.storage
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.CASE_EVIDENCE_REMOVED,
            obj=document,
            label=label,
            before={"case_id": case.pk, "sha256": document.sha256, "size_bytes": document.size_bytes},
        )
        CaseEvent.objects.create(
            responsible_body=tenant,
            case=case,
            verb="evidence_removed",
            note=f"Evidence removed: {document.original_name}",
            actor_label=actor.email,
        )
        document.delete()
        transaction.on_commit(lambda: storage.delete(stored))


def evidence_download(*, actor: User, tenant: ResponsibleBody, casedocument_id: int) -> CaseDocument:
    """Record that ``actor`` is reading the document (only people who may see the case may)
    and return it for the caller to stream."""
    with tenant_context(tenant), transaction.atomic():
        document = CaseDocument.objects.select_related("case").filter(pk=casedocument_id).first()
        if document is None:
            raise NotFound("No such document.")
        case, _ = _case_for(actor, tenant, document.case_id, lock=False)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.CASE_EVIDENCE_DOWNLOADED,
            obj=document,
            label=_label(document, case),
            after={"case_id": case.pk},
        )
    return document
