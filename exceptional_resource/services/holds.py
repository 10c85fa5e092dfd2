"""Legal holds on cases: a decision officer or the body's admin places one (a complaint, a
tribunal, a claim) with a reason, and lifts it with a reason. While a hold is in force the
retention job leaves the case and its pupil untouched. Both are audited."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from core.audit import audit_record, text_fingerprint
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context
from exceptional_resource.error_codes import CaseError
from exceptional_resource.models import Case, LegalHold

REASON_MAX = 500


def _reason(value: str, *, field: str) -> str:
    reason = (value or "").strip()
    if not reason:
        raise ApplicationError("Enter the reason for the hold.", code=CaseError.REASON_REQUIRED, field=field)
    if len(reason) > REASON_MAX:
        raise ApplicationError(
            f"Enter the reason in {REASON_MAX} characters or fewer.", code=CaseError.TOO_LONG, field=field
        )
    return reason


def _case_for_hold(*, actor: User, tenant: ResponsibleBody, case_id: int) -> Case:
    case = lock_rows(Case.objects).filter(pk=case_id).first()
    access = BodyAccess.load(actor, tenant)
    if case is None or not (access.can(Action.VIEW_CASE, case) or access.can(Action.MANAGE_LEGAL_HOLD)):
        raise NotFound("No such case.")
    if not access.can(Action.MANAGE_LEGAL_HOLD):
        raise ApplicationError(
            "Only a decision officer or the body's admin places or lifts a legal hold.", code=CaseError.NOT_ALLOWED
        )
    return case


def legal_hold_place(*, actor: User, tenant: ResponsibleBody, case_id: int, reason: str) -> LegalHold:
    reason = _reason(reason, field="reason")
    with tenant_context(tenant), transaction.atomic():
        case = _case_for_hold(actor=actor, tenant=tenant, case_id=case_id)
        if case.erased_at is not None:
            raise ConflictError(
                "This case's file was erased under the retention schedule: there is nothing left to hold.",
                code=CaseError.CASE_ERASED,
            )
        if LegalHold.objects.filter(case=case, lifted_at__isnull=True).exists():
            raise ConflictError("A legal hold is already in force on this case.", code=CaseError.HOLD_IN_FORCE)
        hold = LegalHold(responsible_body=tenant, case=case, reason=reason, placed_by_label=actor.email)
        try:
            with transaction.atomic():
                hold.save()
        except IntegrityError as exc:
            raise ConflictError("A legal hold is already in force on this case.", code=CaseError.HOLD_IN_FORCE) from exc
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.CASE_HOLD_PLACED,
            obj=case,
            after={"hold_id": hold.pk, "reason": text_fingerprint(reason)},
        )
    return hold


def legal_hold_lift(*, actor: User, tenant: ResponsibleBody, case_id: int, reason: str) -> LegalHold:
    reason = _reason(reason, field="reason")
    with tenant_context(tenant), transaction.atomic():
        case = _case_for_hold(actor=actor, tenant=tenant, case_id=case_id)
        hold = lock_rows(LegalHold.objects).filter(case=case, lifted_at__isnull=True).first()
        if hold is None:
            raise ConflictError("No legal hold is in force on this case.", code=CaseError.NO_HOLD)
        hold.lifted_at = timezone.now()
        hold.lifted_by_label = actor.email
        hold.lift_reason = reason
        hold.save(update_fields=["lifted_at", "lifted_by_label", "lift_reason"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.CASE_HOLD_LIFTED,
            obj=case,
            after={"hold_id": hold.pk, "reason": text_fingerprint(reason)},
        )
    return hold


def legal_hold_current(*, tenant: ResponsibleBody, case: Case) -> LegalHold | None:
    with tenant_context(tenant):
        return LegalHold.objects.filter(case=case, lifted_at__isnull=True).first()
