"""Reads that are themselves recorded: a pupil's case is special-category data, so every
view of a case and every download of a decision letter leaves an audit event.

The event is written in the reader's transaction (``tenant_context`` opens one, or is
already inside the page's), without a savepoint of its own: it is two statements (the
chain's head under its lock, and the insert), and if either fails the read fails with it."""

from __future__ import annotations

from accounts.models import ResponsibleBody, User
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.tenancy import tenant_context
from exceptional_resource.models import Case, Decision


def case_view_record(*, actor: User, tenant: ResponsibleBody, case: Case, via: str) -> None:
    """Record that ``actor`` read ``case`` (``via`` says where: "api", "page")."""
    with tenant_context(tenant):
        audit_record(actor=actor, tenant=tenant, verb=AuditVerb.CASE_VIEWED, obj=case, after={"via": via})


def decision_letter_record_view(*, actor: User, tenant: ResponsibleBody, decision: Decision, kind: str) -> None:
    """Record that ``actor`` opened (``kind`` "page") or downloaded ("pdf") a decision letter."""
    with tenant_context(tenant):
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.DECISION_LETTER_DOWNLOADED if kind == "pdf" else AuditVerb.DECISION_LETTER_VIEWED,
            obj=decision,
            label=f"Decision letter ({kind.upper()}) for case {decision.case.reference}",
        )
