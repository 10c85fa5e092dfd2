"""The officer's decision after a review of outcomes: renew (a new decision and a new
award for a further period), change (vary the award and set the next review date) or end
(the award ends early and its unpaid instalments are released).

    review_due ─renew─▶ renewed ─(award)─▶ active
    review_due ─change─▶ active
    review_due ─end─▶ ended

The school records progress first (``awards.review_record``); the officer decides with
the results in front of them. The same rules as any decision apply: a decision officer
with MFA, within their delegated limit, not from a school where they hold a role, against
the published criteria, and a renewal the pool cannot fund is refused and escalated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import ResponsibleBody, Role, User
from accounts.policy import Action, BodyAccess
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context
from exceptional_resource.error_codes import CaseError
from exceptional_resource.models import Award, Case, CaseStatus, Decision, Outcome
from exceptional_resource.services.award_effects import NewAwardTerms, decision_effect, running_pool_id
from exceptional_resource.services.decision_terms import award_terms_check
from exceptional_resource.services.refusals import REFUSALS_RECORDED, check_segregation
from exceptional_resource.services.timeline import case_event_add
from groupings.selectors import policy_in_force
from pooling.models import Pool
from pooling.services.ledger import InsufficientHeadroom

REVIEW_DECISIONS = ("renew", "change", "end")


@dataclass(frozen=True)
class ReviewDecisionResult:
    case: Case
    decision: Decision | None
    award: Award | None


def _event(
    case: Case,
    actor: User,
    verb: str,
    note: str,
    from_status: str = "",
    to_status: str = "",
    *,
    pool_id: int | None = None,
) -> None:
    case_event_add(
        case=case, actor=actor, verb=verb, note=note, from_status=from_status, to_status=to_status, pool_id=pool_id
    )


def _check_officer(actor: User, tenant: ResponsibleBody, case: Case) -> BodyAccess:
    access = BodyAccess.load(actor, tenant)
    if not access.can(Action.DECIDE_CASE, case):
        raise ApplicationError("Your role does not allow this on this case.", code=CaseError.NOT_ALLOWED)
    if access.needs_mfa_for(Action.DECIDE_CASE):
        raise ApplicationError("Set up multi-factor authentication before deciding cases.", code=CaseError.MFA_REQUIRED)
    if any(m.role in (Role.HEAD, Role.SENDCO) and m.school_id == case.school_id for m in access.memberships):
        raise ConflictError(
            "You work at this school, so another officer must decide this case.", code=CaseError.RECUSED
        )
    return access


def _active_award(case: Case) -> Award | None:
    return Award.objects.filter(case=case, status=Award.Status.ACTIVE).order_by("-created_at", "-id").first()


def _next_review(case: Case, review_on: date | None) -> date:
    if review_on is None or review_on <= timezone.localdate():
        raise ApplicationError(
            "Enter the next review date, after today.", code=CaseError.REVIEW_REQUIRED, field="review_on"
        )
    Outcome.objects.filter(case=case).update(review_on=review_on)
    return review_on


def review_decide(
    *,
    actor: User,
    tenant: ResponsibleBody,
    case_id: int,
    decision: str,
    reasons: str,
    criteria_met: list[str] | None = None,
    amount_pence: int = 0,
    pool_id: int | None = None,
    frequency: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    conditions: str = "",
    review_on: date | None = None,
    end_on: date | None = None,
) -> ReviewDecisionResult:
    """Decide what follows a review. ``renew`` needs the new award's terms (amount, pool,
    frequency, dates, next review); ``change`` the total (``amount_pence``; the award's own keeps it as it
    is and only sets the next review) and next review; ``end`` the date it
    ends (today when not given).

    Each decides the case's money again, so segregation of duties applies as it does to
    varying the award and confirming the run that pays it: under the policy in force today
    (``policy_in_force``), not the one the case was raised under, and on when no policy is
    in force (its default), whether or not the case records a policy. The officer who raised
    the case is refused (``segregation_of_duties``), on the case's record and audited."""
    if decision not in REVIEW_DECISIONS:
        raise ApplicationError("Choose renew, change or end.", code=CaseError.INVALID_DECISION, field="decision")
    if not reasons.strip():
        raise ApplicationError("Give the reasons for the decision.", code=CaseError.REASONS_REQUIRED, field="reasons")
    try:
        return _review_decide(
            actor=actor,
            tenant=tenant,
            case_id=case_id,
            decision=decision,
            reasons=reasons,
            criteria_met=criteria_met,
            amount_pence=amount_pence,
            pool_id=pool_id,
            frequency=frequency,
            starts_on=starts_on,
            ends_on=ends_on,
            conditions=conditions,
            review_on=review_on,
            end_on=end_on,
        )
    except InsufficientHeadroom as exc:
        with tenant_context(tenant), transaction.atomic():
            case = Case.objects.get(pk=case_id)
            note = f"{exc.message} Escalated to the finance officers and trustees."
            _event(case, actor, "headroom_shortfall", note, pool_id=_about_pool(case, decision, pool_id))
            audit_record(actor=actor, tenant=tenant, verb=AuditVerb.CASE_HEADROOM_SHORTFALL, obj=case, after=exc.extra)
        raise
    except ConflictError as exc:
        recorded = REFUSALS_RECORDED.get(exc.code)  # recusal, escalation, segregation: on the case's record
        if recorded is not None:
            verb, audit_verb, note = recorded
            with tenant_context(tenant), transaction.atomic():
                case = Case.objects.get(pk=case_id)
                _event(case, actor, verb, note, pool_id=_about_pool(case, decision, pool_id))
                audit_record(actor=actor, tenant=tenant, verb=audit_verb, obj=case, after=exc.extra or None)
            exc.recorded = True
        raise


def _about_pool(case: Case, decision: str, pool_id: int | None) -> int | None:
    """The pool a refused review decision is about (``CaseEvent.pool``): a renewal's new pool
    when it names one of the body's, otherwise the award under review, which a change keeps."""
    if decision == "renew" and pool_id is not None and Pool.objects.filter(pk=pool_id).exists():
        return pool_id
    return running_pool_id(case)


def _review_decide(
    *,
    actor: User,
    tenant: ResponsibleBody,
    case_id: int,
    decision: str,
    reasons: str,
    criteria_met: list[str] | None,
    amount_pence: int,
    pool_id: int | None,
    frequency: str,
    starts_on: date | None,
    ends_on: date | None,
    conditions: str,
    review_on: date | None,
    end_on: date | None,
) -> ReviewDecisionResult:
    with tenant_context(tenant), transaction.atomic():
        case = lock_rows(Case.objects).filter(pk=case_id).first()
        if case is None:
            raise NotFound("No such case.")
        access = _check_officer(actor, tenant, case)
        check_segregation(actor=actor, case=case, policy=policy_in_force(tenant=tenant))
        if case.status != CaseStatus.REVIEW_DUE:
            raise ConflictError("This case has no review due.", code=CaseError.NO_REVIEW_DUE)
        if Outcome.objects.filter(case=case, result="").exists():
            raise ConflictError(
                "The school has not yet recorded progress against every outcome.", code=CaseError.REVIEW_NOT_RECORDED
            )
        if decision == "end":
            return _end(actor=actor, tenant=tenant, case=case, reasons=reasons.strip(), end_on=end_on)
        if decision == "change":
            return _change(
                actor=actor,
                tenant=tenant,
                access=access,
                case=case,
                reasons=reasons.strip(),
                amount_pence=amount_pence,
                review_on=review_on,
            )
        return _renew(
            actor=actor,
            tenant=tenant,
            access=access,
            case=case,
            reasons=reasons.strip(),
            criteria_met=criteria_met or [],
            amount_pence=amount_pence,
            pool_id=pool_id,
            frequency=frequency,
            starts_on=starts_on,
            ends_on=ends_on,
            conditions=conditions,
            review_on=review_on,
        )


def _end(
    *, actor: User, tenant: ResponsibleBody, case: Case, reasons: str, end_on: date | None
) -> ReviewDecisionResult:
    day = end_on or timezone.localdate()
    ended_pool_id = running_pool_id(case)
    award = decision_effect(actor=actor, tenant=tenant, case=case, decision="end", reason=reasons, end_on=day).award
    if case.status != CaseStatus.ENDED:
        before = case.status
        case.status = CaseStatus.ENDED
        case.updated_at = timezone.now()
        case.save(update_fields=["status", "updated_at"])
        _event(case, actor, "review_end", reasons, before, CaseStatus.ENDED, pool_id=ended_pool_id)
    else:
        _event(case, actor, "review_end", reasons, pool_id=ended_pool_id)
    audit_record(actor=actor, tenant=tenant, verb=AuditVerb.CASE_REVIEW_ENDED, obj=case, after={"ended_on": day})
    return ReviewDecisionResult(case=case, decision=None, award=award)


def _change(
    *,
    actor: User,
    tenant: ResponsibleBody,
    access: BodyAccess,
    case: Case,
    reasons: str,
    amount_pence: int,
    review_on: date | None,
) -> ReviewDecisionResult:
    running = _active_award(case)
    if running is None:
        raise ConflictError("This case has no active award to change.", code=CaseError.AWARD_NOT_ACTIVE)
    if amount_pence <= 0:
        raise ApplicationError("Enter the award's new total.", code=CaseError.AMOUNT_REQUIRED, field="amount_pence")
    # The same total is allowed here: an officer who keeps the award as it is and sets the next
    # review date chooses "change" with the total the page fills in (the award is left as it
    # is: award_vary_locked posts nothing at the same total, and a review's change sends no
    # change letter). Varying an award on its own page is what refuses the same total.
    if amount_pence > access.decision_limit_pence():
        raise ConflictError(
            "This is above your delegated limit: an officer with a higher limit must decide it.",
            code=CaseError.OVER_DELEGATED_LIMIT,
            extra={"limit_pence": access.decision_limit_pence(), "amount_pence": amount_pence},
        )
    next_review = _next_review(case, review_on)
    award = decision_effect(
        actor=actor, tenant=tenant, case=case, decision="change", reason=reasons, amount_pence=amount_pence
    ).award
    case.status = CaseStatus.ACTIVE
    case.updated_at = timezone.now()
    case.save(update_fields=["status", "updated_at"])
    note = f"{reasons} Next review {next_review:%-d %B %Y}."
    _event(case, actor, "review_change", note, "review_due", "active", pool_id=award.pool_id if award else None)
    audit_record(
        actor=actor,
        tenant=tenant,
        verb=AuditVerb.CASE_REVIEW_CHANGED,
        obj=case,
        before={"status": CaseStatus.REVIEW_DUE},
        after={"status": CaseStatus.ACTIVE, "amount_pence": amount_pence, "review_on": next_review},
    )
    return ReviewDecisionResult(case=case, decision=None, award=award)


def _renew(
    *,
    actor: User,
    tenant: ResponsibleBody,
    access: BodyAccess,
    case: Case,
    reasons: str,
    criteria_met: list[str],
    amount_pence: int,
    pool_id: int | None,
    frequency: str,
    starts_on: date | None,
    ends_on: date | None,
    conditions: str,
    review_on: date | None,
) -> ReviewDecisionResult:
    policy = case.policy
    if policy is None:
        raise ConflictError("The grouping has no policy in force.", code=CaseError.NO_POLICY)
    if any(c not in policy.decision_criteria for c in criteria_met):
        raise ApplicationError(
            "Tick criteria from the published list only.", code=CaseError.UNKNOWN_CRITERIA, field="criteria_met"
        )
    terms = award_terms_check(
        access=access,
        policy=policy,
        amount_pence=amount_pence,
        pool_id=pool_id,
        frequency=frequency,
        starts_on=starts_on,
        ends_on=ends_on,
        review_on=review_on,
    )
    pool, starts_on, ends_on = terms.pool, terms.starts_on, terms.ends_on
    next_review = _next_review(case, review_on)
    previous = Decision.objects.filter(case=case).order_by("-decided_at", "-pk").first()
    running = _active_award(case)
    new = Decision.objects.create(
        responsible_body=tenant,
        case=case,
        officer=actor,
        officer_label=actor.email,
        outcome=Decision.Outcome.APPROVED,
        criteria_met=criteria_met,
        reasons=reasons,
        amount_pence=amount_pence,
        pool=pool,
        frequency=frequency,
        starts_on=starts_on,
        ends_on=ends_on,
        conditions=conditions.strip(),
        review_on=next_review,
        policy=policy,
        supersedes=previous,
        acts_on_award=running,
    )
    effect = decision_effect(
        actor=actor,
        tenant=tenant,
        case=case,
        decision="renew",
        reason=reasons,
        decision_id=new.pk,
        terms=NewAwardTerms(
            pool_id=pool.pk, amount_pence=amount_pence, frequency=frequency, starts_on=starts_on, ends_on=ends_on
        ),
    )
    new.award_effect = effect.kind
    new.save(update_fields=["award_effect"])
    award = effect.award
    assert award is not None  # a renewal always makes a new award
    _event(case, actor, "renew", reasons, CaseStatus.REVIEW_DUE, CaseStatus.RENEWED, pool_id=pool.pk)
    case.status = CaseStatus.ACTIVE
    case.updated_at = timezone.now()
    case.save(update_fields=["status", "updated_at"])
    _event(
        case,
        actor,
        "award_committed",
        f"{amount_pence / 100:,.2f} pounds committed, paid {frequency} from {starts_on:%-d %B %Y}.",
        CaseStatus.RENEWED,
        CaseStatus.ACTIVE,
        pool_id=award.pool_id,
    )
    audit_record(
        actor=actor,
        tenant=tenant,
        verb=AuditVerb.CASE_RENEWED,
        obj=case,
        before={"status": CaseStatus.REVIEW_DUE},
        after={"status": CaseStatus.ACTIVE, "amount_pence": amount_pence, "award_id": award.pk},
    )
    return ReviewDecisionResult(case=case, decision=new, award=award)
