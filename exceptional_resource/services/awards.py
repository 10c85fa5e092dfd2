"""Awards after the decision: varying them, ending them early, and the review of outcomes."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context
from exceptional_resource.error_codes import CaseError
from exceptional_resource.models import Award, Case, CaseStatus, Outcome
from exceptional_resource.services.award_effects import award_end_locked, award_vary_locked, running_pool_id
from exceptional_resource.services.decision_terms import amount_changes_check
from exceptional_resource.services.refusals import REFUSALS_RECORDED, check_segregation
from exceptional_resource.services.timeline import case_event_add
from groupings.selectors import policy_in_force


def _officer(actor: User, tenant: ResponsibleBody, case: Case) -> BodyAccess:
    access = BodyAccess.load(actor, tenant)
    if not access.can(Action.DECIDE_CASE, case) or access.needs_mfa_for(Action.DECIDE_CASE):
        raise ApplicationError(
            "Only a decision officer with MFA set up can change an award.", code=CaseError.NOT_ALLOWED
        )
    return access


def _award(award_id: int) -> Award:
    award = lock_rows(Award.objects).select_related("case").filter(pk=award_id).first()
    if award is None:
        raise NotFound("No such award.")
    return award


def _event(case: Case, actor: User | None, verb: str, note: str, pool_id: int | None = None) -> None:
    case_event_add(case=case, actor=actor, verb=verb, note=note, pool_id=pool_id)


def award_vary(*, actor: User, tenant: ResponsibleBody, award_id: int, new_amount_pence: int, reason: str) -> Award:
    """Change an award's total: the commitment moves by the difference (an increase is
    checked against headroom and the officer's limit) and unpaid instalments are re-split
    (``award_effects.award_vary_locked``, which every decision that varies an award uses).
    A new total equal to the award's is refused (``amount_unchanged``): it changes nothing.
    Varying decides the case's money again, so under the segregation of duties of the policy
    in force (the one confirming a run and deciding a review read; on when none is in force)
    the officer who raised the case may not; the
    refusal is kept on the case's record, as an entry about the award's pool."""
    if not reason.strip():
        raise ApplicationError("Say why the award changes.", code=CaseError.REASON_REQUIRED, field="reason")
    try:
        return _vary(actor=actor, tenant=tenant, award_id=award_id, new_amount_pence=new_amount_pence, reason=reason)
    except ConflictError as exc:
        if exc.code != CaseError.SEGREGATION_OF_DUTIES:
            raise
        verb, audit_verb, note = REFUSALS_RECORDED[exc.code]
        with tenant_context(tenant), transaction.atomic():  # the refused change rolled back
            award = Award.objects.select_related("case").get(pk=award_id)
            case = award.case
            _event(case, actor, verb, note, pool_id=award.pool_id)  # about the award: its pool's auditors read it
            audit_record(actor=actor, tenant=tenant, verb=audit_verb, obj=case, after=exc.extra or None)
        exc.recorded = True
        raise


def _vary(*, actor: User, tenant: ResponsibleBody, award_id: int, new_amount_pence: int, reason: str) -> Award:
    with tenant_context(tenant), transaction.atomic():
        award = _award(award_id)
        access = _officer(actor, tenant, award.case)
        case = award.case
        # the policy in force, as confirming a run reads it (pooling.services.duties); none: on
        check_segregation(actor=actor, case=case, policy=policy_in_force(tenant=tenant))
        if award.status != Award.Status.ACTIVE:
            raise ConflictError("Only an active award can be varied.", code=CaseError.AWARD_NOT_ACTIVE)
        amount_changes_check(current_pence=award.amount_pence, new_pence=new_amount_pence, field="new_amount_pence")
        if new_amount_pence > access.decision_limit_pence():
            raise ConflictError(
                "This is above your delegated limit: an officer with a higher limit must decide it.",
                code=CaseError.OVER_DELEGATED_LIMIT,
            )
        award_vary_locked(actor=actor, tenant=tenant, award=award, new_amount_pence=new_amount_pence, reason=reason)
    return award


def award_end_early(*, actor: User | None, tenant: ResponsibleBody, award_id: int, end_on: date, reason: str) -> Award:
    """End an award when the pupil leaves or the school's arrangement ends: every unpaid
    instalment due after ``end_on`` is released, exactly (``award_effects.award_end_locked``).
    Safe to call twice."""
    with tenant_context(tenant), transaction.atomic():
        award = _award(award_id)
        if actor is not None:
            _officer(actor, tenant, award.case)
        if award.status == Award.Status.ENDED:
            return award
        award_end_locked(actor=actor, tenant=tenant, award=award, end_on=end_on, reason=reason)
        case = award.case
        if case.status in {CaseStatus.ACTIVE, CaseStatus.REVIEW_DUE}:
            case.status = CaseStatus.ENDED
            case.save(update_fields=["status"])
    return award


def awards_mark_reviews_due(*, tenant: ResponsibleBody, today: date | None = None) -> list[int]:
    """Cases with an active award whose earliest outcome review date has come become
    ``review_due`` (run daily by Celery beat). Returns the case ids marked."""
    day = today or timezone.localdate()
    marked = []
    with tenant_context(tenant), transaction.atomic():
        due_ids = Outcome.objects.filter(case__status=CaseStatus.ACTIVE, review_on__lte=day).values("case_id")
        due = lock_rows(Case.objects).filter(pk__in=due_ids, status=CaseStatus.ACTIVE).order_by("pk")
        for case in due:
            case.status = CaseStatus.REVIEW_DUE
            case.save(update_fields=["status"])
            note = "The review date has come: record progress against each outcome."
            _event(case, None, "review_due", note, pool_id=running_pool_id(case))
            audit_record(actor=None, tenant=tenant, verb=AuditVerb.CASE_REVIEW_DUE, obj=case)
            marked.append(case.pk)
    return marked


def review_record(*, actor: User, tenant: ResponsibleBody, case_id: int, results: dict[int, tuple[str, str]]) -> Case:
    """The school records progress against each outcome: achieved, partly or not yet, with
    a note. Every outcome of the case must be given a result."""
    with tenant_context(tenant), transaction.atomic():
        case = lock_rows(Case.objects).filter(pk=case_id).first()
        if case is None:
            raise NotFound("No such case.")
        if not BodyAccess.load(actor, tenant).can(Action.RAISE_CASE, case):
            raise ApplicationError("Only the school's head or SENDCO records the review.", code=CaseError.NOT_ALLOWED)
        if case.status != CaseStatus.REVIEW_DUE:
            raise ConflictError("This case has no review due.", code=CaseError.NO_REVIEW_DUE)
        outcomes = {o.pk: o for o in Outcome.objects.filter(case=case)}
        if set(results) != set(outcomes):
            raise ApplicationError(
                "Record a result for every intended outcome.", code=CaseError.RESULTS_INCOMPLETE, field="results"
            )
        for outcome_id, (result, note) in results.items():
            if result not in Outcome.Result.values:
                raise ApplicationError(
                    "Choose achieved, partly achieved or not yet achieved.",
                    code=CaseError.INVALID_RESULT,
                    field="results",
                )
            outcome = outcomes[outcome_id]
            outcome.result, outcome.result_note = result, note.strip()[:500]
            outcome.save(update_fields=["result", "result_note"])
        _event(
            case,
            actor,
            "review_recorded",
            "; ".join(f"{outcomes[i].description}: {r}" for i, (r, _) in results.items()),
            pool_id=running_pool_id(case),  # the award under review
        )
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.CASE_REVIEW_RECORDED,
            obj=case,
            after={str(i): r for i, (r, _) in results.items()},
        )
    return case
