"""Comments on a case: the school's head or SENDCO and the body's decision officers talk
about a case in one place, on its page. Each comment is audited and never edited."""

from __future__ import annotations

from django.db import transaction

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from core.audit import audit_record, text_fingerprint
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context
from exceptional_resource.error_codes import CaseError
from exceptional_resource.models import Case, CaseComment

MAX_COMMENT_LENGTH = 2000


def case_comment_add(*, actor: User, tenant: ResponsibleBody, case_id: int, text: str) -> CaseComment:
    """Add a comment to a case the actor raises (their school's) or decides."""
    cleaned = text.strip() if isinstance(text, str) else ""
    if not cleaned:
        raise ApplicationError("Write your comment.", code=CaseError.TEXT_REQUIRED, field="text")
    if len(cleaned) > MAX_COMMENT_LENGTH:
        raise ApplicationError(
            f"Keep the comment to {MAX_COMMENT_LENGTH:,} characters or fewer.", code=CaseError.TOO_LONG, field="text"
        )
    with tenant_context(tenant), transaction.atomic():
        case = lock_rows(Case.objects).filter(pk=case_id).first()
        if case is None:
            raise NotFound("No such case.")
        access = BodyAccess.load(actor, tenant)
        if not (access.can(Action.RAISE_CASE, case) or access.can(Action.DECIDE_CASE, case)):
            raise ApplicationError(
                "Only the school or a decision officer comments on a case.", code=CaseError.NOT_ALLOWED
            )
        comment = CaseComment.objects.create(
            responsible_body=tenant, case=case, author=actor, author_label=actor.email, text=cleaned
        )
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.CASE_COMMENTED,
            obj=case,
            after={"comment_id": comment.pk, "text": text_fingerprint(cleaned)},
        )
    return comment
